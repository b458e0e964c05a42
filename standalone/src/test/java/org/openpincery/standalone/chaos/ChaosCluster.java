package org.openpincery.standalone.chaos;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openpincery.db.DatabaseUrl;
import org.openpincery.db.SchemaMigrator;
import org.openpincery.testkit.FreePort;

/**
 * A split deployment on one machine for the chaos suite: a PostgreSQL of its own (never the shared
 * test server, because this one is restarted) and every tier as its own JVM, started with {@code
 * org.openpincery.standalone.Main <tier>} and an environment, as an operator runs them.
 */
final class ChaosCluster implements AutoCloseable {

  /** One tier process: what it is, how to start it again, and the process now running. */
  static final class Tier {
    final String name;
    final String tier;
    final int port;
    final Map<String, String> env;
    final Path dir;
    volatile Process process;
    int starts;

    Tier(String name, String tier, int port, Map<String, String> env, Path dir) {
      this.name = name;
      this.tier = tier;
      this.port = port;
      this.env = env;
      this.dir = dir;
    }
  }

  static final String BOOTSTRAP = "chaos-suite-bootstrap-token-0001";

  private final Path work;
  private final int pgPort;
  private final Path pgData;
  private volatile EmbeddedPostgres pg;
  final DatabaseUrl db;
  final Map<String, Tier> tiers = new LinkedHashMap<>();
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  ChaosCluster(Path work) throws IOException {
    this.work = work;
    this.pgPort = FreePort.pick();
    this.pgData = work.resolve("pgdata");
    startPostgres();
    try (Connection c =
            connect(DatabaseUrl.of("localhost", pgPort, "postgres", "postgres", "postgres"));
        Statement st = c.createStatement()) {
      st.execute("CREATE DATABASE chaos");
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    this.db = DatabaseUrl.of("localhost", pgPort, "chaos", "postgres", "postgres");
    SchemaMigrator.migrate(db);
  }

  /** Starts (or starts again, on the same port and data) the cluster's PostgreSQL. */
  void startPostgres() throws IOException {
    pg =
        EmbeddedPostgres.builder()
            .setDataDirectory(pgData)
            .setCleanDataDirectory(false)
            .setPort(pgPort)
            .setServerConfig("max_connections", "300")
            .setServerConfig("fsync", "off")
            .setServerConfig("synchronous_commit", "off")
            .setServerConfig("full_page_writes", "off")
            .setPGStartupWait(Duration.ofSeconds(60))
            .start();
  }

  /** Stops PostgreSQL (pg_ctl stop -m fast: connections are cut, as on a database restart). */
  void stopPostgres() throws IOException {
    pg.close();
  }

  Connection connect() throws SQLException {
    return connect(db);
  }

  private static Connection connect(DatabaseUrl url) throws SQLException {
    return DriverManager.getConnection(url.jdbcUrl(), url.user(), url.password());
  }

  String databaseUrl() {
    return "postgres://postgres:postgres@localhost:" + pgPort + "/chaos";
  }

  /**
   * Adds a tier process. Worker tiers serve probes on {@code OPEN_PINCERY_PORT}; webhook ingress on
   * {@code OPEN_PINCERY_WEBHOOK_PORT}.
   */
  Tier add(String name, String tier, Map<String, String> settings) throws IOException {
    int port = FreePort.pick();
    Map<String, String> env = new HashMap<>(settings);
    env.put("DATABASE_URL", databaseUrl());
    env.put(
        tier.equals("webhook-ingress") ? "OPEN_PINCERY_WEBHOOK_PORT" : "OPEN_PINCERY_PORT",
        "" + port);
    env.put("OPEN_PINCERY_DATA_DIR", work.resolve(name).toString());
    // Nine JVMs share two cores: small heaps, the quick compiler only.
    env.put("JAVA_TOOL_OPTIONS", "-Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1");
    Tier t = new Tier(name, tier, port, env, work.resolve(name));
    tiers.put(name, t);
    start(t);
    return t;
  }

  void start(Tier t) throws IOException {
    Files.createDirectories(t.dir);
    String java = ProcessHandle.current().info().command().orElse("java");
    String classpath =
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    List<String> command =
        new ArrayList<>(List.of(java, "-cp", classpath, "org.openpincery.standalone.Main", t.tier));
    ProcessBuilder pb = new ProcessBuilder(command).directory(t.dir.toFile());
    pb.environment()
        .keySet()
        .removeIf(
            k ->
                k.startsWith("OPEN_PINCERY_")
                    || k.startsWith("WAKE_")
                    || k.startsWith("MAINTENANCE_")
                    || k.startsWith("SCHEDULER_")
                    || k.equals("DATABASE_URL")
                    || k.equals("METRICS_ADDR")
                    || k.startsWith("LLM_"));
    pb.environment().putAll(t.env);
    t.starts++;
    Path log = t.dir.resolve("run-" + t.starts + ".log");
    pb.redirectErrorStream(true).redirectOutput(log.toFile());
    t.process = pb.start();
  }

  /** {@code kill -9}: no shutdown hook, no clean stop, leases left to expire. */
  void kill(Tier t) throws InterruptedException {
    t.process.destroyForcibly();
    if (!t.process.waitFor(30, TimeUnit.SECONDS)) {
      throw new IllegalStateException(t.name + " did not die");
    }
  }

  /**
   * 200 from the tier's {@code /ready}; false while it starts, waits or cannot reach PostgreSQL.
   */
  boolean ready(Tier t) {
    if (!t.process.isAlive()) {
      throw new IllegalStateException(t.name + " exited: " + tail(t));
    }
    try {
      HttpResponse<Void> r =
          http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + t.port + "/ready"))
                  .timeout(Duration.ofSeconds(3))
                  .build(),
              HttpResponse.BodyHandlers.discarding());
      return r.statusCode() == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  String tail(Tier t) {
    try {
      String text = Files.readString(t.dir.resolve("run-" + t.starts + ".log"));
      return text.length() > 3000 ? text.substring(text.length() - 3000) : text;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every ERROR line and "Exception" headline the processes logged, by tier (for the report). */
  Map<String, Long> errorLines() throws IOException {
    Map<String, Long> out = new LinkedHashMap<>();
    for (Tier t : tiers.values()) {
      long n = 0;
      for (int i = 1; i <= t.starts; i++) {
        Path log = t.dir.resolve("run-" + i + ".log");
        if (Files.exists(log)) {
          n += Files.readAllLines(log).stream().filter(l -> l.contains(" ERROR ")).count();
        }
      }
      out.put(t.name, n);
    }
    return out;
  }

  /** Copies every process's log to {@code dest} (kept after the run's temporary directory). */
  void keepLogs(Path dest) throws IOException {
    if (Files.isDirectory(dest)) {
      try (var old = Files.list(dest)) {
        for (Path p : old.toList()) {
          Files.delete(p);
        }
      }
    }
    Files.createDirectories(dest);
    for (Tier t : tiers.values()) {
      for (int i = 1; i <= t.starts; i++) {
        Path log = t.dir.resolve("run-" + i + ".log");
        if (Files.exists(log)) {
          Files.copy(
              log,
              dest.resolve(t.name + "-" + i + ".log"),
              java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
  }

  @Override
  public void close() {
    for (Tier t : tiers.values()) {
      if (t.process != null && t.process.isAlive()) {
        t.process.destroy();
      }
    }
    for (Tier t : tiers.values()) {
      try {
        if (t.process != null && !t.process.waitFor(20, TimeUnit.SECONDS)) {
          t.process.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        t.process.destroyForcibly();
      }
    }
    try {
      keepLogs(Path.of("target", "chaos-logs"));
    } catch (IOException ignored) {
      // the logs are a convenience for reading a failure
    }
    try {
      pg.close();
    } catch (IOException ignored) {
      // the data directory is a temporary one
    }
  }
}
