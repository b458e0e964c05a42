package org.openpincery.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.openpincery.config.Env;
import org.openpincery.model.StorableText;
import org.openpincery.testkit.ScriptedModelServer;
import org.openpincery.testkit.ScriptedModelServer.Text;
import org.openpincery.testkit.TestPostgres;

/**
 * Signed webhooks whose bodies PostgreSQL cannot store as text, through the whole product: 202, the
 * event readable through {@code GET /api/agents/:id/events} with its flags, the agent woken, the
 * model shown the escaped text, the wake completed once and the agent maintained.
 */
class UnstorableTextEndToEndTest {

  private static final String BOOTSTRAP = "text-e2e-bootstrap-token-123456";
  private static final HttpClient http = HttpClient.newHttpClient();
  private static final ScriptedModelServer model = ScriptedModelServer.start();
  private static int port;
  private static Standalone app;
  private static String session;

  record Delivery(String name, String contentType, byte[] body, String modelSees) {
    @Override
    public String toString() {
      return name;
    }
  }

  @BeforeAll
  static void start() throws Exception {
    port = StandaloneProcess.freePort();
    Map<String, String> env = new HashMap<>();
    env.put("DATABASE_URL", TestPostgres.urlString(TestPostgres.freshDatabase()));
    env.put("OPEN_PINCERY_PORT", Integer.toString(port));
    env.put("OPEN_PINCERY_BOOTSTRAP_TOKEN", BOOTSTRAP);
    env.put("LLM_API_BASE_URL", model.baseUrl());
    env.put("LLM_API_KEY", "e2e-key");
    env.put("LLM_MODEL", "scripted");
    env.put("WAKE_POLL_MILLIS", "200");
    env.put("MAINTENANCE_POLL_MILLIS", "200");
    // Every wake answers at once; every maintenance pass answers with a projection.
    model.otherwise(
        request ->
            request.encode().contains("\"tools\"")
                ? new Text("Noted.", "stop", 10, 10)
                : new Text(
                    "{\"identity\": \"i\", \"work_list\": \"w\", \"summary\": \"s\"}",
                    "stop",
                    10,
                    10));
    app = Standalone.start(StandaloneConfig.from(Env.of(env)));
    session = call("POST", "/api/bootstrap", BOOTSTRAP, null).getString("session_token");
  }

  @AfterAll
  static void stop() {
    app.stop();
    model.close();
  }

  private static JsonObject call(String method, String path, String token, JsonObject body)
      throws Exception {
    ApiCalls.Answer r = ApiCalls.send(http, port, method, path, token, body);
    assertThat(r.status()).as(method + " " + path + ": " + r.body()).isLessThan(300);
    return r.json();
  }

  private static byte[] bytes(Object... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Object p : parts) {
      out.writeBytes(p instanceof String s ? s.getBytes(StandardCharsets.UTF_8) : (byte[]) p);
    }
    return out.toByteArray();
  }

  static Stream<Delivery> deliveries() {
    return Stream.of(
        new Delivery(
            "JSON with \\u0000 in a value",
            "application/json",
            bytes("{\"source\": \"ci-nul\", \"log\": \"step\\u0000failed\"}"),
            "step\\\\u0000failed"),
        new Delivery(
            "JSON with \\u0000 in a key",
            "application/json",
            bytes("{\"source\": \"ci-key\", \"we\\u0000ird\": \"value-in-odd-key\"}"),
            "we\\\\u0000ird"),
        new Delivery(
            "JSON with a lone surrogate escape",
            "application/json",
            bytes("{\"source\": \"ci-lone\", \"s\": \"half \\ud800 pair\"}"),
            "half \\\\ud800 pair"),
        new Delivery(
            "text/plain with a raw 0x00 byte",
            "text/plain",
            bytes("build ", new byte[] {0}, " broke"),
            "build \\u0000 broke"),
        new Delivery(
            "text/plain with bytes that are not UTF-8",
            "text/plain",
            bytes("caf", new byte[] {(byte) 0xe9}, " au lait"),
            "caf\\xe9 au lait"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("deliveries")
  void isAcceptedReadableAndShownToTheModel(Delivery d) throws Exception {
    JsonObject created =
        call(
            "POST",
            "/api/agents",
            session,
            new JsonObject().put("name", "hook-" + Integer.toHexString(d.name().hashCode())));
    String agent = created.getString("id");
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(
        new SecretKeySpec(
            created.getString("webhook_secret").getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/api/agents/" + agent + "/webhooks"))
                .header("Content-Type", d.contentType())
                .header(
                    "X-Webhook-Signature",
                    "sha256=" + HexFormat.of().formatHex(mac.doFinal(d.body())))
                .POST(HttpRequest.BodyPublishers.ofByteArray(d.body()))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(202);

    // The agent wakes on it, answers once, is maintained and sleeps.
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(50))
        .until(
            () ->
                types(agent).contains("maintenance_completed")
                    && call("GET", "/api/agents/" + agent, session, null)
                        .getString("status")
                        .equals("asleep"));
    List<String> types = types(agent);
    assertThat(types.stream().filter("wake_start"::equals)).hasSize(1);
    assertThat(types).contains("webhook_received", "assistant_message", "wake_end");

    JsonObject event =
        events(agent).stream()
            .filter(e -> e.getString("event_type").equals("webhook_received"))
            .findFirst()
            .orElseThrow();
    JsonObject payload = event.getJsonObject("payload");
    assertThat(payload.getJsonArray("escaped")).isNotEmpty();
    if (d.name().contains("not UTF-8")) {
      assertThat(payload.getString("encoding")).isEqualTo("base64");
      assertThat(Base64.getDecoder().decode(payload.getString("body_base64"))).isEqualTo(d.body());
    }
    // What the API returns is what was stored: storable text only.
    assertThat(StorableText.isStorable(event)).isTrue();

    // The model was shown the escaped text, labelled as the webhook it is.
    assertThat(model.requests().stream().map(UnstorableTextEndToEndTest::shownText))
        .anySatisfy(shown -> assertThat(shown).contains("[webhook from").contains(d.modelSees()));
  }

  // Every message text of a request to the model, decoded, one after the other.
  private static String shownText(JsonObject request) {
    StringBuilder s = new StringBuilder();
    for (Object m : request.getJsonArray("messages", new JsonArray())) {
      Object content = ((JsonObject) m).getValue("content");
      s.append(content == null ? "" : content.toString()).append('\n');
    }
    return s.toString();
  }

  private static List<JsonObject> events(String agent) throws Exception {
    JsonArray events =
        call("GET", "/api/agents/" + agent + "/events", session, null).getJsonArray("events");
    return events.stream().map(JsonObject.class::cast).toList();
  }

  private static List<String> types(String agent) throws Exception {
    return events(agent).stream().map(e -> e.getString("event_type")).toList();
  }
}
