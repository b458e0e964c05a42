package org.openpincery.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.openpincery.db.DatabaseUrl;
import org.openpincery.db.SchemaMigrator;

class TestPostgresTest {

  @Test
  void freshDatabaseIsMigratedToThisBuildsSchema() throws SQLException {
    DatabaseUrl db = TestPostgres.freshDatabase();

    try (Connection c = TestPostgres.connect(db);
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery("SELECT max(version::int) FROM flyway_schema_history WHERE success")) {
      rs.next();
      assertThat(rs.getInt(1)).isEqualTo(SchemaMigrator.SCHEMA_VERSION);
    }
  }

  @Test
  void freshDatabasesDoNotShareRows() throws SQLException {
    DatabaseUrl first = TestPostgres.freshDatabase();
    DatabaseUrl second = TestPostgres.freshDatabase();

    try (Connection c = TestPostgres.connect(first);
        Statement st = c.createStatement()) {
      st.execute("INSERT INTO workspaces (name) VALUES ('only-in-first')");
    }
    try (Connection c = TestPostgres.connect(second);
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT count(*) FROM workspaces")) {
      rs.next();
      assertThat(rs.getInt(1)).isZero();
    }
    assertThat(first.database()).isNotEqualTo(second.database());
  }
}
