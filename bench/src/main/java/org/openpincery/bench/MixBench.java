package org.openpincery.bench;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
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

    // Slots sized so that the model's delay is not the limit: the offered rate times the
    // expected time a wake (two calls) or a pass (one call) holds a slot, doubled for Poisson
    // bursts and a platform slower than the model.
    Map<String, String> sizes = new HashMap<>();
    int wakes = (int) Math.min(4096, Math.max(32, Math.ceil(rate * 2 * 2 * delay / 1000.0)));
    int passes = (int) Math.min(4096, Math.max(8, Math.ceil(rate * 2 * delay / 1000.0)));
    sizes.put("WAKE_CONCURRENCY", setting("WAKE_CONCURRENCY", wakes));
    sizes.put("MAINTENANCE_CONCURRENCY", setting("MAINTENANCE_CONCURRENCY", passes));
    sizes.put(
        "LLM_MAX_CONNECTIONS", setting("LLM_MAX_CONNECTIONS", Math.min(1024, wakes + passes)));
    sizes.put("DATABASE_POOL_SIZE", setting("DATABASE_POOL_SIZE", 32));

    ModelDelay model = new ModelDelay(delay, jitter);
    try (BenchDatabase server = BenchDatabase.start();
        ScriptedModelServer scripted =
            ScriptedModelServer.start().withoutRecording().otherwise(model::answer)) {
      DatabaseUrl url = server.freshDatabase("pincery_mix_bench");
      Map<String, String> settings = new HashMap<>(sizes);
      settings.put("DATABASE_URL", postgresUrl(url));
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
        List<String> ids = createAgents(vertx, port, token, agents);
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
        watch(stats, load, warmupMillis, 0);
        String from = now(stats);
        CpuMeter.Sample before = cpu.sample();
        load.phase(1);
        watch(stats, load, measuredMillis, warmupMillis);
        String to = now(stats);
        CpuMeter.Sample after = cpu.sample();
        long unanswered = load.stop(DRAIN_SECONDS);
        double drained = drain(stats);
        String ended = now(stats);
        // Read before the platform stops: requests it never answers must not count as errors.
        PoissonLoad.Counts sent = load.counts(1);
        long[] postNanos = load.measuredLatencies();
        // The platform stops before the figures are read: what is unanswered now stays so, and
        // the analysis has the machine to itself.
        stop(platform);

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
            modelCalls(stats, model),
            before,
            after);
        System.out.println("platform log: " + data.resolve("standalone.log"));
      } finally {
        stop(platform);
        Runtime.getRuntime().removeShutdownHook(stopOnExit);
        vertx.close().await(30, TimeUnit.SECONDS);
      }
    }
  }

  /**
   * The scripted model with a delay: each answer of {@link EngineBench#answer} (tool call, then
   * text; maintenance's JSON) leaves after a time drawn uniformly from [delay − jitter, delay +
   * jitter] ms, counted per purpose to check the recorded latencies against.
   */
  static final class ModelDelay {
    private final int delay;
    private final int jitter;
    // [0] wake, [1] maintenance: calls, total delay in ms
    final AtomicLong[] calls = {new AtomicLong(), new AtomicLong()};
    final AtomicLong[] delayMillis = {new AtomicLong(), new AtomicLong()};

    ModelDelay(int delay, int jitter) {
      this.delay = delay;
      this.jitter = jitter;
    }

    ScriptedModelServer.Turn answer(JsonObject request) {
      long ms = delay + ThreadLocalRandom.current().nextLong(-jitter, jitter + 1L);
      int purpose = request.containsKey("tools") ? 0 : 1;
      calls[purpose].incrementAndGet();
      delayMillis[purpose].addAndGet(ms);
      ScriptedModelServer.Turn turn = EngineBench.answer(request);
      return ms <= 0 ? turn : new ScriptedModelServer.Slow(ms, turn);
    }
  }

  // SIGTERM (running wakes end with `shutdown`), then SIGKILL if it has not stopped in a minute.
  private static void stop(Process platform) throws InterruptedException {
    platform.destroy();
    if (!platform.waitFor(60, TimeUnit.SECONDS)) {
      platform.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
  }

  // Prints the backlog every 30 s while the load runs, so a long run shows how it grows.
  private static void watch(Connection stats, PoissonLoad load, long millis, long offset)
      throws Exception {
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
              "  %s: %d accepted so far; agents with pending messages %d, awake %d, in"
                  + " maintenance %d%n",
              java.time.LocalTime.now().withNano(0),
              c0.accepted() + c1.accepted(),
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

  // Recorded model calls against what the scripted model did, per purpose.
  private static List<String> modelCalls(Connection stats, ModelDelay model) throws SQLException {
    List<String> lines = new ArrayList<>();
    String[] purposes = {"wake", "maintenance"};
    for (int i = 0; i < purposes.length; i++) {
      try (var ps =
          stats.prepareStatement(
              "SELECT count(*), coalesce(avg(latency_ms), 0) FROM model_calls WHERE purpose = ?")) {
        ps.setString(1, purposes[i]);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          long served = model.calls[i].get();
          double scripted = served == 0 ? 0 : model.delayMillis[i].get() / (double) served;
          lines.add(
              String.format(
                  Locale.ROOT,
                  "  %s: %d recorded, mean latency_ms %.1f; %d answered by the model, mean"
                      + " scripted delay %.1f ms: %+.1f ms per call of transport and client"
                      + " queueing counted as model time",
                  purposes[i],
                  rs.getLong(1),
                  rs.getDouble(2),
                  served,
                  scripted,
                  rs.getDouble(2) - scripted));
        }
      }
    }
    return lines;
  }

  private static List<String> createAgents(Vertx vertx, int port, String token, int n)
      throws Exception {
    HttpClient client =
        vertx.createHttpClient(
            new HttpClientOptions().setKeepAlive(true), new PoolOptions().setHttp1MaxSize(32));
    List<Future<String>> created = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      String body = new JsonObject().put("name", "mix-" + i).encode();
      created.add(
          client
              .request(
                  new RequestOptions()
                      .setMethod(HttpMethod.POST)
                      .setHost("127.0.0.1")
                      .setPort(port)
                      .setURI("/api/agents")
                      .putHeader("Authorization", "Bearer " + token)
                      .putHeader("Content-Type", "application/json"))
              .compose(req -> req.send(body))
              .compose(
                  resp ->
                      resp.body()
                          .map(
                              b -> {
                                if (resp.statusCode() != 201) {
                                  throw new IllegalStateException(
                                      "POST /api/agents: " + resp.statusCode() + " " + b);
                                }
                                return b.toJsonObject().getString("id");
                              })));
    }
    Future.all(created).await(10, TimeUnit.MINUTES);
    client.close();
    return created.stream().map(Future::result).toList();
  }

  private static String now(Connection stats) throws SQLException {
    try (ResultSet rs = stats.createStatement().executeQuery("SELECT clock_timestamp()::text")) {
      rs.next();
      return rs.getString(1);
    }
  }

  private static String setting(String name, int chosen) {
    String given = System.getenv(name);
    return given == null || given.isBlank() ? Integer.toString(chosen) : given.strip();
  }

  // DATABASE_URL for the platform process (DatabaseUrl.toString hides the password).
  private static String postgresUrl(DatabaseUrl url) {
    StringBuilder s = new StringBuilder("postgres://");
    if (url.user() != null) {
      s.append(enc(url.user()));
      if (url.password() != null) {
        s.append(':').append(enc(url.password()));
      }
      s.append('@');
    }
    s.append(url.host()).append(':').append(url.port()).append('/').append(enc(url.database()));
    String sep = "?";
    for (var e : url.params().entrySet()) {
      s.append(sep).append(enc(e.getKey())).append('=').append(enc(e.getValue()));
      sep = "&";
    }
    return s.toString();
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
