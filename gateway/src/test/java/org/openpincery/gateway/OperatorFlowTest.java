package org.openpincery.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.openpincery.gateway.GatewayFixture.Response;

/** The whole operator flow through the real API: bootstrap to delete. */
class OperatorFlowTest {

  private static final GatewayFixture api = new GatewayFixture();

  @AfterAll
  static void close() {
    api.close();
  }

  @Test
  void bootstrapCreateMessageReadStreamRotateDisableDelete() throws Exception {
    // Bootstrap once; a second time is a conflict and changes nothing.
    Response boot =
        api.call(
            "POST",
            "/api/bootstrap",
            GatewayFixture.BOOTSTRAP_TOKEN,
            "{\"email\":\"ops@example.com\",\"name\":\"Ops\",\"workspace_name\":\"Team\"}");
    assertThat(boot.status()).isEqualTo(201);
    String token = boot.json().getString("session_token");
    assertThat(token).matches("[0-9a-f]{64}");
    assertThat(api.call("POST", "/api/bootstrap", GatewayFixture.BOOTSTRAP_TOKEN, null).status())
        .isEqualTo(409);
    assertThat(api.count("SELECT count(*) FROM users")).isEqualTo(1);
    assertThat(
            api.count(
                "SELECT count(*) FROM sessions WHERE token_hash = sha256(convert_to('"
                    + token
                    + "', 'UTF8'))"))
        .as("only the digest is stored")
        .isEqualTo(1);

    JsonObject me = api.call("GET", "/api/me", token, null).json();
    assertThat(me.getString("email")).isEqualTo("ops@example.com");
    assertThat(me.getString("role")).isEqualTo("owner");
    assertThat(me.getString("workspace_id")).isEqualTo(boot.json().getString("workspace_id"));

    // Create: the secret is shown once, never again.
    Response created =
        api.call(
            "POST", "/api/agents", token, "{\"name\":\"researcher\",\"budget_limit_usd\":2.5}");
    assertThat(created.status()).isEqualTo(201);
    String id = created.json().getString("id");
    String secret = created.json().getString("webhook_secret");
    assertThat(secret).hasSize(64);
    assertThat(created.json().getString("budget_limit_usd")).isEqualTo("2.5");
    assertThat(api.call("POST", "/api/agents", token, "{\"name\":\"researcher\"}").status())
        .isEqualTo(409);
    JsonArray list = api.call("GET", "/api/agents", token, null).json().getJsonArray("agents");
    assertThat(list).hasSize(1);
    assertThat(list.encode()).doesNotContain(secret);
    Response shown = api.call("GET", "/api/agents/" + id, token, null);
    assertThat(shown.status()).isEqualTo(200);
    assertThat(shown.text()).doesNotContain(secret);
    assertThat(shown.json().getString("status")).isEqualTo("asleep");
    assertThat(shown.json().containsKey("identity")).isTrue();

    // Messages become durable events.
    Response sent =
        api.call(
            "POST", "/api/agents/" + id + "/messages", token, "{\"content\":\"hello, agent\"}");
    assertThat(sent.status()).isEqualTo(202);
    assertThat(sent.json().getLong("seq")).isEqualTo(1);
    for (int i = 2; i <= 5; i++) {
      assertThat(
              api.call(
                      "POST",
                      "/api/agents/" + id + "/messages",
                      token,
                      "{\"content\":\"m" + i + "\"}")
                  .status())
          .isEqualTo(202);
    }
    JsonObject newest =
        api.call("GET", "/api/agents/" + id + "/events?limit=2", token, null).json();
    assertThat(seqs(newest.getJsonArray("events"))).containsExactly(4L, 5L);
    JsonObject after =
        api.call("GET", "/api/agents/" + id + "/events?after_seq=1&limit=2", token, null).json();
    assertThat(seqs(after.getJsonArray("events"))).containsExactly(2L, 3L);
    assertThat(after.getLong("next_after_seq")).isEqualTo(3);
    JsonObject first = after.getJsonArray("events").getJsonObject(0);
    assertThat(first.fieldNames())
        .contains(
            "seq",
            "event_type",
            "source",
            "wake_id",
            "content",
            "tool_name",
            "tool_input",
            "tool_output",
            "termination_reason",
            "payload",
            "created_at");
    String since =
        api.call("GET", "/api/agents/" + id + "/events?after_seq=0&limit=1", token, null)
            .json()
            .getJsonArray("events")
            .getJsonObject(0)
            .getString("created_at");
    JsonObject sinceFirst =
        api.call("GET", "/api/agents/" + id + "/events?since=" + since, token, null).json();
    assertThat(seqs(sinceFirst.getJsonArray("events"))).containsExactly(2L, 3L, 4L, 5L);
    assertThat(
            api.call("GET", "/api/agents/" + id + "/events/verify", token, null)
                .json()
                .getBoolean("valid"))
        .isTrue();

    // The stream replays from a cursor.
    try (SseClient stream =
        SseClient.open(api, "/api/agents/" + id + "/events/stream", token, 3L)) {
      assertThat(stream.next().seq()).isEqualTo(4);
      assertThat(stream.next().seq()).isEqualTo(5);
      api.call("POST", "/api/agents/" + id + "/messages", token, "{\"content\":\"live\"}");
      SseClient.Event live = stream.next();
      assertThat(live.seq()).isEqualTo(6);
      assertThat(live.type()).isEqualTo("message_received");
      assertThat(live.data().getString("content")).isEqualTo("live");
    }

    // Rotation: generated, or supplied by the caller (>= 16 characters).
    Response rotated = api.call("POST", "/api/agents/" + id + "/webhook/rotate", token, null);
    assertThat(rotated.status()).isEqualTo(200);
    assertThat(rotated.json().getString("webhook_secret")).hasSize(64).isNotEqualTo(secret);
    assertThat(rotated.json().getLong("grace_seconds")).isEqualTo(86400);
    assertThat(
            api.count(
                "SELECT count(*) FROM agents WHERE webhook_secret_previous = '" + secret + "'"))
        .isEqualTo(1);
    Response supplied =
        api.call(
            "POST",
            "/api/agents/" + id + "/webhook/rotate",
            token,
            "{\"webhook_secret\":\"It's a Secret to Everybody\"}");
    assertThat(supplied.status()).isEqualTo(200);
    assertThat(supplied.json().getString("webhook_secret")).isEqualTo("It's a Secret to Everybody");
    assertThat(
            api.call(
                    "POST",
                    "/api/agents/" + id + "/webhook/rotate",
                    token,
                    "{\"webhook_secret\":\"short\"}")
                .status())
        .isEqualTo(400);

    // Disable, budget unlimited (explicit null), rename.
    Response patched =
        api.call(
            "PATCH",
            "/api/agents/" + id,
            token,
            "{\"is_enabled\":false,\"budget_limit_usd\":null,\"name\":\"researcher-2\"}");
    assertThat(patched.status()).isEqualTo(200);
    assertThat(patched.json().getBoolean("is_enabled")).isFalse();
    assertThat(patched.json().getString("disabled_reason")).isEqualTo("disabled_by_operator");
    assertThat(patched.json().getBoolean("budget_unlimited")).isTrue();
    assertThat(patched.json().getString("name")).isEqualTo("researcher-2");
    Response zero =
        api.call(
            "PATCH", "/api/agents/" + id, token, "{\"budget_limit_usd\":0,\"is_enabled\":true}");
    assertThat(zero.json().getString("budget_limit_usd")).isEqualTo("0");
    assertThat(zero.json().getBoolean("budget_unlimited")).isFalse();
    assertThat(zero.json().getString("disabled_reason")).isNull();

    // Delete: gone from the API, name free again, log kept.
    assertThat(api.call("DELETE", "/api/agents/" + id, token, null).status()).isEqualTo(204);
    // Soft delete: still shown (marked deleted), refusing writes with one answer.
    assertThat(api.call("GET", "/api/agents/" + id, token, null).json().getBoolean("deleted"))
        .isTrue();
    assertThat(api.call("DELETE", "/api/agents/" + id, token, null).status()).isEqualTo(409);
    assertThat(
            api.call("POST", "/api/agents/" + id + "/messages", token, "{\"content\":\"x\"}")
                .errorCode())
        .isEqualTo("agent_deleted");
    assertThat(
            api.count(
                "SELECT count(*) FROM agents WHERE id = '"
                    + id
                    + "' AND disabled_reason = 'deleted' AND NOT is_enabled"))
        .isEqualTo(1);
    assertThat(api.count("SELECT count(*) FROM events WHERE agent_id = '" + id + "'")).isEqualTo(6);
    assertThat(api.call("POST", "/api/agents", token, "{\"name\":\"researcher-2\"}").status())
        .isEqualTo(201);

    // Login gives a second session; logout revokes only the presented one.
    Response login = api.call("POST", "/api/login", GatewayFixture.BOOTSTRAP_TOKEN, null);
    assertThat(login.status()).isEqualTo(200);
    String second = login.json().getString("session_token");
    assertThat(api.call("POST", "/api/logout", second, null).status()).isEqualTo(204);
    assertThat(api.call("GET", "/api/me", second, null).status()).isEqualTo(401);
    assertThat(api.call("GET", "/api/me", token, null).status()).isEqualTo(200);
  }

  private static List<Long> seqs(JsonArray events) {
    return events.stream().map(e -> ((JsonObject) e).getLong("seq")).toList();
  }
}
