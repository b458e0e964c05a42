package org.openpincery.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The notifications API: subscriptions (the secret shown once, on create and on rotation), a test
 * notification, the deliveries with their attempts, and 400s for what cannot be delivered to.
 */
class NotificationsApiTest {

  private static final GatewayFixture api = new GatewayFixture();
  private static String owner;

  @BeforeAll
  static void bootstrap() {
    owner = api.bootstrap();
  }

  @AfterAll
  static void close() {
    api.close();
  }

  private static GatewayFixture.Response subscribe(String body) {
    return api.call("POST", "/api/notifications/subscriptions", owner, body);
  }

  @Test
  void subscribeListChangeRotateTestAndDeleteWithTheSecretShownOnlyOnce() throws Exception {
    var created =
        subscribe(
            "{\"url\":\"https://hooks.example.com/pincery\",\"kinds\":[\"wake.failed\","
                + "\"approval.requested\",\"wake.failed\"],\"description\":\"on-call\"}");
    assertThat(created.status()).as(created.text()).isEqualTo(201);
    String id = created.json().getString("id");
    String secret = created.json().getString("secret");
    assertThat(secret).matches("whsec_[A-Za-z0-9+/]{43}=");
    assertThat(created.json().getJsonArray("kinds"))
        .isEqualTo(new JsonArray().add("wake.failed").add("approval.requested"));
    assertThat(created.json().getBoolean("enabled")).isTrue();
    assertThat(created.json().getString("description")).isEqualTo("on-call");

    var list = api.call("GET", "/api/notifications/subscriptions", owner, null);
    assertThat(list.status()).isEqualTo(200);
    assertThat(list.text()).contains(id).doesNotContain(secret).doesNotContain("whsec_");
    var shown = api.call("GET", "/api/notifications/subscriptions/" + id, owner, null);
    assertThat(shown.status()).isEqualTo(200);
    assertThat(shown.text()).doesNotContain("whsec_");

    var changed =
        api.call(
            "PATCH",
            "/api/notifications/subscriptions/" + id,
            owner,
            "{\"enabled\":false,\"kinds\":[\"chain.broken\"],\"description\":null}");
    assertThat(changed.status()).as(changed.text()).isEqualTo(200);
    assertThat(changed.json().getBoolean("enabled")).isFalse();
    assertThat(changed.json().getJsonArray("kinds")).isEqualTo(new JsonArray().add("chain.broken"));
    assertThat(changed.json().getString("description")).isNull();
    assertThat(changed.json().getString("url")).isEqualTo("https://hooks.example.com/pincery");

    var rotated =
        api.call("POST", "/api/notifications/subscriptions/" + id + "/rotate-secret", owner, null);
    assertThat(rotated.status()).isEqualTo(200);
    String newSecret = rotated.json().getString("secret");
    assertThat(newSecret).startsWith("whsec_").isNotEqualTo(secret);
    assertThat(
            api.count(
                "SELECT count(*) FROM notification_subscriptions WHERE id = '"
                    + id
                    + "' AND secret = '"
                    + newSecret
                    + "'"))
        .isEqualTo(1);

    var test = api.call("POST", "/api/notifications/subscriptions/" + id + "/test", owner, null);
    assertThat(test.status()).isEqualTo(202);
    String delivery = test.json().getString("delivery_id");
    var deliveries =
        api.call("GET", "/api/notifications/deliveries?subscription_id=" + id, owner, null);
    assertThat(deliveries.status()).isEqualTo(200);
    JsonObject first = deliveries.json().getJsonArray("deliveries").getJsonObject(0);
    assertThat(first.getString("id")).isEqualTo(delivery);
    assertThat(first.getString("kind")).isEqualTo("notification.test");
    assertThat(first.getString("status")).isEqualTo("pending");
    assertThat(first.getJsonArray("attempts")).isEmpty();
    assertThat(first.getJsonObject("payload").getString("type")).isEqualTo("notification.test");
    assertThat(
            api.call("GET", "/api/notifications/deliveries?status=delivered", owner, null)
                .json()
                .getJsonArray("deliveries"))
        .isEmpty();
    var one = api.call("GET", "/api/notifications/deliveries/" + delivery, owner, null);
    assertThat(one.status()).isEqualTo(200);
    assertThat(one.json().getString("subscription_id")).isEqualTo(id);

    var audit =
        api.call(
            "GET",
            "/api/audit?action=notification.*&target_type=notification_subscription&target=" + id,
            owner,
            null);
    assertThat(audit.status()).isEqualTo(200);
    assertThat(audit.text()).doesNotContain("whsec_");
    var entries = audit.json().getJsonArray("entries").stream().map(e -> (JsonObject) e).toList();
    assertThat(entries.stream().map(e -> e.getString("action")))
        .containsExactly(
            "notification.subscribe",
            "notification.update",
            "notification.secret_rotate",
            "notification.test");
    assertThat(entries.get(0).getJsonObject("target").getString("id")).isEqualTo(id);

    assertThat(api.call("DELETE", "/api/notifications/subscriptions/" + id, owner, null).status())
        .isEqualTo(204);
    assertThat(api.call("GET", "/api/notifications/subscriptions/" + id, owner, null).status())
        .isEqualTo(404);
    assertThat(api.call("GET", "/api/notifications/deliveries/" + delivery, owner, null).status())
        .isEqualTo(404);
    assertThat(api.call("DELETE", "/api/notifications/subscriptions/" + id, owner, null).status())
        .isEqualTo(404);
  }

  @Test
  void aSubscriptionCreatedDisabledIsDisabledFromItsFirstWrite() throws Exception {
    var created =
        subscribe(
            "{\"url\":\"https://hooks.example.com/later\",\"kinds\":[\"wake.failed\"],"
                + "\"enabled\":false}");
    assertThat(created.status()).as(created.text()).isEqualTo(201);
    assertThat(created.json().getBoolean("enabled")).isFalse();
    assertThat(created.json().getString("secret")).startsWith("whsec_");
    String id = created.json().getString("id");
    // One insert, never an enabled row changed afterwards (which a notification could reach).
    assertThat(
            api.count(
                "SELECT count(*) FROM notification_subscriptions WHERE id = '"
                    + id
                    + "' AND NOT enabled AND updated_at = created_at"))
        .isEqualTo(1);
    var shown = api.call("GET", "/api/notifications/subscriptions/" + id, owner, null);
    assertThat(shown.json().getBoolean("enabled")).isFalse();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{\"url\":\"not a url\",\"kinds\":[\"wake.failed\"]}",
        "{\"url\":\"http://hooks.example.com/x\",\"kinds\":[\"wake.failed\"]}",
        "{\"url\":\"ftp://hooks.example.com/x\",\"kinds\":[\"wake.failed\"]}",
        "{\"url\":\"/relative\",\"kinds\":[\"wake.failed\"]}",
        "{\"url\":\"https://user:pw@hooks.example.com/x\",\"kinds\":[\"wake.failed\"]}",
        "{\"url\":\"https://hooks.example.com/x\",\"kinds\":[\"wake.exploded\"]}",
        "{\"url\":\"https://hooks.example.com/x\",\"kinds\":[\"notification.test\"]}",
        "{\"url\":\"https://hooks.example.com/x\",\"kinds\":[]}",
        "{\"url\":\"https://hooks.example.com/x\",\"kinds\":\"wake.failed\"}",
        "{\"url\":\"https://hooks.example.com/x\",\"kinds\":[1]}",
        "{\"url\":\"https://hooks.example.com/x\"}",
        "{\"kinds\":[\"wake.failed\"]}",
        "{\"url\":\"https://hooks.example.com/x\",\"kinds\":[\"wake.failed\"],\"secret\":\"x\"}",
        "{\"url\":\"https://hooks.example.com/x\",\"kinds\":[\"wake.failed\"],\"enabled\":\"yes\"}"
      })
  void whatCannotBeDeliveredToIsRefusedWith400AndNothingIsStored(String body) throws Exception {
    long before = api.count("SELECT count(*) FROM notification_subscriptions");
    var r = subscribe(body);
    assertThat(r.status()).as(r.text()).isEqualTo(400);
    assertThat(r.errorCode()).isIn("invalid_request", "invalid_url");
    assertThat(api.count("SELECT count(*) FROM notification_subscriptions")).isEqualTo(before);
  }

  @Test
  void httpIsAcceptedOnlyToALoopbackAddress() {
    assertThat(
            subscribe("{\"url\":\"http://127.0.0.1:9/hook\",\"kinds\":[\"wake.failed\"]}").status())
        .isEqualTo(201);
    assertThat(
            subscribe("{\"url\":\"http://localhost:9/hook\",\"kinds\":[\"wake.failed\"]}").status())
        .isEqualTo(201);
    var refused = subscribe("{\"url\":\"http://10.0.0.1/hook\",\"kinds\":[\"wake.failed\"]}");
    assertThat(refused.status()).isEqualTo(400);
    assertThat(refused.errorCode()).isEqualTo("invalid_url");
    assertThat(refused.text()).contains("https");
  }

  @Test
  void notifyAllowHttpLetsPlainHttpToAnyHost() {
    try (GatewayFixture open = new GatewayFixture(Map.of("NOTIFY_ALLOW_HTTP", "true"))) {
      String token = open.bootstrap();
      var r =
          open.call(
              "POST",
              "/api/notifications/subscriptions",
              token,
              "{\"url\":\"http://relay.internal/hook\",\"kinds\":[\"wake.failed\"]}");
      assertThat(r.status()).as(r.text()).isEqualTo(201);
    }
  }

  @Test
  void badChangesAndBadQueriesAre400s() {
    String id =
        subscribe("{\"url\":\"https://hooks.example.com/b\",\"kinds\":[\"wake.failed\"]}")
            .json()
            .getString("id");
    String path = "/api/notifications/subscriptions/" + id;
    for (String body :
        new String[] {
          "{}",
          "{\"url\":null}",
          "{\"url\":\"http://example.com/x\"}",
          "{\"kinds\":[]}",
          "{\"kinds\":[\"nope\"]}",
          "{\"enabled\":1}",
          "{\"secret\":\"whsec_x\"}"
        }) {
      var r = api.call("PATCH", path, owner, body);
      assertThat(r.status()).as(body + " -> " + r.text()).isEqualTo(400);
    }
    assertThat(
            api.call("PATCH", "/api/notifications/subscriptions/nope", owner, "{\"enabled\":true}")
                .errorCode())
        .isEqualTo("invalid_id");
    for (String query :
        new String[] {
          "?status=bogus", "?limit=0", "?limit=201", "?subscription_id=nope", "?before=-1"
        }) {
      var r = api.call("GET", "/api/notifications/deliveries" + query, owner, null);
      assertThat(r.status()).as(query + " -> " + r.text()).isEqualTo(400);
    }
    assertThat(api.call("GET", "/api/notifications/deliveries/" + id, owner, null).status())
        .isEqualTo(404);
  }

  @Test
  void aBreakTheVerifyRoutesFindIsRecordedAndNotifiedOnce() throws Exception {
    String id =
        subscribe("{\"url\":\"https://hooks.example.com/chain\",\"kinds\":[\"chain.broken\"]}")
            .json()
            .getString("id");
    String agent = api.createAgent(owner, "tampered");
    for (int i = 0; i < 3; i++) {
      assertThat(
              api.call(
                      "POST",
                      "/api/agents/" + agent + "/messages",
                      owner,
                      "{\"content\":\"m" + i + "\"}")
                  .status())
          .isEqualTo(202);
    }
    api.execute(
        "ALTER TABLE events DISABLE TRIGGER events_no_update_or_delete;"
            + "UPDATE events SET content = 'forged' WHERE agent_id = '"
            + agent
            + "' AND seq = 2;"
            + "ALTER TABLE events ENABLE TRIGGER events_no_update_or_delete;");
    for (int i = 0; i < 2; i++) {
      var verify = api.call("GET", "/api/agents/" + agent + "/events/verify", owner, null);
      assertThat(verify.json().getBoolean("valid")).isFalse();
      assertThat(verify.json().getLong("first_bad_seq")).isEqualTo(2);
    }
    var deliveries =
        api.call("GET", "/api/notifications/deliveries?subscription_id=" + id, owner, null)
            .json()
            .getJsonArray("deliveries");
    assertThat(deliveries).hasSize(1);
    JsonObject data = deliveries.getJsonObject(0).getJsonObject("payload").getJsonObject("data");
    assertThat(deliveries.getJsonObject(0).getString("kind")).isEqualTo("chain.broken");
    assertThat(data.getString("agent_id")).isEqualTo(agent);
    assertThat(data.getLong("first_bad_seq")).isEqualTo(2);
    assertThat(data.getString("problem")).isEqualTo("hash_mismatch");
    assertThat(
            api.count(
                "SELECT count(*) FROM chain_checkpoints WHERE chain_id = '"
                    + agent
                    + "' AND broken_seq = 2"))
        .isEqualTo(1);
  }

  @Test
  void aPersonsStopQueuesAgentStoppedAndCarryOnQueuesNothing() throws Exception {
    String id =
        subscribe("{\"url\":\"https://hooks.example.com/stops\",\"kinds\":[\"agent.stopped\"]}")
            .json()
            .getString("id");
    String agent = api.createAgent(owner, "stoppable");
    for (String text : new String[] {"Stop!", "carry on", "hello"}) {
      var sent =
          api.call(
              "POST",
              "/api/agents/" + agent + "/messages",
              owner,
              new JsonObject().put("content", text).encode());
      assertThat(sent.status()).as(sent.text()).isEqualTo(202);
    }
    var deliveries =
        api.call("GET", "/api/notifications/deliveries?subscription_id=" + id, owner, null)
            .json()
            .getJsonArray("deliveries");
    assertThat(deliveries).hasSize(1);
    JsonObject payload = deliveries.getJsonObject(0).getJsonObject("payload");
    assertThat(payload.getString("type")).isEqualTo("agent.stopped");
    assertThat(payload.getJsonObject("data").getString("agent_id")).isEqualTo(agent);
    assertThat(payload.getJsonObject("data").getString("agent_name")).isEqualTo("stoppable");
    assertThat(payload.encode()).doesNotContain("Stop!");
  }

  @Test
  void onlyAFailedDeliveryCanBeRetriedAndItIsQueuedAgainWithItsAttemptsKept() throws Exception {
    String id =
        subscribe("{\"url\":\"https://hooks.example.com/r\",\"kinds\":[\"wake.failed\"]}")
            .json()
            .getString("id");
    String delivery =
        api.call("POST", "/api/notifications/subscriptions/" + id + "/test", owner, null)
            .json()
            .getString("delivery_id");
    String retry = "/api/notifications/deliveries/" + delivery + "/retry";
    var pending = api.call("POST", retry, owner, null);
    assertThat(pending.status()).isEqualTo(409);
    assertThat(pending.errorCode()).isEqualTo("not_failed");
    assertThat(pending.text()).contains("pending");

    api.execute(
        "UPDATE notification_outbox SET status = 'failed', attempts = 1,"
            + " last_error = 'HTTP 500' WHERE id = '"
            + delivery
            + "';"
            + "INSERT INTO notification_attempts (outbox_id, workspace_id, attempt, started_at,"
            + " finished_at, http_status, error) SELECT id, workspace_id, 1, now(), now(), 500,"
            + " 'HTTP 500' FROM notification_outbox WHERE id = '"
            + delivery
            + "'");
    var retried = api.call("POST", retry, owner, null);
    assertThat(retried.status()).as(retried.text()).isEqualTo(200);
    assertThat(retried.json().getString("status")).isEqualTo("pending");
    assertThat(retried.json().getInteger("attempt_count")).isEqualTo(1);
    assertThat(retried.json().getJsonArray("attempts")).hasSize(1);
    assertThat(api.call("POST", retry, owner, null).status()).isEqualTo(409);
    assertThat(
            api.call(
                    "POST",
                    "/api/notifications/deliveries/" + java.util.UUID.randomUUID() + "/retry",
                    owner,
                    null)
                .status())
        .isEqualTo(404);
  }
}
