package org.openpincery.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.openpincery.testkit.TestPostgres;

/** The event hash's definition in SQL: its bytes are fixed, and its field encoding is inlined. */
class EventHashTest {

  private static final StoreFixture db = new StoreFixture(2);

  @AfterAll
  static void close() {
    db.close();
  }

  @Test
  void theHashOfAKnownEventIsTheOneEveryEarlierSchemaComputed() throws SQLException {
    // Computed with the schema of V4 (before V11 changed pincery_hash_field's volatility): a
    // migration that changed a single byte of the encoding would break every stored chain.
    String hash =
        query(
            """
            SELECT encode(pincery_event_hash('\\x0102'::bytea,
                '00000000-0000-0000-0000-000000000001'::uuid, 7, 'tool_result', 'runtime',
                '00000000-0000-0000-0000-000000000002'::uuid, 'héllo 🦀', 'shell',
                '{"cmd":"ls"}'::jsonb, 'out', NULL, '{"a":1}'::jsonb,
                '2026-11-30 01:02:03.456789+00'::timestamptz,
                '00000000-0000-0000-0000-000000000003'::uuid), 'hex')
            """);

    assertThat(hash).isEqualTo("65a51153b508c56f6bc646f0450b168b6f7b9e5c5b7c919a13f466f79b31f412");
  }

  @Test
  void theFieldEncodingIsInlinedNotCalledAsAFunctionOfItsOwn() throws SQLException {
    // Not inlined, each of its nine uses per hash was parsed and planned again in every
    // transaction that appended an event (V11).
    String plan =
        query(
            """
            EXPLAIN (VERBOSE, COSTS OFF)
            SELECT pincery_hash_field(t.v) FROM (SELECT 'x' || g AS v FROM generate_series(1, 2) g) t
            """);

    assertThat(plan).contains("convert_to").doesNotContain("pincery_hash_field");
  }

  private static String query(String sql) throws SQLException {
    try (Connection c = TestPostgres.connect(db.url);
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      StringBuilder out = new StringBuilder();
      while (rs.next()) {
        out.append(rs.getString(1)).append('\n');
      }
      return out.toString().strip();
    }
  }
}
