package org.openpincery.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openpincery.db.DatabaseUrl;
import org.openpincery.testkit.FreePort;
import org.openpincery.testkit.ScriptedModelServer;
import org.openpincery.testkit.ScriptedModelServer.Text;
import org.openpincery.testkit.ScriptedModelServer.ToolCalls;
import org.openpincery.testkit.TestPostgres;

/**
 * The split topology as docker-compose.yml describes it, run here as processes: each service's
 * command and environment from the rendered compose file, given to the image's entry point (the
 * product's jar) on this machine, against one PostgreSQL. Only what cannot be the same outside
 * containers changes: the database URL, the listen addresses and ports (every container listens on
 * 8080; here each process needs its own), the model endpoint, and the data directory. A message, a
 * signed webhook and a timer then go through the tiers, and SIGTERM stops every one cleanly.
 */
class ComposeTopologyTest {

  private static final String MAINTENANCE = "keep the long-term memory";

  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final ScriptedModelServer model = ScriptedModelServer.start();
  private final List<StandaloneProcess> processes = new ArrayList<>();

  @TempDir Path work;

  @AfterEach
  void stop() {
    processes.forEach(StandaloneProcess::close);
    model.close();
  }

  @Test
  @SuppressWarnings("unchecked")
  void theTiersAsComposeStartsThemCarryAMessageAWebhookAndATimerAndStopCleanly() throws Exception {
    Map<String, Map<String, Object>> services =
        (Map<String, Map<String, Object>>)
            DeploymentFiles.compose("docker-compose.yml").get("services");
    DatabaseUrl db = TestPostgres.emptyDatabase();
    model.otherwise(ComposeTopologyTest::answer);

    StandaloneProcess migrate = start(services, "migrate", db, Map.of());
    assertThat(migrate.exitCode()).as(migrate.stderrText()).isZero();

    Map<String, Integer> ports = new LinkedHashMap<>();
    for (String tier :
        List.of(
            "gateway",
            "webhook-ingress",
            "scheduler",
            "maintenance-worker",
            "wake-worker",
            "memory-indexer")) {
      int port = FreePort.pick();
      int metrics = FreePort.pick();
      ports.put(tier, port);
      Map<String, String> local = new HashMap<>();
      local.put(
          tier.equals("webhook-ingress") ? "OPEN_PINCERY_WEBHOOK_PORT" : "OPEN_PINCERY_PORT",
          Integer.toString(port));
      local.put(
          tier.equals("webhook-ingress") ? "OPEN_PINCERY_WEBHOOK_HOST" : "OPEN_PINCERY_HOST",
          "127.0.0.1");
      local.put("METRICS_ADDR", "127.0.0.1:" + metrics);
      start(services, tier, db, local);
    }
    for (var e : ports.entrySet()) {
      await().atMost(Duration.ofSeconds(90)).until(() -> status(e.getValue(), "/ready") == 200);
    }

    String api = "http://127.0.0.1:" + ports.get("gateway");
    String token = DeploymentFiles.DOT_ENV.get("OPEN_PINCERY_BOOTSTRAP_TOKEN");
    String session = send("POST", api + "/api/bootstrap", token, "{}").getString("session_token");
    JsonObject agent = send("POST", api + "/api/agents", session, "{\"name\":\"split\"}");
    String id = agent.getString("id");

    send("POST", api + "/api/agents/" + id + "/messages", session, "{\"content\":\"hello\"}");
    awaitEvents(api, session, id, "maintenance_completed", 1);

    String body = "{\"source\":\"ci\",\"status\":\"failed\"}";
    HttpResponse<String> hook =
        http.send(
            HttpRequest.newBuilder(
                    URI.create(
                        "http://127.0.0.1:"
                            + ports.get("webhook-ingress")
                            + "/api/agents/"
                            + id
                            + "/webhooks"))
                .header("Content-Type", "application/json")
                .header(
                    "X-Webhook-Signature",
                    "sha256=" + hmac(agent.getString("webhook_secret"), body))
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(hook.statusCode()).as(hook.body()).isEqualTo(202);
    awaitEvents(api, session, id, "maintenance_completed", 2);

    send(
        "POST",
        api + "/api/agents/" + id + "/messages",
        session,
        "{\"content\":\"set a timer please\"}");
    awaitEvents(api, session, id, "timer_fired", 1);
    awaitEvents(api, session, id, "maintenance_completed", 4);
    assertThat(model.requests().stream().map(JsonObject::encode))
        .anyMatch(r -> r.contains("[webhook from ci]"))
        .anyMatch(r -> r.contains("[timer: ring]"));
    assertThat(send("GET", api + "/api/agents/" + id + "/events/verify", session, null).encode())
        .contains("\"valid\":true");
    // The memory indexer, a process of its own, embedded what the agent lived through.
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                count(db, "SELECT count(*) FROM memory_entries WHERE embedded_at IS NULL") == 0
                    && count(db, "SELECT count(*) FROM memory_entries WHERE embedding IS NOT NULL")
                        >= 3);

    // SIGTERM, as compose sends it on `down`: every tier stops by itself, nothing left awake.
    for (StandaloneProcess p : processes.subList(1, processes.size())) {
      p.process.destroy();
    }
    for (StandaloneProcess p : processes.subList(1, processes.size())) {
      assertThat(p.exitCode()).as(p.stderrText()).isIn(0, 143);
    }
    try (var c = TestPostgres.connect(db);
        var rs =
            c.createStatement()
                .executeQuery("SELECT count(*) FROM agents WHERE status <> 'asleep'")) {
      rs.next();
      assertThat(rs.getInt(1)).isZero();
    }
  }

  // The model: a timer when asked, a JSON projection for maintenance, a short answer otherwise.
  private static ScriptedModelServer.Turn answer(JsonObject request) {
    String text = request.encode();
    if (text.contains(MAINTENANCE)) {
      return new Text(
          "{\"identity\":\"I am split.\",\"work_list\":\"- none\",\"summary\":\"Handled input.\"}",
          "stop",
          100,
          20);
    }
    JsonArray messages = request.getJsonArray("messages");
    String last = messages.getJsonObject(messages.size() - 1).encode();
    if (last.contains("set a timer please") && !last.contains("tool")) {
      return new ToolCalls(
          List.<String[]>of(new String[] {"set_timer", "{\"in_seconds\":1,\"note\":\"ring\"}"}),
          100,
          20);
    }
    return new Text("done", "stop", 100, 20);
  }

  private StandaloneProcess start(
      Map<String, Map<String, Object>> services,
      String tier,
      DatabaseUrl db,
      Map<String, String> local)
      throws Exception {
    Map<String, Object> service = services.get(tier);
    @SuppressWarnings("unchecked")
    List<String> command = (List<String>) service.get("command");
    Map<String, String> env = new HashMap<>(DeploymentFiles.environment(service));
    env.put("DATABASE_URL", TestPostgres.urlString(db));
    if (env.containsKey("LLM_API_BASE_URL")) {
      env.put("LLM_API_BASE_URL", model.baseUrl());
    }
    if (tier.equals("wake-worker")) {
      env.put("OPEN_PINCERY_DATA_DIR", work.resolve("data").toString());
    }
    env.putAll(local);
    StandaloneProcess p =
        StandaloneProcess.start(Main.class.getName(), command, work.resolve(tier), env);
    processes.add(p);
    return p;
  }

  private static long count(DatabaseUrl db, String sql) throws Exception {
    try (var c = TestPostgres.connect(db);
        var rs = c.createStatement().executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private int status(int port, String path) throws Exception {
    try {
      return http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                  .timeout(Duration.ofSeconds(5))
                  .build(),
              HttpResponse.BodyHandlers.ofString())
          .statusCode();
    } catch (java.io.IOException e) {
      return -1;
    }
  }

  private JsonObject send(String method, String url, String token, String body) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(url))
            .header("Authorization", "Bearer " + token)
            .timeout(Duration.ofSeconds(30))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(method + " " + url + ": " + r.body()).isLessThan(300);
    return new JsonObject(r.body());
  }

  private void awaitEvents(String api, String session, String id, String type, int atLeast) {
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () ->
                send("GET", api + "/api/agents/" + id + "/events?limit=1000", session, null)
                        .getJsonArray("events")
                        .stream()
                        .map(JsonObject.class::cast)
                        .filter(e -> e.getString("event_type").equals(type))
                        .count()
                    >= atLeast);
  }

  private static String hmac(String secret, String body) throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    return HexFormat.of().formatHex(mac.doFinal(body.getBytes(StandardCharsets.UTF_8)));
  }
}
