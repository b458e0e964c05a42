package org.openpincery.testkit;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.openpincery.db.DatabaseUrl;
import org.openpincery.db.SchemaMigrator;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * One real PostgreSQL per test JVM, and a fresh, migrated database for each caller.
 *
 * <p>The server is chosen in this order: {@code TEST_DATABASE_URL} or {@code DATABASE_URL} when set
 * (the role needs CREATEDB); a Testcontainers PostgreSQL when a Docker engine answers; else an
 * embedded PostgreSQL from Maven artifacts. The schema is migrated once into a template database;
 * {@link #freshDatabase()} clones it, which isolates test classes from each other without
 * truncating anything (the event log refuses TRUNCATE).
 */
public final class TestPostgres {

  private static final AtomicInteger DATABASES = new AtomicInteger();
  private static Server server;

  private TestPostgres() {}

  /** The server and how it was found. {@code admin} points at a maintenance database. */
  public record Server(DatabaseUrl admin, String kind, String template) {}

  /** The shared server, started on first use. */
  public static synchronized Server server() {
    if (server == null) {
      server = start();
    }
    return server;
  }

  /** A new database holding the current schema and no rows, private to the caller. */
  public static DatabaseUrl freshDatabase() {
    Server s = server();
    String name = "pincery_test_" + DATABASES.incrementAndGet() + "_" + suffix();
    execute(s.admin(), "CREATE DATABASE " + name + " TEMPLATE " + s.template());
    return s.admin().withDatabase(name);
  }

  /** A new, empty database (no schema at all), private to the caller: for migrate and start-up. */
  public static DatabaseUrl emptyDatabase() {
    Server s = server();
    String name = "pincery_empty_" + DATABASES.incrementAndGet() + "_" + suffix();
    execute(s.admin(), "CREATE DATABASE " + name);
    return s.admin().withDatabase(name);
  }

  /** A plain JDBC connection, for tests that inspect or tamper with rows directly. */
  public static Connection connect(DatabaseUrl url) throws SQLException {
    return DriverManager.getConnection(url.jdbcUrl(), url.user(), url.password());
  }

  private static Server start() {
    String external = firstSet("TEST_DATABASE_URL", "DATABASE_URL");
    Server started;
    if (external != null) {
      started = prepare(DatabaseUrl.parse(external), "external");
    } else if (dockerAnswers()) {
      started = prepare(startContainer(), "testcontainers");
    } else {
      started = prepare(startEmbedded(), "embedded");
    }
    Server s = started;
    Runtime.getRuntime().addShutdownHook(new Thread(() -> dropQuietly(s), "testkit-drop-template"));
    return s;
  }

  private static Server prepare(DatabaseUrl admin, String kind) {
    String template = "pincery_template_" + suffix();
    execute(admin, "CREATE DATABASE " + template);
    SchemaMigrator.migrate(admin.withDatabase(template));
    return new Server(admin, kind, template);
  }

  private static DatabaseUrl startEmbedded() {
    try {
      EmbeddedPostgres pg =
          EmbeddedPostgres.builder()
              .setServerConfig("max_connections", "300")
              .setServerConfig("fsync", "off")
              .setServerConfig("synchronous_commit", "off")
              .setServerConfig("full_page_writes", "off")
              .start();
      return DatabaseUrl.of("localhost", pg.getPort(), "postgres", "postgres", "postgres");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start embedded PostgreSQL", e);
    }
  }

  @SuppressWarnings("resource") // stopped by Testcontainers' reaper when the JVM ends
  private static DatabaseUrl startContainer() {
    var container =
        new PostgreSQLContainer("postgres:17-alpine")
            .withCommand("postgres", "-c", "max_connections=300", "-c", "fsync=off");
    container.start();
    return DatabaseUrl.of(
        container.getHost(),
        container.getMappedPort(5432),
        container.getDatabaseName(),
        container.getUsername(),
        container.getPassword());
  }

  private static boolean dockerAnswers() {
    try {
      return DockerClientFactory.instance().isDockerAvailable();
    } catch (RuntimeException | LinkageError e) {
      return false;
    }
  }

  private static void execute(DatabaseUrl url, String sql) {
    try (Connection c = connect(url);
        Statement st = c.createStatement()) {
      st.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException(
          "testkit: " + sql + " failed on " + url + ": " + e.getMessage(), e);
    }
  }

  private static void dropQuietly(Server s) {
    if (!s.kind().equals("external")) {
      return; // the server goes away with the JVM
    }
    try (Connection c = connect(s.admin());
        Statement st = c.createStatement()) {
      st.execute("DROP DATABASE IF EXISTS " + s.template());
    } catch (SQLException ignored) {
      // best effort on an external server
    }
  }

  private static String firstSet(String... names) {
    for (String name : names) {
      String value = System.getenv(name);
      if (value != null && !value.isBlank()) {
        return value;
      }
    }
    return null;
  }

  private static String suffix() {
    return Long.toString(ThreadLocalRandom.current().nextLong(1L << 40), 36)
        .toLowerCase(Locale.ROOT);
  }

  /** The database as a {@code DATABASE_URL} value, password included (for a process under test). */
  public static String urlString(DatabaseUrl db) {
    return "postgres://"
        + db.user()
        + (db.password() == null ? "" : ":" + db.password())
        + "@"
        + db.host()
        + ":"
        + db.port()
        + "/"
        + db.database();
  }
}
