package org.openpincery.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.openpincery.vault.Vault;

/**
 * Idempotency-Key on creates (agents, credentials, schedules): a retried create whose reply was
 * lost gets the first response again and never makes a second resource.
 */
class IdempotentCreateTest {

  private static final Map<String, String> KEY_A = Map.of("Idempotency-Key", "create-a");

  @Test
  void aRetriedAgentCreateReplaysTheResponseWithItsSecretUntilTheSecretIsRotated()
      throws Exception {
    try (GatewayFixture api = new GatewayFixture()) {
      String token = api.bootstrap();
      String body = "{\"name\":\"keyed\"}";
      var first = api.call("POST", "/api/agents", token, body, KEY_A);
      var retry = api.call("POST", "/api/agents", token, body, KEY_A);
      assertThat(first.status()).isEqualTo(201);
      assertThat(first.headers().firstValue("Idempotent-Replayed")).isEmpty();
      assertThat(retry.status()).isEqualTo(201);
      assertThat(retry.headers().firstValue("Idempotent-Replayed")).hasValue("true");
      assertThat(retry.json().getString("id")).isEqualTo(first.json().getString("id"));
      assertThat(retry.json().getString("webhook_secret"))
          .isNotBlank()
          .isEqualTo(first.json().getString("webhook_secret"));
      assertThat(retry.json().getString("webhook_url"))
          .isEqualTo(first.json().getString("webhook_url"));
      assertThat(api.count("SELECT count(*) FROM agents WHERE name = 'keyed'")).isEqualTo(1);

      // Without a key the retry is a second create, refused by name as before.
      assertThat(api.call("POST", "/api/agents", token, body).status()).isEqualTo(409);

      String id = first.json().getString("id");
      var rotated = api.call("POST", "/api/agents/" + id + "/webhook/rotate", token, "{}");
      assertThat(rotated.status()).isEqualTo(200);
      var afterRotation = api.call("POST", "/api/agents", token, body, KEY_A);
      assertThat(afterRotation.status()).isEqualTo(201);
      assertThat(afterRotation.headers().firstValue("Idempotent-Replayed")).hasValue("true");
      assertThat(afterRotation.json().getString("id")).isEqualTo(id);
      assertThat(afterRotation.json().containsKey("webhook_secret"))
          .as("a replaced secret is never replayed")
          .isFalse();
      assertThat(
              api.count(
                  "SELECT count(*) FROM request_idempotency_keys WHERE response::text LIKE '%"
                      + first.json().getString("webhook_secret")
                      + "%'"))
          .isZero();
    }
  }

  @Test
  void aDeletedAgentsSecretIsNotReplayed() throws Exception {
    try (GatewayFixture api = new GatewayFixture()) {
      String token = api.bootstrap();
      String body = "{\"name\":\"short-lived\"}";
      var first = api.call("POST", "/api/agents", token, body, KEY_A);
      String id = first.json().getString("id");
      assertThat(api.call("DELETE", "/api/agents/" + id, token, null).status()).isEqualTo(204);
      var retry = api.call("POST", "/api/agents", token, body, KEY_A);
      assertThat(retry.status()).isEqualTo(201);
      assertThat(retry.json().getString("id")).isEqualTo(id);
      assertThat(retry.json().containsKey("webhook_secret")).isFalse();
    }
  }

  @Test
  void aKeyIsBoundToItsRequestItsRouteAndItsUser() throws Exception {
    try (GatewayFixture api = new GatewayFixture()) {
      String token = api.bootstrap();
      assertThat(api.call("POST", "/api/agents", token, "{\"name\":\"one\"}", KEY_A).status())
          .isEqualTo(201);
      var other = api.call("POST", "/api/agents", token, "{\"name\":\"two\"}", KEY_A);
      assertThat(other.status()).isEqualTo(422);
      assertThat(other.errorCode()).isEqualTo("idempotency_key_reused");
      var budget =
          api.call(
              "POST", "/api/agents", token, "{\"name\":\"one\",\"budget_limit_usd\":3}", KEY_A);
      assertThat(budget.status()).as("same name, other budget").isEqualTo(422);
      assertThat(api.count("SELECT count(*) FROM agents")).isEqualTo(1);

      // The same key on another route is another request.
      String agent = api.createAgent(token, "scheduled");
      var schedule =
          api.call(
              "POST",
              "/api/agents/" + agent + "/schedules",
              token,
              "{\"every_seconds\":3600}",
              KEY_A);
      assertThat(schedule.status()).isEqualTo(201);
      assertThat(schedule.headers().firstValue("Idempotent-Replayed")).isEmpty();

      // A refused create keeps no key: after fixing the cause, the same key creates.
      var taken = api.call("POST", "/api/agents", token, "{\"name\":\"scheduled\"}", key("k2"));
      assertThat(taken.status()).isEqualTo(409);
      assertThat(api.call("DELETE", "/api/agents/" + agent, token, null).status()).isEqualTo(204);
      var created = api.call("POST", "/api/agents", token, "{\"name\":\"scheduled\"}", key("k2"));
      assertThat(created.status()).isEqualTo(201);
      assertThat(created.headers().firstValue("Idempotent-Replayed")).isEmpty();

      var malformed = api.call("POST", "/api/agents", token, "{\"name\":\"x\"}", key("tab\there"));
      assertThat(malformed.status()).isEqualTo(400);
      assertThat(malformed.errorCode()).isEqualTo("invalid_idempotency_key");
    }
  }

  @Test
  void keysOfOneUserNeverReplayToAnother() throws Exception {
    try (GatewayFixture api = new GatewayFixture()) {
      String token = api.bootstrap();
      assertThat(api.call("POST", "/api/agents", token, "{\"name\":\"mine\"}", KEY_A).status())
          .isEqualTo(201);
      // A second owner of the same workspace, invited through the API.
      var invite =
          api.call(
              "POST",
              "/api/invitations",
              token,
              "{\"email\":\"b@example.org\",\"role\":\"owner\"}");
      String other =
          api.call(
                  "POST",
                  "/api/invitations/accept",
                  null,
                  new io.vertx.core.json.JsonObject()
                      .put("token", invite.json().getString("token"))
                      .encode())
              .json()
              .getString("session_token");
      var theirs = api.call("POST", "/api/agents", other, "{\"name\":\"mine\"}", KEY_A);
      assertThat(theirs.status()).as(theirs.text()).isEqualTo(409);
      assertThat(theirs.json().containsKey("webhook_secret")).isFalse();
    }
  }

  @Test
  void aRetriedCredentialCreateReplaysItsNameAndNeverKeepsItsValue() throws Exception {
    try (GatewayFixture api = new GatewayFixture(Map.of(Vault.KEY_SETTING, Vault.newKey()))) {
      String token = api.bootstrap();
      String body = "{\"name\":\"github_token\",\"value\":\"ghp_secret_value_42\"}";
      var first = api.call("POST", "/api/credentials", token, body, KEY_A);
      var retry = api.call("POST", "/api/credentials", token, body, KEY_A);
      assertThat(first.status()).isEqualTo(201);
      assertThat(retry.status()).isEqualTo(201);
      assertThat(retry.headers().firstValue("Idempotent-Replayed")).hasValue("true");
      assertThat(retry.json().encode()).isEqualTo(first.json().encode());
      assertThat(retry.text()).doesNotContain("ghp_secret_value_42");
      assertThat(api.count("SELECT count(*) FROM credentials")).isEqualTo(1);
      assertThat(
              api.count(
                  "SELECT count(*) FROM request_idempotency_keys"
                      + " WHERE response::text LIKE '%ghp_secret%'"))
          .isZero();
      var otherName =
          api.call(
              "POST", "/api/credentials", token, "{\"name\":\"other\",\"value\":\"v\"}", KEY_A);
      assertThat(otherName.status()).isEqualTo(422);
    }
  }

  @Test
  void aRetriedScheduleCreateNeverMakesASecondSchedule() throws Exception {
    try (GatewayFixture api = new GatewayFixture()) {
      String token = api.bootstrap();
      String agent = api.createAgent(token, "hourly");
      String path = "/api/agents/" + agent + "/schedules";
      String body = "{\"every_seconds\":3600,\"note\":\"check\"}";
      var first = api.call("POST", path, token, body, KEY_A);
      var retry = api.call("POST", path, token, body, KEY_A);
      assertThat(first.status()).isEqualTo(201);
      assertThat(retry.status()).isEqualTo(201);
      assertThat(retry.headers().firstValue("Idempotent-Replayed")).hasValue("true");
      assertThat(retry.json().getString("id")).isEqualTo(first.json().getString("id"));
      assertThat(schedules(api, agent)).isEqualTo(1);
      assertThat(
              api.call("POST", path, token, "{\"every_seconds\":60,\"note\":\"check\"}", KEY_A)
                  .status())
          .isEqualTo(422);
      assertThat(api.call("POST", path, token, body).status()).as("no key").isEqualTo(201);
      assertThat(schedules(api, agent)).isEqualTo(2);

      // The same key for the same schedule on another agent is another request.
      String other = api.createAgent(token, "other");
      assertThat(api.call("POST", "/api/agents/" + other + "/schedules", token, body, KEY_A))
          .satisfies(r -> assertThat(r.status()).isEqualTo(201))
          .satisfies(r -> assertThat(r.headers().firstValue("Idempotent-Replayed")).isEmpty());

      // A refused create (deleted agent) answers its error and keeps no key.
      assertThat(api.call("DELETE", "/api/agents/" + other, token, null).status()).isEqualTo(204);
      var deleted =
          api.call("POST", "/api/agents/" + other + "/schedules", token, body, key("late"));
      assertThat(deleted.status()).isEqualTo(409);
      assertThat(deleted.errorCode()).isEqualTo("agent_deleted");
      assertThat(api.count("SELECT count(*) FROM request_idempotency_keys WHERE key = 'late'"))
          .isZero();
    }
  }

  @RepeatedTest(3)
  void concurrentRetriesOfOneKeyedCreateMakeOneAgentAndOneSchedule() throws Exception {
    try (GatewayFixture api = new GatewayFixture();
        var pool = Executors.newFixedThreadPool(16)) {
      String token = api.bootstrap();
      List<Callable<GatewayFixture.Response>> calls = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        calls.add(() -> api.call("POST", "/api/agents", token, "{\"name\":\"raced\"}", KEY_A));
      }
      List<String> ids = new ArrayList<>();
      List<String> secrets = new ArrayList<>();
      for (Future<GatewayFixture.Response> f : pool.invokeAll(calls)) {
        assertThat(f.get().status()).as(f.get().text()).isEqualTo(201);
        ids.add(f.get().json().getString("id"));
        secrets.add(f.get().json().getString("webhook_secret"));
      }
      assertThat(ids).containsOnly(ids.getFirst());
      assertThat(secrets).containsOnly(secrets.getFirst());
      assertThat(api.count("SELECT count(*) FROM agents")).isEqualTo(1);

      String path = "/api/agents/" + ids.getFirst() + "/schedules";
      calls.clear();
      for (int i = 0; i < 16; i++) {
        calls.add(() -> api.call("POST", path, token, "{\"every_seconds\":60}", KEY_A));
      }
      List<String> scheduleIds = new ArrayList<>();
      for (Future<GatewayFixture.Response> f : pool.invokeAll(calls)) {
        assertThat(f.get().status()).as(f.get().text()).isEqualTo(201);
        scheduleIds.add(f.get().json().getString("id"));
      }
      assertThat(scheduleIds).containsOnly(scheduleIds.getFirst());
      assertThat(schedules(api, ids.getFirst())).isEqualTo(1);
    }
  }

  private static Map<String, String> key(String key) {
    return Map.of("Idempotency-Key", key);
  }

  private static long schedules(GatewayFixture api, String agent) throws Exception {
    return api.count(
        "SELECT count(*) FROM schedules WHERE deleted_at IS NULL AND agent_id = '" + agent + "'");
  }
}
