package org.openpincery.bench;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import org.openpincery.db.DatabaseUrl;

/**
 * The server a benchmark runs against: {@code DATABASE_URL} when set, else an embedded PostgreSQL
 * in a temporary directory with fsync and synchronous_commit on (durable commits, as in the
 * product; the library's defaults turn both off).
 */
final class BenchDatabase implements AutoCloseable {

  private final DatabaseUrl admin;
  private final EmbeddedPostgres embedded;

  private BenchDatabase(DatabaseUrl admin, EmbeddedPostgres embedded) {
    this.admin = admin;
    this.embedded = embedded;
  }

  static BenchDatabase start() throws IOException {
    String external = System.getenv("DATABASE_URL");
    if (external != null && !external.isBlank()) {
      return new BenchDatabase(DatabaseUrl.parse(external), null);
    }
    Path dir = Files.createTempDirectory("pincery-bench-pg");
    EmbeddedPostgres pg =
        EmbeddedPostgres.builder()
            .setDataDirectory(dir)
            .setCleanDataDirectory(true)
            .setServerConfig("fsync", "on")
            .setServerConfig("synchronous_commit", "on")
            .setServerConfig("full_page_writes", "on")
            .setServerConfig("max_connections", "200")
            .setServerConfig("shared_buffers", "256MB")
            // Where the server's time goes, per statement: loaded, but tracking is off (as on a
            // server without it) until a benchmark turns it on for a profiling round
            // (trackStatements): tracking every nested statement costs the server CPU. Set with
            // ALTER SYSTEM below, not here: a command-line setting could not be changed later.
            .setServerConfig("shared_preload_libraries", "pg_stat_statements")
            // Fewer checkpoints during a run: they add the same noise to both sides of a
            // comparison.
            .setServerConfig("max_wal_size", "4GB")
            .setServerConfig("checkpoint_timeout", "30min")
            .start();
    BenchDatabase db =
        new BenchDatabase(
            DatabaseUrl.of("127.0.0.1", pg.getPort(), "postgres", "postgres", null), pg);
    try {
      db.trackStatements("none");
    } catch (SQLException e) {
      pg.close();
      throw new IOException("could not configure the bench server: " + e.getMessage(), e);
    }
    return db;
  }

  /**
   * Turns per-statement tracking on ({@code all}: nested statements too) or off ({@code none}) for
   * every session, at their next statement.
   *
   * @throws SQLException when the server refuses (not a superuser, pg_stat_statements not loaded)
   */
  void trackStatements(String level) throws SQLException {
    try (Connection c = connect(admin)) {
      c.createStatement().execute("ALTER SYSTEM SET pg_stat_statements.track = '" + level + "'");
      c.createStatement().execute("SELECT pg_reload_conf()");
    }
  }

  DatabaseUrl freshDatabase(String name) throws SQLException {
    try (Connection c = connect(admin)) {
      c.createStatement().execute("DROP DATABASE IF EXISTS " + name);
      c.createStatement().execute("CREATE DATABASE " + name);
    }
    return admin.withDatabase(name);
  }

  String version() throws SQLException {
    try (Connection c = connect(admin);
        ResultSet rs = c.createStatement().executeQuery("SHOW server_version")) {
      rs.next();
      return rs.getString(1);
    }
  }

  private static Connection connect(DatabaseUrl url) throws SQLException {
    return DriverManager.getConnection(url.jdbcUrl(), url.user(), url.password());
  }

  @Override
  public void close() throws IOException {
    if (embedded != null) {
      embedded.close();
    }
  }
}
