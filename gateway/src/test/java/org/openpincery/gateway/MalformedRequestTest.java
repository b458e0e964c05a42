package org.openpincery.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Malformed requests of every kind get a 4xx with the JSON error shape: never a 5xx, never a hang,
 * never a partial write.
 */
class MalformedRequestTest {

  private static final GatewayFixture api = new GatewayFixture();
  private static String token;
  private static String agent;
  private static String snapshot;

  record Case(
      String name,
      String method,
      String path,
      String contentType,
      String body,
      int expected,
      Map<String, String> headers) {
    Case(String name, String method, String path, String body, int expected) {
      this(name, method, path, "application/json", body, expected, Map.of());
    }

    @Override
    public String toString() {
      return name;
    }
  }

  @BeforeAll
  static void setUp() throws Exception {
    token = api.bootstrap();
    agent = api.createAgent(token, "target");
    api.call(
        "POST", "/api/agents/" + agent + "/messages", token, "{\"content\":\"one real message\"}");
    snapshot = snapshot();
  }

  @AfterAll
  static void close() throws Exception {
    api.close();
  }

  static Stream<Case> cases() {
    String a = "/api/agents/AGENT";
    String deep = "{\"name\":" + "[".repeat(5000) + "]".repeat(5000) + "}";
    List<Case> c = new ArrayList<>();
    // Creating agents: JSON, shape, fields, types, sizes, characters.
    c.add(new Case("truncated JSON", "POST", "/api/agents", "{\"name\":", 400));
    c.add(new Case("array body", "POST", "/api/agents", "[]", 400));
    c.add(new Case("string body", "POST", "/api/agents", "\"agent\"", 400));
    c.add(new Case("null body", "POST", "/api/agents", "null", 400));
    c.add(new Case("empty body", "POST", "/api/agents", "", 400));
    c.add(new Case("missing name", "POST", "/api/agents", "{}", 400));
    c.add(new Case("name is a number", "POST", "/api/agents", "{\"name\":5}", 400));
    c.add(new Case("name is null", "POST", "/api/agents", "{\"name\":null}", 400));
    c.add(new Case("name is empty", "POST", "/api/agents", "{\"name\":\"\"}", 400));
    c.add(new Case("name is blank", "POST", "/api/agents", "{\"name\":\"   \"}", 400));
    c.add(new Case("name has NUL", "POST", "/api/agents", "{\"name\":\"a\\u0000b\"}", 400));
    c.add(new Case("name has newline", "POST", "/api/agents", "{\"name\":\"a\\nb\"}", 400));
    c.add(new Case("name has escape char", "POST", "/api/agents", "{\"name\":\"a\\u001bb\"}", 400));
    c.add(
        new Case(
            "name is huge",
            "POST",
            "/api/agents",
            "{\"name\":\"" + "n".repeat(100_000) + "\"}",
            400));
    c.add(new Case("name has slash", "POST", "/api/agents", "{\"name\":\"../etc\"}", 400));
    c.add(
        new Case("unknown field", "POST", "/api/agents", "{\"name\":\"ok\",\"admin\":true}", 400));
    c.add(
        new Case(
            "budget is a string",
            "POST",
            "/api/agents",
            "{\"name\":\"ok\",\"budget_limit_usd\":\"ten\"}",
            400));
    c.add(
        new Case(
            "budget is negative",
            "POST",
            "/api/agents",
            "{\"name\":\"ok\",\"budget_limit_usd\":-1}",
            400));
    c.add(
        new Case(
            "budget overflows",
            "POST",
            "/api/agents",
            "{\"name\":\"ok\",\"budget_limit_usd\":1e309}",
            400));
    c.add(
        new Case(
            "budget too precise",
            "POST",
            "/api/agents",
            "{\"name\":\"ok\",\"budget_limit_usd\":0.0000001}",
            400));
    c.add(
        new Case(
            "budget is huge",
            "POST",
            "/api/agents",
            "{\"name\":\"ok\",\"budget_limit_usd\":1e12}",
            400));
    c.add(new Case("trailing garbage", "POST", "/api/agents", "{\"name\":\"ok\"} trailing", 400));
    c.add(new Case("deeply nested", "POST", "/api/agents", deep, 400));
    c.add(
        new Case(
            "text/plain", "POST", "/api/agents", "text/plain", "{\"name\":\"ok\"}", 415, Map.of()));
    c.add(
        new Case(
            "xml content type",
            "POST",
            "/api/agents",
            "application/xml",
            "<name>ok</name>",
            415,
            Map.of()));
    c.add(
        new Case(
            "form content type",
            "POST",
            "/api/agents",
            "application/x-www-form-urlencoded",
            "name=ok",
            415,
            Map.of()));
    // Wrong methods and paths.
    c.add(new Case("PUT collection", "PUT", "/api/agents", "{\"name\":\"ok\"}", 405));
    c.add(new Case("DELETE collection", "DELETE", "/api/agents", null, 405));
    c.add(new Case("PATCH me", "PATCH", "/api/me", "{}", 405));
    c.add(new Case("GET bootstrap", "GET", "/api/bootstrap", null, 405));
    c.add(new Case("GET messages", "GET", a + "/messages", null, 405));
    c.add(new Case("unknown route", "POST", "/api/nope", "{}", 404));
    // Ids.
    c.add(new Case("id not a uuid", "GET", "/api/agents/not-a-uuid", null, 400));
    c.add(new Case("id a number", "GET", "/api/agents/123", null, 400));
    c.add(new Case("id with NUL", "GET", "/api/agents/%00", null, 400));
    c.add(new Case("id with quote", "GET", "/api/agents/%27%20OR%201=1", null, 400));
    c.add(new Case("id unknown", "GET", "/api/agents/" + UUID.randomUUID(), null, 404));
    c.add(
        new Case(
            "message to unknown id",
            "POST",
            "/api/agents/" + UUID.randomUUID() + "/messages",
            "{\"content\":\"hi\"}",
            404));
    // Messages.
    c.add(new Case("content empty", "POST", a + "/messages", "{\"content\":\"\"}", 400));
    c.add(new Case("content blank", "POST", a + "/messages", "{\"content\":\" \\n \"}", 400));
    c.add(new Case("content a number", "POST", a + "/messages", "{\"content\":42}", 400));
    c.add(new Case("content an array", "POST", a + "/messages", "{\"content\":[\"a\"]}", 400));
    c.add(
        new Case(
            "content an object", "POST", a + "/messages", "{\"content\":{\"text\":\"a\"}}", 400));
    c.add(new Case("content has NUL", "POST", a + "/messages", "{\"content\":\"a\\u0000b\"}", 400));
    c.add(new Case("content missing", "POST", a + "/messages", "{}", 400));
    c.add(
        new Case(
            "content plus role",
            "POST",
            a + "/messages",
            "{\"content\":\"hi\",\"role\":\"system\"}",
            400));
    c.add(
        new Case(
            "content too long",
            "POST",
            a + "/messages",
            "{\"content\":\"" + "x".repeat(100_001) + "\"}",
            400));
    c.add(
        new Case(
            "message as text/plain",
            "POST",
            a + "/messages",
            "text/plain",
            "hello",
            415,
            Map.of()));
    // Updates.
    c.add(new Case("enabled a string", "PATCH", a, "{\"is_enabled\":\"yes\"}", 400));
    c.add(new Case("enabled a number", "PATCH", a, "{\"is_enabled\":1}", 400));
    c.add(new Case("rename to number", "PATCH", a, "{\"name\":7}", 400));
    c.add(new Case("rename to null", "PATCH", a, "{\"name\":null}", 400));
    c.add(new Case("patch unknown field", "PATCH", a, "{\"status\":\"awake\"}", 400));
    c.add(new Case("patch an array", "PATCH", a, "[]", 400));
    c.add(new Case("patch budget object", "PATCH", a, "{\"budget_limit_usd\":{}}", 400));
    c.add(new Case("patch empty body", "PATCH", a, "", 400));
    // Event queries.
    c.add(new Case("limit zero", "GET", a + "/events?limit=0", null, 400));
    c.add(new Case("limit too big", "GET", a + "/events?limit=1001", null, 400));
    c.add(new Case("limit not a number", "GET", a + "/events?limit=abc", null, 400));
    c.add(new Case("limit NUL", "GET", a + "/events?limit=%00", null, 400));
    c.add(new Case("after_seq negative", "GET", a + "/events?after_seq=-1", null, 400));
    c.add(new Case("after_seq fraction", "GET", a + "/events?after_seq=1.5", null, 400));
    c.add(
        new Case(
            "after_seq overflow", "GET", a + "/events?after_seq=99999999999999999999", null, 400));
    c.add(new Case("since not a time", "GET", a + "/events?since=yesterday", null, 400));
    c.add(
        new Case(
            "both cursors",
            "GET",
            a + "/events?after_seq=1&since=2020-01-01T00:00:00Z",
            null,
            400));
    c.add(
        new Case(
            "stream bad Last-Event-ID",
            "GET",
            a + "/events/stream",
            null,
            null,
            400,
            Map.of("Last-Event-ID", "abc")));
    // Rotation, bootstrap, login.
    c.add(
        new Case(
            "secret a number", "POST", a + "/webhook/rotate", "{\"webhook_secret\":123}", 400));
    c.add(
        new Case(
            "secret too short",
            "POST",
            a + "/webhook/rotate",
            "{\"webhook_secret\":\"short\"}",
            400));
    c.add(
        new Case(
            "secret has control char",
            "POST",
            a + "/webhook/rotate",
            "{\"webhook_secret\":\"a\\u0001bcdefghijklmnopq\"}",
            400));
    c.add(
        new Case(
            "rotate unknown field",
            "POST",
            a + "/webhook/rotate",
            "{\"secret\":\"abcdefghijklmnopqrstuvwxyz\"}",
            400));
    return c.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void getsA4xxJsonErrorAndWritesNothing(Case c) throws Exception {
    Map<String, String> headers = new HashMap<>(c.headers());
    if (c.body() != null) {
      headers.put("Content-Type", c.contentType());
    }
    var r = api.call(c.method(), c.path().replace("AGENT", agent), token, c.body(), headers);

    assertThat(r.status()).as(r.text()).isEqualTo(c.expected());
    JsonObject error = r.json().getJsonObject("error");
    assertThat(error.getString("code")).isNotBlank();
    assertThat(error.getString("message")).isNotBlank();
    assertThat(r.headers().firstValue("X-Request-Id")).isPresent();
    assertThat(snapshot()).as("nothing was written").isEqualTo(snapshot);
  }

  @Test
  void thereAreAtLeastFiftyCases() {
    assertThat(cases().count()).isGreaterThanOrEqualTo(50);
  }

  @Test
  void bootstrapAndLoginBodiesAreValidatedToo() throws Exception {
    assertThat(
            api.call("POST", "/api/bootstrap", GatewayFixture.BOOTSTRAP_TOKEN, "{\"email\":5}")
                .status())
        .isEqualTo(400);
    assertThat(
            api.call(
                    "POST",
                    "/api/bootstrap",
                    GatewayFixture.BOOTSTRAP_TOKEN,
                    "{\"email\":\"nope\"}")
                .status())
        .isEqualTo(400);
    assertThat(api.call("POST", "/api/login", GatewayFixture.BOOTSTRAP_TOKEN, "{\"x\":1}").status())
        .isEqualTo(400);
    assertThat(api.call("GET", "/api/me", token.toUpperCase(), null).status()).isEqualTo(401);
    assertThat(snapshot()).isEqualTo(snapshot);
  }

  /** Every row count and every agent's mutable state, as one comparable string. */
  private static String snapshot() throws Exception {
    StringBuilder s = new StringBuilder();
    for (String table :
        List.of(
            "users",
            "workspaces",
            "memberships",
            "sessions",
            "agents",
            "events",
            "projections",
            "timers")) {
      s.append(table).append('=').append(api.count("SELECT count(*) FROM " + table)).append(';');
    }
    try (var c = org.openpincery.testkit.TestPostgres.connect(api.url);
        var st = c.createStatement();
        var rs =
            st.executeQuery(
                "SELECT string_agg(concat_ws('|', id, name, is_enabled, budget_limit_usd, webhook_secret, event_seq), ',' ORDER BY id) FROM agents")) {
      rs.next();
      s.append(rs.getString(1));
    }
    return s.toString();
  }
}
