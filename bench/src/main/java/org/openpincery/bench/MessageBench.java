package org.openpincery.bench;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Authenticated {@code POST /api/agents/:id/messages} against the standalone stack, run as its own
 * process exactly as {@code ./pincery up} runs it (embedded PostgreSQL, fsync on), with the rate
 * limits raised for the run. {@code connections} HTTP/1.1 keep-alive connections each send
 * back-to-back over {@code agents} agents, driven by {@code wrk} when it is installed (Debian
 * package wrk), else by a Vert.x client in this JVM. Afterwards every 202 is checked against the
 * durable {@code message_received} rows.
 *
 * <p>Usage: {@code ./pincery bench messages [seconds] [connections] [agents]}
 */
public final class MessageBench {

  static final String BOOTSTRAP = "bench-bootstrap-token-0123456789";

  public static void main(String[] args) throws Exception {
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 20;
    int connections = args.length > 1 ? Integer.parseInt(args[1]) : 64;
    int agentCount = args.length > 2 ? Integer.parseInt(args[2]) : 256;
    Path jar = Path.of("standalone/target/standalone.jar");
    if (!Files.exists(jar)) {
      throw new IllegalStateException("build first: ./pincery build (needs " + jar + ")");
    }
    Path data = Files.createTempDirectory("pincery-message-bench");
    int port = freePort();
    int pgPort = freePort();
    Process server = startStandalone(jar, data, port, pgPort);
    Vertx vertx = Vertx.vertx();
    try {
      var http = java.net.http.HttpClient.newHttpClient();
      waitReady(http, port, server);
      String token =
          new JsonObject(post(http, port, "/api/bootstrap", BOOTSTRAP, "{}"))
              .getString("session_token");
      List<String> agents = new ArrayList<>();
      for (int i = 0; i < agentCount; i++) {
        agents.add(
            new JsonObject(post(http, port, "/api/agents", token, "{\"name\":\"bench-" + i + "\"}"))
                .getString("id"));
      }

      long before = countMessages(pgPort);
      String report;
      long accepted;
      if (onPath("wrk")) {
        Path script = wrkScript(token, agents);
        wrk(script, port, connections, 3, false); // warm-up
        before = countMessages(pgPort);
        WrkResult w = wrk(script, port, connections, seconds, true);
        Files.deleteIfExists(script);
        accepted = w.accepted;
        report = w.report;
      } else {
        HttpClient client =
            vertx.createHttpClient(
                new HttpClientOptions().setKeepAlive(true).setPipelining(false),
                new PoolOptions().setHttp1MaxSize(connections));
        run(client, port, token, agents, connections, 3); // warm-up
        before = countMessages(pgPort);
        Result r = run(client, port, token, agents, connections, seconds);
        accepted = r.accepted;
        report =
            String.format(
                Locale.ROOT,
                "load: Vert.x client in this JVM (install wrk for a lighter one)%n"
                    + "accepted %d (%.0f/s), other statuses %d, errors %d; latency p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms",
                r.accepted,
                r.accepted / r.seconds,
                r.otherStatus,
                r.errors,
                r.percentile(0.50),
                r.percentile(0.90),
                r.percentile(0.99),
                r.percentile(1.0));
      }
      long durable = countMessages(pgPort) - before;
      System.out.printf(
          Locale.ROOT,
          "POST /api/agents/:id/messages, %d connections, %d agents, %d s, standalone (embedded PostgreSQL, fsync on)%n%s%n"
              + "durable message_received rows written during the run: %d for %d accepted (%s)%n",
          connections,
          agentCount,
          seconds,
          report,
          durable,
          accepted,
          // Up to one request per connection may still be in flight when the warm-up stops (it
          // commits after the count before the run) and again when the run stops.
          durable >= accepted && durable <= accepted + 2L * connections
              ? "every 202 is a durable event; the excess are requests in flight when the warm-up"
                  + " or the run stopped"
              : "MISMATCH");
      catchUp(pgPort, durable);
    } finally {
      vertx.close().await(30, TimeUnit.SECONDS);
      server.destroy();
      server.waitFor(60, TimeUnit.SECONDS);
    }
  }

  /**
   * The standalone jar as its own process, as {@code ./pincery up} runs it (embedded PostgreSQL,
   * fsync on), with every rate limit off for the run.
   */
  static Process startStandalone(Path jar, Path data, int port, int pgPort) throws IOException {
    return startStandalone(jar, data, port, pgPort, Map.of());
  }

  /**
   * The same process with {@code settings} added to (or replacing) its environment, for a bench
   * that points it at another database, a model or other worker sizes.
   */
  static Process startStandalone(
      Path jar, Path data, int port, int pgPort, Map<String, String> settings) throws IOException {
    ProcessBuilder pb =
        new ProcessBuilder(
                ProcessHandle.current().info().command().orElse("java"), "-jar", jar.toString())
            .redirectErrorStream(true)
            .redirectOutput(data.resolve("standalone.log").toFile());
    pb.environment().put("OPEN_PINCERY_DATA_DIR", data.resolve("data").toString());
    pb.environment().put("OPEN_PINCERY_PORT", Integer.toString(port));
    pb.environment().put("OPEN_PINCERY_EMBEDDED_PG_PORT", Integer.toString(pgPort));
    pb.environment().put("OPEN_PINCERY_BOOTSTRAP_TOKEN", BOOTSTRAP);
    pb.environment().put("OPEN_PINCERY_RATE_LIMIT_AUTHENTICATED", "0");
    pb.environment().put("OPEN_PINCERY_RATE_LIMIT_UNAUTHENTICATED", "0");
    pb.environment().put("OPEN_PINCERY_WEBHOOK_RATE_LIMIT", "0");
    pb.environment()
        .put("DATABASE_POOL_SIZE", System.getenv().getOrDefault("DATABASE_POOL_SIZE", "32"));
    pb.environment().putAll(settings);
    return pb.start();
  }

  record WrkResult(long accepted, String report) {}

  /** wrk (C, from Debian) puts far less load on the 2 shared cores than a client JVM. */
  private static Path wrkScript(String token, List<String> agents) throws IOException {
    Path script = Files.createTempFile("pincery-messages", ".lua");
    StringBuilder ids = new StringBuilder();
    for (String a : agents) {
      ids.append(ids.isEmpty() ? "" : ",").append('"').append(a).append('"');
    }
    Files.writeString(
        script,
        "local ids = {"
            + ids
            + "}\n"
            + "local n = 0\n"
            + "wrk.method = \"POST\"\n"
            + "wrk.body = '{\"content\":\"benchmark message\"}'\n"
            + "wrk.headers[\"Content-Type\"] = \"application/json\"\n"
            + "wrk.headers[\"Authorization\"] = \"Bearer "
            + token
            + "\"\n"
            + "request = function()\n  n = n + 1\n"
            + "  return wrk.format(nil, \"/api/agents/\" .. ids[(n % #ids) + 1] .. \"/messages\")\nend\n");
    return script;
  }

  static WrkResult wrk(Path script, int port, int connections, int seconds, boolean latency)
      throws Exception {
    String url = "http://127.0.0.1:" + port;
    List<String> cmd =
        new ArrayList<>(
            List.of(
                "wrk", "-t2", "-c" + connections, "-d" + seconds + "s", "-s", script.toString()));
    if (latency) {
      cmd.add("--latency");
    }
    cmd.add(url);
    String out = exec(cmd);
    var total = java.util.regex.Pattern.compile("(\\d+) requests in").matcher(out);
    var non2xx = java.util.regex.Pattern.compile("Non-2xx or 3xx responses: (\\d+)").matcher(out);
    long requests = total.find() ? Long.parseLong(total.group(1)) : 0;
    long bad = non2xx.find() ? Long.parseLong(non2xx.group(1)) : 0;
    return new WrkResult(requests - bad, "load: wrk -t2 -c" + connections + "\n" + out.strip());
  }

  static String exec(List<String> command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out =
        new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      throw new IllegalStateException(String.join(" ", command) + " failed:\n" + out);
    }
    return out;
  }

  static boolean onPath(String tool) {
    String path = System.getenv("PATH");
    if (path == null) {
      return false;
    }
    for (String dir : path.split(java.io.File.pathSeparator)) {
      if (Files.isExecutable(Path.of(dir, tool))) {
        return true;
      }
    }
    return false;
  }

  private static final class Result {
    long accepted;
    long otherStatus;
    long errors;
    double seconds;
    long[] latencies;

    double percentile(double p) {
      if (latencies.length == 0) {
        return Double.NaN;
      }
      return latencies[(int) Math.min(latencies.length - 1, Math.floor(p * latencies.length))]
          / 1e6;
    }
  }

  private static Result run(
      HttpClient client, int port, String token, List<String> agents, int connections, int seconds)
      throws Exception {
    long start = System.nanoTime();
    long deadline = start + TimeUnit.SECONDS.toNanos(seconds);
    AtomicLong next = new AtomicLong();
    AtomicLong accepted = new AtomicLong();
    AtomicLong other = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    List<Future<List<Long>>> loops = new ArrayList<>();
    Buffer body = Buffer.buffer("{\"content\":\"benchmark message\"}");
    for (int c = 0; c < connections; c++) {
      Promise<List<Long>> done = Promise.promise();
      loop(
          client,
          port,
          token,
          agents,
          next,
          body,
          deadline,
          new ArrayList<>(),
          accepted,
          other,
          errors,
          done);
      loops.add(done.future());
    }
    List<Long> all = new ArrayList<>();
    for (var f : loops) {
      all.addAll(f.await(seconds + 60L, TimeUnit.SECONDS));
    }
    Result r = new Result();
    r.seconds = (System.nanoTime() - start) / 1e9;
    r.accepted = accepted.get();
    r.otherStatus = other.get();
    r.errors = errors.get();
    r.latencies = all.stream().mapToLong(Long::longValue).toArray();
    Arrays.sort(r.latencies);
    return r;
  }

  private static void loop(
      HttpClient client,
      int port,
      String token,
      List<String> agents,
      AtomicLong next,
      Buffer body,
      long deadline,
      List<Long> latencies,
      AtomicLong accepted,
      AtomicLong other,
      AtomicLong errors,
      Promise<List<Long>> done) {
    long t0 = System.nanoTime();
    if (t0 >= deadline) {
      done.complete(latencies);
      return;
    }
    String agent = agents.get((int) (next.getAndIncrement() % agents.size()));
    client
        .request(authenticatedPost(port, "/api/agents/" + agent + "/messages", token))
        .compose(req -> req.send(body))
        .compose(resp -> resp.body().map(b -> resp.statusCode()))
        .onComplete(
            ar -> {
              if (ar.succeeded()) {
                latencies.add(System.nanoTime() - t0);
                (ar.result() == 202 ? accepted : other).incrementAndGet();
              } else {
                errors.incrementAndGet();
              }
              loop(
                  client, port, token, agents, next, body, deadline, latencies, accepted, other,
                  errors, done);
            });
  }

  // The engine works through what the API accepted: how long after the load every agent is asleep
  // with nothing pending, and how many wakes the run's messages took (a wake folds every message
  // that arrived before it started). Gives up after 120 s and says what was still waiting.
  private static void catchUp(int pgPort, long messages) throws Exception {
    long t0 = System.nanoTime();
    long deadline = t0 + 120_000_000_000L;
    long busy;
    do {
      busy =
          query(
              pgPort,
              "SELECT count(*) FROM agents WHERE deleted_at IS NULL"
                  + " AND (status <> 'asleep' OR (is_enabled AND has_pending))");
      if (busy > 0) {
        java.util.concurrent.locks.LockSupport.parkNanos(50_000_000L);
      }
    } while (busy > 0 && System.nanoTime() < deadline);
    long wakes = countEvents(pgPort, "wake_start");
    System.out.printf(
        Locale.ROOT,
        "engine: %s %.1f s after the load stopped; %d wakes in the database (warm-up included) for %d messages of the run (%.1f per wake)%n",
        busy == 0 ? "every agent asleep with nothing pending" : busy + " agents still busy",
        (System.nanoTime() - t0) / 1e9,
        wakes,
        messages,
        wakes == 0 ? 0.0 : (double) messages / wakes);
  }

  private static long query(int pgPort, String sql) throws Exception {
    try (Connection c =
            DriverManager.getConnection(
                "jdbc:postgresql://127.0.0.1:" + pgPort + "/postgres", "postgres", null);
        var st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static long countMessages(int pgPort) throws Exception {
    return countEvents(pgPort, "message_received");
  }

  /** Durable events of a type in the standalone's embedded database. */
  static long countEvents(int pgPort, String type) throws Exception {
    try (Connection c =
            DriverManager.getConnection(
                "jdbc:postgresql://127.0.0.1:" + pgPort + "/postgres", "postgres", null);
        var st = c.prepareStatement("SELECT count(*) FROM events WHERE event_type = ?")) {
      st.setString(1, type);
      try (ResultSet rs = st.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  static void waitReady(java.net.http.HttpClient http, int port, Process server) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (System.nanoTime() < deadline) {
      if (!server.isAlive()) {
        throw new IllegalStateException("standalone exited with " + server.exitValue());
      }
      try {
        if (http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/ready"))
                        .build(),
                    HttpResponse.BodyHandlers.discarding())
                .statusCode()
            == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(Duration.ofMillis(200));
    }
    throw new IllegalStateException("standalone not ready within 120 s");
  }

  static String post(
      java.net.http.HttpClient http, int port, String path, String token, String body)
      throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() / 100 != 2) {
      throw new IllegalStateException(path + ": " + r.statusCode() + " " + r.body());
    }
    return r.body();
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** A JSON {@code POST} to the platform on this machine, as the operator with {@code token}. */
  static RequestOptions authenticatedPost(int port, String uri, String token) {
    return new RequestOptions()
        .setMethod(HttpMethod.POST)
        .setHost("127.0.0.1")
        .setPort(port)
        .setURI(uri)
        .putHeader("Authorization", "Bearer " + token)
        .putHeader("Content-Type", "application/json");
  }
}
