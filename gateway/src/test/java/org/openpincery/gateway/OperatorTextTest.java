package org.openpincery.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.openpincery.testkit.TestPostgres;
import org.openpincery.vault.Vault;

/**
 * Every text field an operator route accepts × text PostgreSQL cannot store (U+0000, an unpaired
 * surrogate sent as the JSON escape <code>&#92;ud800</code>), a body that is not well-formed UTF-8,
 * and 4-byte characters exactly at the field's limit and one over: the limit counts characters
 * (code points), the refusals are a 4xx JSON error naming the field, nothing is written, never a
 * 5xx.
 */
class OperatorTextTest {

  private static final String EMOJI = "\uD83D\uDE00"; // U+1F600: 4 bytes in UTF-8, 2 in UTF-16
  private static final AtomicInteger UNIQUE = new AtomicInteger();
  private static final GatewayFixture api =
      new GatewayFixture(Map.of(Vault.KEY_SETTING, Vault.newKey()));
  private static String token;
  private static String agent;

  /**
   * A text field of a route: {@code body} builds the whole body around the field's raw JSON value
   * (quotes included); {@code freeText} fields take any storable character, the others a pattern of
   * ASCII (4-byte characters are refused there at any length).
   */
  record Field(
      String route,
      String method,
      String path,
      String field,
      int max,
      boolean freeText,
      int okStatus,
      Function<String, String> body) {
    @Override
    public String toString() {
      return method + " " + path + " " + field;
    }
  }

  record Case(Field field, String kind, byte[] body, int expected, String code) {
    @Override
    public String toString() {
      return field + ": " + kind;
    }
  }

  static List<Field> fields() {
    String a = "/api/agents/AGENT";
    return List.of(
        new Field("agents", "POST", "/api/agents", "name", 64, false, 201, v -> obj("name", v)),
        new Field("agents", "PATCH", a, "name", 64, false, 200, v -> obj("name", v)),
        new Field(
            "messages",
            "POST",
            a + "/messages",
            "content",
            AgentHandlers.MAX_MESSAGE_CHARS,
            true,
            202,
            v -> obj("content", v)),
        new Field(
            "schedules",
            "POST",
            a + "/schedules",
            "note",
            1000,
            true,
            201,
            v -> "{\"every_seconds\":3600,\"note\":" + v + "}"),
        new Field(
            "schedules", "POST", a + "/schedules", "cron", 200, false, 201, v -> obj("cron", v)),
        new Field(
            "credentials",
            "POST",
            "/api/credentials",
            "name",
            64,
            false,
            201,
            v -> "{\"name\":" + v + ",\"value\":\"v\"}"),
        new Field(
            "credentials",
            "POST",
            "/api/credentials",
            "value",
            CredentialHandlers.MAX_VALUE_CHARS,
            true,
            201,
            v -> "{\"name\":\"NAME\",\"value\":" + v + "}"),
        new Field(
            "rotate",
            "POST",
            a + "/webhook/rotate",
            "webhook_secret",
            512,
            true,
            200,
            v -> obj("webhook_secret", v)),
        new Field(
            "bootstrap", "POST", "/api/bootstrap", "email", 320, true, 0, v -> obj("email", v)),
        new Field("bootstrap", "POST", "/api/bootstrap", "name", 200, true, 0, v -> obj("name", v)),
        new Field(
            "bootstrap",
            "POST",
            "/api/bootstrap",
            "workspace_name",
            200,
            true,
            0,
            v -> obj("workspace_name", v)));
  }

  private static String obj(String field, String rawValue) {
    return "{\"" + field + "\":" + rawValue + "}";
  }

  static Stream<Case> refusals() {
    List<Case> cases = new ArrayList<>();
    for (Field f : fields()) {
      cases.add(
          new Case(
              f,
              "U+0000",
              utf8(f.body().apply("\"ab\\u0000cdefghijklmnopq@\"")),
              400,
              "invalid_text"));
      cases.add(
          new Case(
              f,
              "lone surrogate escape",
              utf8(f.body().apply("\"ab\\ud800cdefghijklmnopq@\"")),
              400,
              "invalid_text"));
      cases.add(
          new Case(
              f,
              "lone low surrogate escape",
              utf8(f.body().apply("\"ab\\udc00cdefghijklmnopq@\"")),
              400,
              "invalid_text"));
      cases.add(
          new Case(
              f,
              "invalid UTF-8 bytes",
              illFormed(f, new byte[] {(byte) 0xff}),
              400,
              "invalid_text"));
      cases.add(
          new Case(
              f,
              "an encoded surrogate (CESU-8)",
              illFormed(f, new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80}),
              400,
              "invalid_text"));
      cases.add(
          new Case(
              f,
              "4-byte characters, one over the limit",
              utf8(f.body().apply("\"" + fill(f, f.max() + 1) + "\"")),
              400,
              "invalid_request"));
      if (!f.freeText()) {
        cases.add(
            new Case(
                f,
                "4-byte characters within the limit (not in the pattern)",
                utf8(f.body().apply("\"" + EMOJI.repeat(3) + "\"")),
                400,
                "invalid_request"));
      }
    }
    return cases.stream();
  }

  // The field's value at n characters, all 4-byte ones (an email keeps its '@').
  private static String fill(Field f, int n) {
    return f.field().equals("email") ? EMOJI.repeat(n - 2) + "@x" : EMOJI.repeat(n);
  }

  // The body with bytes that are not well-formed UTF-8 inside the field's string.
  private static byte[] illFormed(Field f, byte[] bad) {
    String marker = "\"abcdefghijklmnopq@MARK\"";
    String text = f.body().apply(marker);
    int at = text.indexOf("MARK");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(utf8(text.substring(0, at)));
    out.writeBytes(bad);
    out.writeBytes(utf8(text.substring(at + 4)));
    return out.toByteArray();
  }

  private static byte[] utf8(String s) {
    return s.replace("NAME", "cred_" + UNIQUE.incrementAndGet()).getBytes(StandardCharsets.UTF_8);
  }

  @BeforeAll
  static void setUp() {
    // Bootstrap itself is the at-the-limit case of its three fields.
    String email = EMOJI.repeat(318) + "@x";
    String body =
        new JsonObject()
            .put("email", email)
            .put("name", EMOJI.repeat(200))
            .put("workspace_name", EMOJI.repeat(200))
            .encode();
    var r = send("POST", "/api/bootstrap", GatewayFixture.BOOTSTRAP_TOKEN, utf8(body));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    token = new JsonObject(r.body()).getString("session_token");
    JsonObject me = api.call("GET", "/api/me", token, null).json();
    assertThat(me.getString("email")).isEqualTo(email);
    assertThat(me.getString("name")).isEqualTo(EMOJI.repeat(200));
    agent = api.createAgent(token, "target");
  }

  @AfterAll
  static void close() {
    api.close();
  }

  private static HttpResponse<String> send(String method, String path, String bearer, byte[] body) {
    HttpRequest request =
        HttpRequest.newBuilder(api.uri(path.replace("AGENT", agent == null ? "" : agent)))
            .timeout(Duration.ofSeconds(30))
            .header("Content-Type", "application/json")
            .header("Authorization", "Bearer " + bearer)
            .method(method, HttpRequest.BodyPublishers.ofByteArray(body))
            .build();
    try {
      return api.http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static String bearer(Field f) {
    return f.route().equals("bootstrap") ? GatewayFixture.BOOTSTRAP_TOKEN : token;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("refusals")
  void isRefusedWithA4xxNamingTheProblemAndNothingIsWritten(Case c) throws Exception {
    String before = snapshot();
    var r = send(c.field().method(), c.field().path(), bearer(c.field()), c.body());

    assertThat(r.statusCode()).as(r.body()).isEqualTo(c.expected());
    JsonObject error = new JsonObject(r.body()).getJsonObject("error");
    assertThat(error.getString("code")).isEqualTo(c.code());
    if (c.kind().contains("UTF-8") || c.kind().contains("CESU")) {
      assertThat(error.getString("message")).contains("UTF-8");
    } else if (c.code().equals("invalid_text")) {
      assertThat(error.getString("message"))
          .startsWith("'" + c.field().field() + "' contains ")
          .containsAnyOf("U+0000", "an unpaired surrogate (U+D800)", "(U+DC00)");
    } else if (c.field().freeText()) {
      assertThat(error.getString("message"))
          .isEqualTo(
              "'" + c.field().field() + "' is longer than " + c.field().max() + " characters");
    }
    assertThat(snapshot()).as("nothing was written").isEqualTo(before);
  }

  static Stream<Field> freeTextFields() {
    return fields().stream().filter(f -> f.freeText() && f.okStatus() > 0);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("freeTextFields")
  void takes4ByteCharactersExactlyAtTheLimit(Field f) {
    var r = send(f.method(), f.path(), token, utf8(f.body().apply(Json.encode(fill(f, f.max())))));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(f.okStatus());
  }

  @Test
  void aMessageOf100000EmojiIsStoredWhole() {
    String content = EMOJI.repeat(AgentHandlers.MAX_MESSAGE_CHARS);
    var r =
        send(
            "POST",
            "/api/agents/AGENT/messages",
            token,
            utf8(new JsonObject().put("content", content).encode()));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
    long seq = new JsonObject(r.body()).getLong("seq");
    var events =
        api.call("GET", "/api/agents/" + agent + "/events?after_seq=" + (seq - 1), token, null)
            .json()
            .getJsonArray("events");
    assertThat(events.getJsonObject(0).getString("content")).isEqualTo(content);
  }

  @Test
  void aScheduleNoteOf1000EmojiIsKeptWhole() {
    String note = EMOJI.repeat(1000);
    var r =
        send(
            "POST",
            "/api/agents/AGENT/schedules",
            token,
            utf8(new JsonObject().put("every_seconds", 60).put("note", note).encode()));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    assertThat(new JsonObject(r.body()).getString("note")).isEqualTo(note);
  }

  private static String snapshot() throws Exception {
    StringBuilder s = new StringBuilder();
    for (String table :
        List.of(
            "users",
            "workspaces",
            "sessions",
            "agents",
            "events",
            "schedules",
            "credentials",
            "timers")) {
      s.append(table).append('=').append(api.count("SELECT count(*) FROM " + table)).append(';');
    }
    try (var c = TestPostgres.connect(api.url);
        var st = c.createStatement();
        var rs =
            st.executeQuery(
                "SELECT string_agg(concat_ws('|', id, name, webhook_secret, event_seq), ','"
                    + " ORDER BY id) FROM agents")) {
      rs.next();
      s.append(rs.getString(1));
    }
    return s.toString();
  }
}
