package org.openpincery.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openpincery.config.Env;
import org.openpincery.db.DatabaseUrl;
import org.openpincery.testkit.ScriptedModelServer;
import org.openpincery.testkit.ScriptedModelServer.Text;
import org.openpincery.testkit.ScriptedModelServer.ToolCalls;
import org.openpincery.testkit.TestPostgres;

/**
 * Agents that live: the standalone process (gateway, wake worker, maintenance worker) driven over
 * its HTTP API as an operator would, with the scripted model over real HTTP.
 */
class WakeEngineEndToEndTest {

  private static final String BOOTSTRAP = "engine-e2e-bootstrap-token-1234";
  private static final String MAINTENANCE = "keep the long-term memory";

  private final HttpClient http = HttpClient.newHttpClient();
  private final ScriptedModelServer model = ScriptedModelServer.start();
  private final int port = StandaloneProcess.freePort();
  private final Standalone app;
  private final String session;

  private final DatabaseUrl db = TestPostgres.freshDatabase();

  WakeEngineEndToEndTest() throws Exception {
    Map<String, String> env = new HashMap<>();
    env.put("DATABASE_URL", TestPostgres.urlString(db));
    env.put("OPEN_PINCERY_PORT", Integer.toString(port));
    env.put("OPEN_PINCERY_BOOTSTRAP_TOKEN", BOOTSTRAP);
    env.put("LLM_API_BASE_URL", model.baseUrl());
    env.put("LLM_API_KEY", "e2e-key");
    env.put("LLM_MODEL", "scripted");
    env.put("WAKE_POLL_MILLIS", "200");
    env.put("MAINTENANCE_POLL_MILLIS", "200");
    app = Standalone.start(StandaloneConfig.from(Env.of(env)));
    session = call("POST", "/api/bootstrap", BOOTSTRAP, null).getString("session_token");
  }

  @AfterEach
  void stop() {
    app.stop();
    model.close();
  }

  private JsonObject call(String method, String path, String token, JsonObject body)
      throws Exception {
    ApiCalls.Answer r = ApiCalls.send(http, port, method, path, token, body);
    assertThat(r.status()).as(method + " " + path + ": " + r.body()).isLessThan(300);
    return r.json();
  }

  private String createAgent(String name) throws Exception {
    return call("POST", "/api/agents", session, new JsonObject().put("name", name)).getString("id");
  }

  private List<JsonObject> events(String agent) throws Exception {
    JsonArray events =
        call("GET", "/api/agents/" + agent + "/events", session, null).getJsonArray("events");
    return events.stream().map(JsonObject.class::cast).toList();
  }

  private List<String> types(String agent) throws Exception {
    return events(agent).stream().map(e -> e.getString("event_type")).toList();
  }

  private JsonObject agent(String id) throws Exception {
    return call("GET", "/api/agents/" + id, session, null);
  }

  private void awaitAsleepAfter(String agent, int maintenancePasses) {
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(50))
        .until(
            () ->
                types(agent).stream().filter(t -> t.startsWith("maintenance_")).count()
                        >= maintenancePasses
                    && agent(agent).getString("status").equals("asleep"));
  }

  private static ToolCalls calls(String... nameArgs) {
    List<String[]> list = new java.util.ArrayList<>();
    for (int i = 0; i < nameArgs.length; i += 2) {
      list.add(new String[] {nameArgs[i], nameArgs[i + 1]});
    }
    return new ToolCalls(list, 100, 20);
  }

  @Test
  void aMessageWakesTheAgentWhichRepliesSleepsAndIsMaintained() throws Exception {
    String ada = createAgent("ada");
    model
        .then("hello ada", calls("list_timers", "{}"))
        .then("hello ada", new Text("Hello! Nothing is scheduled.", "stop", 100, 20))
        .then(
            MAINTENANCE,
            new Text(
                "{\"identity\": \"I am Ada, a helpful agent.\", \"work_list\": \"- nothing yet\","
                    + " \"summary\": \"Greeted a person.\"}",
                "stop",
                100,
                20));
    call(
        "POST",
        "/api/agents/" + ada + "/messages",
        session,
        new JsonObject().put("content", "hello ada"));

    awaitAsleepAfter(ada, 1);
    assertThat(types(ada))
        .containsExactly(
            "message_received",
            "wake_start",
            "tool_call",
            "tool_result",
            "assistant_message",
            "wake_end",
            "maintenance_completed");
    List<JsonObject> events = events(ada);
    assertThat(events.get(4).getString("content")).isEqualTo("Hello! Nothing is scheduled.");
    assertThat(events.get(5).getString("termination_reason")).isEqualTo("completed");
    JsonObject view = agent(ada);
    assertThat(view.getInteger("projection_version")).isEqualTo(1);
    assertThat(view.getString("identity")).isEqualTo("I am Ada, a helpful agent.");
    assertThat(view.getString("wake_summary")).isEqualTo("Greeted a person.");
    assertThat(view.getBoolean("pending_work")).isFalse();
    // Three calls of 100 + 20 tokens at $0.15 / $0.60 per million: $0.000027 each.
    assertThat(new java.math.BigDecimal(view.getString("budget_spent_usd")))
        .isEqualByComparingTo("0.000081");
  }

  @Test
  void twoAgentsTalkThroughSendMessage() throws Exception {
    String alice = createAgent("alice");
    String bob = createAgent("bob");
    String summary =
        "{\"identity\": \"An agent.\", \"work_list\": \"-\", \"summary\": \"Talked.\"}";
    model
        .then(
            "ask bob",
            calls("send_message", "{\"to\": \"bob\", \"content\": \"ping\"}", "sleep", "{}"))
        .then(
            "[message from agent alice]",
            calls(
                "send_message",
                "{\"to\": \"" + alice + "\", \"content\": \"pong\"}",
                "sleep",
                "{}"))
        .then("[message from agent bob]", new Text("Bob said pong.", "stop", 100, 20));
    for (int i = 0; i < 3; i++) {
      model.then(MAINTENANCE, new Text(summary, "stop", 100, 20));
    }
    call(
        "POST",
        "/api/agents/" + alice + "/messages",
        session,
        new JsonObject().put("content", "ask bob"));

    awaitAsleepAfter(alice, 2);
    awaitAsleepAfter(bob, 1);
    assertThat(events(bob))
        .filteredOn(e -> e.getString("event_type").equals("agent_message_received"))
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.getString("content")).isEqualTo("ping");
              assertThat(e.getString("source")).isEqualTo("alice");
            });
    assertThat(events(alice))
        .filteredOn(e -> e.getString("event_type").equals("message_sent"))
        .singleElement()
        .satisfies(
            e ->
                assertThat(e.getJsonObject("payload").getString("to_agent_name")).isEqualTo("bob"));
    assertThat(events(alice))
        .filteredOn(e -> e.getString("event_type").equals("agent_message_received"))
        .singleElement()
        .satisfies(e -> assertThat(e.getString("content")).isEqualTo("pong"));
    assertThat(events(alice))
        .filteredOn(e -> e.getString("event_type").equals("wake_end"))
        .extracting(e -> e.getString("termination_reason"))
        .containsExactly("sleep", "completed");
    for (String agent : List.of(alice, bob)) {
      assertThat(
              call("GET", "/api/agents/" + agent + "/events/verify", session, null)
                  .getBoolean("valid"))
          .as("hash chain of %s", agent)
          .isTrue();
    }
  }

  @Test
  void aSignedWebhooksContentReachesTheModel() throws Exception {
    JsonObject created =
        call("POST", "/api/agents", session, new JsonObject().put("name", "watcher"));
    String watcher = created.getString("id");
    String secret = created.getString("webhook_secret");
    model
        .then("[webhook from ci-bot]", new Text("Noted the failed build.", "stop", 100, 20))
        .then(
            MAINTENANCE,
            new Text(
                "{\"identity\": \"i\", \"work_list\": \"w\", \"summary\": \"s\"}",
                "stop",
                100,
                20));
    byte[] body =
        "{\"source\": \"ci-bot\", \"build\": 812, \"status\": \"failed\"}"
            .getBytes(java.nio.charset.StandardCharsets.UTF_8);
    javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
    mac.init(
        new javax.crypto.spec.SecretKeySpec(
            secret.getBytes(java.nio.charset.StandardCharsets.UTF_8), "HmacSHA256"));
    String signature = "sha256=" + java.util.HexFormat.of().formatHex(mac.doFinal(body));
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/api/agents/" + watcher + "/webhooks"))
                .header("Content-Type", "application/json")
                .header("X-Webhook-Signature", signature)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(202);

    awaitAsleepAfter(watcher, 1);
    JsonObject wake =
        model.requests().stream()
            .filter(q -> q.encode().contains("[webhook from ci-bot]"))
            .findFirst()
            .orElseThrow();
    assertThat(wake.encode()).contains("\\\"build\\\":812").contains("failed");
    assertThat(types(watcher)).contains("webhook_received", "assistant_message");
  }

  @Test
  void anOperatorsScheduleWakesTheAgentUntilDeleted() throws Exception {
    String clock = createAgent("clockwork");
    HttpResponse<String> bad =
        http.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/api/agents/" + clock + "/schedules"))
                .header("Authorization", "Bearer " + session)
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"cron\": \"at nine\"}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.body()).contains("five fields");

    model.then("[timer: tick]", new Text("Tock.", "stop", 100, 20));
    model.then(
        MAINTENANCE,
        new Text(
            "{\"identity\": \"i\", \"work_list\": \"w\", \"summary\": \"s\"}", "stop", 100, 20));
    JsonObject schedule =
        call(
            "POST",
            "/api/agents/" + clock + "/schedules",
            session,
            new JsonObject().put("every_seconds", 3600).put("note", "tick"));
    assertThat(schedule.getInteger("every_seconds")).isEqualTo(3600);
    assertThat(
            call("GET", "/api/agents/" + clock + "/schedules", session, null)
                .getJsonArray("schedules"))
        .hasSize(1);
    // The first firing is an hour away: bring it forward, as the clock would.
    try (var c = TestPostgres.connect(db);
        var st = c.createStatement()) {
      st.executeUpdate("UPDATE schedules SET next_fire_at = now()");
    }
    awaitAsleepAfter(clock, 1);
    assertThat(events(clock))
        .filteredOn(e -> e.getString("event_type").equals("timer_fired"))
        .singleElement()
        .satisfies(e -> assertThat(e.getString("content")).isEqualTo("tick"));

    HttpResponse<String> deleted =
        http.send(
            HttpRequest.newBuilder(
                    URI.create(
                        "http://127.0.0.1:"
                            + port
                            + "/api/agents/"
                            + clock
                            + "/schedules/"
                            + schedule.getString("id")))
                .header("Authorization", "Bearer " + session)
                .DELETE()
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(deleted.statusCode()).isEqualTo(204);
    assertThat(
            call("GET", "/api/agents/" + clock + "/schedules", session, null)
                .getJsonArray("schedules"))
        .isEmpty();
  }

  @Test
  void readinessNamesTheModelInUse() throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/ready")).build(),
            HttpResponse.BodyHandlers.ofString());
    JsonObject body = new JsonObject(r.body());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(body.getJsonObject("checks").getString("wake_worker")).isEqualTo("ok");
    assertThat(body.getJsonObject("checks").getString("maintenance_worker")).isEqualTo("ok");
    assertThat(body.getJsonObject("checks").getString("scheduler")).isEqualTo("ok");
    assertThat(body.getJsonObject("details").getString("model"))
        .isEqualTo("scripted at " + model.baseUrl());
  }
}
