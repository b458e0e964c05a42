package org.openpincery.bench;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openpincery.db.DatabaseUrl;
import org.openpincery.testkit.ScriptedModelServer;

/**
 * A realistic mix: {@code agents} agents, each sent a message every 10 s on average (Poisson
 * arrivals) through the operator API, every tier in one JVM (the standalone jar as {@code ./pincery
 * up} runs it, against the bench's PostgreSQL with fsync on), and the scripted model over real HTTP
 * answering each call, maintenance included, after a delay drawn uniformly from [delay − jitter,
 * delay + jitter]. A wake is one tool call ({@code list_timers}), then a text reply. After a
 * warm-up (one minute, or the measured length when shorter) it measures for {@code minutes} the
 * platform's added latency per message → reply (see {@link ReplyOverhead} for the exact rule),
 * throughput offered and achieved, wakes, and CPU use.
 *
 * <p>Usage: {@code ./pincery bench mix [agents] [minutes] [model-delay-ms] [jitter-ms]} (defaults
 * 1000, 10, 1000, 500; minutes may be a fraction). {@code WAKE_CONCURRENCY}, {@code
 * MAINTENANCE_CONCURRENCY}, {@code LLM_MAX_CONNECTIONS} and {@code DATABASE_POOL_SIZE} in the
 * environment replace the sizes the bench picks.
 */
public final class MixBench {

  // Past this many unanswered requests an arrival is skipped (and counted), not queued.
  static final int MAX_IN_FLIGHT = 20_000;
  static final int DRAIN_SECONDS = 60;

  private MixBench() {}

  public static void main(String[] args) throws Exception {
    int agents = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    double minutes = args.length > 1 ? Double.parseDouble(args[1]) : 10;
    int delay = args.length > 2 ? Integer.parseInt(args[2]) : 1000;
    int jitter = args.length > 3 ? Integer.parseInt(args[3]) : 500;
    if (agents < 1 || !(minutes > 0) || delay < 0 || jitter < 0 || jitter > delay) {
      throw new IllegalArgumentException(
          "usage: mix [agents ≥ 1] [minutes > 0] [model-delay-ms ≥ 0] [jitter-ms ≤ delay]");
    }
    Path jar = Path.of("standalone/target/standalone.jar");
    if (!Files.exists(jar)) {
      throw new IllegalStateException("build first: ./pincery build (needs " + jar + ")");
    }
    double rate = agents / 10.0;
    long measuredMillis = Math.round(minutes * 60_000);
    long warmupMillis = Math.min(60_000, measuredMillis);

    Map<String, String> sizes = MixPlatform.sizes(rate, delay);

    DelayedModel model = new DelayedModel(delay, jitter);
    try (BenchDatabase server = BenchDatabase.start();
        ScriptedModelServer scripted =
            ScriptedModelServer.start().withoutRecording().otherwise(model::answer)) {
      DatabaseUrl url = server.freshDatabase("pincery_mix_bench");
      Map<String, String> settings = new HashMap<>(sizes);
      settings.put("DATABASE_URL", MixPlatform.postgresUrl(url));
      settings.put("LLM_API_BASE_URL", scripted.baseUrl());
      settings.put("LLM_API_KEY", "bench");
      settings.put("LLM_MODEL", "bench");
      System.out.printf(
          Locale.ROOT,
          "Realistic mix: %d agents, a message to each every 10 s on average (Poisson, %.1f/s"
              + " offered); model %d ± %d ms per call, maintenance calls included%n"
              + "standalone (every tier in one JVM) on PostgreSQL %s, %d cores, fsync on,"
              + " synchronous_commit on; %s%n",
          agents,
          rate,
          delay,
          jitter,
          server.version(),
          Runtime.getRuntime().availableProcessors(),
          sizes.entrySet().stream()
              .sorted(Map.Entry.comparingByKey())
              .map(Object::toString)
              .reduce((a, b) -> a + ", " + b)
              .orElse(""));

      Path data = Files.createTempDirectory("pincery-mix-bench");
      int port = MessageBench.freePort();
      Process platform =
          MessageBench.startStandalone(jar, data, port, MessageBench.freePort(), settings);
      Thread stopOnExit = new Thread(platform::destroyForcibly, "mix-stop-platform");
      Runtime.getRuntime().addShutdownHook(stopOnExit);
      Vertx vertx = Vertx.vertx();
      try (Connection stats =
          DriverManager.getConnection(url.jdbcUrl(), url.user(), url.password())) {
        var http = java.net.http.HttpClient.newHttpClient();
        MessageBench.waitReady(http, port, platform);
        String token =
            new JsonObject(
                    MessageBench.post(http, port, "/api/bootstrap", MessageBench.BOOTSTRAP, "{}"))
                .getString("session_token");
        long t0 = System.nanoTime();
        List<String> ids = MixPlatform.createAgents(vertx, port, token, agents);
        System.out.printf(
            Locale.ROOT,
            "%d agents created in %.1f s (concurrent POST /api/agents)%n",
            ids.size(),
            (System.nanoTime() - t0) / 1e9);

        PoissonLoad load = new PoissonLoad(vertx, port, token, ids, rate, 256, MAX_IN_FLIGHT);
        CpuMeter cpu =
            new CpuMeter(
                platform.pid(),
                CpuMeter.postmasterOf(
                    ReplyOverhead.count(stats, "SELECT pg_backend_pid()::bigint")));
        String since = now(stats);
        load.start();
        System.out.printf(
            Locale.ROOT,
            "warm-up %.0f s (not counted), then %.0f s measured%n",
            warmupMillis / 1e3,
            measuredMillis / 1e3);
        watch(stats, load, warmupMillis);
        String from = now(stats);
        CpuMeter.Sample before = cpu.sample();
        load.phase(1);
        watch(stats, load, measuredMillis);
        String to = now(stats);
        CpuMeter.Sample after = cpu.sample();
        long unanswered = load.stop(DRAIN_SECONDS);
        double drained = drain(stats);
        String ended = now(stats);
        // Read before the platform stops: requests it never answers must not count as errors.
        PoissonLoad.Counts sent = load.counts(1);
        long[] postNanos = load.measuredLatencies();
        Map<String, Long> errors = load.errors();
        // The platform stops before the figures are read: what is unanswered now stays so, and
        // the analysis has the machine to itself.
        MixPlatform.stop(platform);

        ReplyOverhead.Summary s = ReplyOverhead.measure(stats, since, from, to, ended, 10);
        long wakesStarted =
            ReplyOverhead.count(
                stats,
                "SELECT count(*) FROM events WHERE event_type = 'wake_start'"
                    + " AND created_at >= ?::timestamptz AND created_at < ?::timestamptz",
                from,
                to);
        MixReport.print(
            s,
            sent,
            postNanos,
            unanswered,
            drained,
            rate,
            (after.nanoTime() - before.nanoTime()) / 1e9,
            wakesStarted,
            model.check(stats),
            before,
            after);
        errors.forEach(
            (cause, n) ->
                System.out.printf("  request errors (warm-up included): %d × %s%n", n, cause));
        System.out.println("platform log: " + data.resolve("standalone.log"));
      } finally {
        MixPlatform.stop(platform);
        Runtime.getRuntime().removeShutdownHook(stopOnExit);
        vertx.close().await(30, TimeUnit.SECONDS);
      }
    }
  }

  // Prints the backlog every 30 s while the load runs, so a long run shows how it grows.
  private static void watch(Connection stats, PoissonLoad load, long millis) throws Exception {
    long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    long step = TimeUnit.SECONDS.toNanos(30);
    long next = System.nanoTime() + step;
    while (true) {
      long now = System.nanoTime();
      if (now >= end) {
        return;
      }
      Thread.sleep(Math.max(1, TimeUnit.NANOSECONDS.toMillis(Math.min(end, next) - now)));
      if (System.nanoTime() >= next && System.nanoTime() < end) {
        next += step;
        try (ResultSet rs =
            stats
                .createStatement()
                .executeQuery(
                    "SELECT count(*) FILTER (WHERE has_pending), count(*) FILTER (WHERE status ="
                        + " 'awake'), count(*) FILTER (WHERE status = 'maintenance') FROM agents")) {
          rs.next();
          PoissonLoad.Counts c0 = load.counts(0);
          PoissonLoad.Counts c1 = load.counts(1);
          System.out.printf(
              "  %s: %d accepted so far, %d requests in flight; agents with pending messages"
                  + " %d, awake %d, in maintenance %d%n",
              java.time.LocalTime.now().withNano(0),
              c0.accepted() + c1.accepted(),
              load.inFlight(),
              rs.getLong(1),
              rs.getLong(2),
              rs.getLong(3));
        }
      }
    }
  }

  // Waits (bounded) until no agent has pending work or is awake or in maintenance.
  private static double drain(Connection stats) throws Exception {
    long t0 = System.nanoTime();
    long deadline = t0 + TimeUnit.SECONDS.toNanos(DRAIN_SECONDS);
    while (System.nanoTime() < deadline
        && ReplyOverhead.count(
                stats, "SELECT count(*) FROM agents WHERE has_pending OR status <> 'asleep'")
            > 0) {
      Thread.sleep(100);
    }
    return (System.nanoTime() - t0) / 1e9;
  }

  private static String now(Connection stats) throws SQLException {
    try (ResultSet rs = stats.createStatement().executeQuery("SELECT clock_timestamp()::text")) {
      rs.next();
      return rs.getString(1);
    }
  }
}
