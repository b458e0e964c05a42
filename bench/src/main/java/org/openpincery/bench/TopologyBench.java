package org.openpincery.bench;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.File;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.openpincery.config.DatabaseConfig;
import org.openpincery.db.DatabaseUrl;
import org.openpincery.db.SchemaMigrator;
import org.openpincery.store.Store;
import org.openpincery.testkit.ScriptedModelServer;

/**
 * Full wake cycles per second with the split topology: N wake-worker processes and one
 * maintenance-worker process (each its own JVM, as a deployment runs them) against one PostgreSQL,
 * a model that answers at once, and messages appended by this process. The same cycle as the engine
 * benchmark (message → wake with one tool call → reply → sleep → maintenance → asleep), so its
 * numbers compare with {@code ./pincery bench engine}, where both workers share one JVM as in
 * standalone.
 *
 * <p>Usage: {@code ./pincery bench topology [agents] [rounds] [worker counts]} (defaults 1000, 3,
 * "1,2,3").
 */
public final class TopologyBench {

  private TopologyBench() {}

  public static void main(String[] args) throws Exception {
    int agents = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    String counts = args.length > 2 ? args[2] : "1,2,3";
    try (BenchDatabase server = BenchDatabase.start();
        ScriptedModelServer model =
            ScriptedModelServer.start().withoutRecording().otherwise(BenchEngine::answer)) {
      System.out.printf(
          "PostgreSQL %s, %d cores, fsync on; %d agents, %d rounds of one message each%n",
          server.version(), Runtime.getRuntime().availableProcessors(), agents, rounds);
      for (String count : counts.split(",")) {
        int workers = Integer.parseInt(count.strip());
        run(server, model, workers, agents, rounds);
      }
    }
  }

  private static void run(
      BenchDatabase server, ScriptedModelServer model, int workers, int agents, int rounds)
      throws Exception {
    DatabaseUrl url = server.freshDatabase("pincery_topology_bench");
    SchemaMigrator.migrate(url);
    List<Process> processes = new ArrayList<>();
    List<Integer> ports = new ArrayList<>();
    try {
      for (int i = 0; i < workers; i++) {
        int port = freePort();
        ports.add(port);
        processes.add(tier("org.openpincery.wake.Main", url, model, port));
      }
      int maintenancePort = freePort();
      ports.add(maintenancePort);
      processes.add(tier("org.openpincery.maintenance.Main", url, model, maintenancePort));
      for (int port : ports) {
        awaitReady(port);
      }
      Vertx vertx = Vertx.vertx();
      Store store = Store.open(vertx, new DatabaseConfig(url, 16, "topology-bench"));
      UUID workspace = store.agents().createWorkspace("bench").await();
      List<Future<UUID>> created = new ArrayList<>();
      for (int i = 0; i < agents; i++) {
        created.add(store.agents().createAgent(workspace, "agent-" + i, "secret", null));
      }
      Future.all(created).await();
      List<UUID> ids = created.stream().map(Future::result).toList();
      try (Connection stats = DriverManager.getConnection(url.jdbcUrl(), url.user(), null)) {
        for (int r = 1; r <= rounds; r++) {
          long t0 = System.nanoTime();
          EngineBench.runRound(store, ids, r, sql -> count(stats, sql));
          double seconds = (System.nanoTime() - t0) / 1e9;
          System.out.printf(
              Locale.ROOT,
              "%d wake-worker process(es) + 1 maintenance worker, round %d: %d cycles in %.2f s ="
                  + " %.0f cycles/s%n",
              workers,
              r,
              ids.size(),
              seconds,
              ids.size() / seconds);
        }
      }
      store.closeAsync().await();
      vertx.close().await();
    } finally {
      for (Process p : processes) {
        p.destroy();
      }
      for (Process p : processes) {
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
          p.destroyForcibly();
        }
      }
    }
  }

  private static Process tier(String main, DatabaseUrl url, ScriptedModelServer model, int port)
      throws Exception {
    String java = ProcessHandle.current().info().command().orElse("java");
    ProcessBuilder pb =
        new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), main)
            .redirectOutput(File.createTempFile("pincery-topology", ".log"))
            .redirectErrorStream(true);
    Map<String, String> env = pb.environment();
    env.put(
        "DATABASE_URL",
        "postgres://" + url.user() + "@" + url.host() + ":" + url.port() + "/" + url.database());
    env.put("LLM_API_BASE_URL", model.baseUrl());
    env.put("LLM_API_KEY", "bench");
    env.put("LLM_MODEL", "bench");
    env.put("OPEN_PINCERY_HOST", "127.0.0.1");
    env.put("OPEN_PINCERY_PORT", Integer.toString(port));
    env.putIfAbsent("MAINTENANCE_CONCURRENCY", "32");
    env.putIfAbsent("DATABASE_POOL_SIZE", "16");
    env.put("OPEN_PINCERY_DATA_DIR", Files.createTempDirectory("pincery-topology").toString());
    return pb.start();
  }

  private static void awaitReady(int port) throws Exception {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (System.nanoTime() < deadline) {
      try {
        var r =
            http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/ready"))
                    .timeout(Duration.ofSeconds(5))
                    .build(),
                HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() == 200) {
          return;
        }
      } catch (java.io.IOException e) {
        // not listening yet
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("a tier on port " + port + " did not become ready");
  }

  private static long count(Connection c, String sql) throws Exception {
    try (ResultSet rs = c.createStatement().executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
