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

/** Idempotency-Key on messages: a retried request never becomes a second message. */
class IdempotencyKeyTest {

  private static final String MESSAGE = "{\"content\":\"deploy once\"}";

  @Test
  void aRetryWithTheSameKeyGetsTheFirstAnswerAndWritesNothingMore() throws Exception {
    try (GatewayFixture api = new GatewayFixture()) {
      String token = api.bootstrap();
      String agent = api.createAgent(token, "careful");
      String path = "/api/agents/" + agent + "/messages";
      var first = api.call("POST", path, token, MESSAGE, Map.of("Idempotency-Key", "k-1"));
      var retry = api.call("POST", path, token, MESSAGE, Map.of("Idempotency-Key", "k-1"));
      assertThat(first.status()).isEqualTo(202);
      assertThat(first.headers().firstValue("Idempotent-Replayed")).isEmpty();
      assertThat(retry.status()).isEqualTo(202);
      assertThat(retry.headers().firstValue("Idempotent-Replayed")).hasValue("true");
      assertThat(retry.json().getString("event_id")).isEqualTo(first.json().getString("event_id"));
      assertThat(retry.json().getLong("seq")).isEqualTo(first.json().getLong("seq"));
      assertThat(messages(api, agent)).isEqualTo(1);

      var other = api.call("POST", path, token, MESSAGE, Map.of("Idempotency-Key", "k-2"));
      assertThat(other.status()).isEqualTo(202);
      assertThat(other.json().getLong("seq")).isGreaterThan(first.json().getLong("seq"));
      assertThat(api.call("POST", path, token, MESSAGE).status()).as("no key").isEqualTo(202);
      assertThat(messages(api, agent)).isEqualTo(3);
    }
  }

  @Test
  void theSameKeyForADifferentRequestIsRefusedAndMalformedKeysAre400() throws Exception {
    try (GatewayFixture api = new GatewayFixture()) {
      String token = api.bootstrap();
      String agent = api.createAgent(token, "strict");
      String path = "/api/agents/" + agent + "/messages";
      assertThat(api.call("POST", path, token, MESSAGE, Map.of("Idempotency-Key", "k")).status())
          .isEqualTo(202);
      var reused =
          api.call(
              "POST",
              path,
              token,
              "{\"content\":\"something else\"}",
              Map.of("Idempotency-Key", "k"));
      assertThat(reused.status()).isEqualTo(422);
      assertThat(reused.errorCode()).isEqualTo("idempotency_key_reused");
      for (String bad : new String[] {"", "x".repeat(256), "tab\there"}) {
        var r = api.call("POST", path, token, MESSAGE, Map.of("Idempotency-Key", bad));
        assertThat(r.status()).as("key '%s'", bad).isEqualTo(400);
        assertThat(r.errorCode()).isEqualTo("invalid_idempotency_key");
      }
      // Keys are per agent: the same key to another agent is another request.
      String second = api.createAgent(token, "second");
      assertThat(
              api.call(
                      "POST",
                      "/api/agents/" + second + "/messages",
                      token,
                      MESSAGE,
                      Map.of("Idempotency-Key", "k"))
                  .status())
          .isEqualTo(202);
      assertThat(messages(api, agent)).isEqualTo(1);
    }
  }

  @RepeatedTest(3)
  void concurrentRetriesWithOneKeyWriteOneMessage() throws Exception {
    try (GatewayFixture api = new GatewayFixture();
        var pool = Executors.newFixedThreadPool(16)) {
      String token = api.bootstrap();
      String agent = api.createAgent(token, "raced");
      String path = "/api/agents/" + agent + "/messages";
      List<Callable<GatewayFixture.Response>> calls = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        calls.add(() -> api.call("POST", path, token, MESSAGE, Map.of("Idempotency-Key", "same")));
      }
      List<String> ids = new ArrayList<>();
      for (Future<GatewayFixture.Response> f : pool.invokeAll(calls)) {
        assertThat(f.get().status()).as(f.get().text()).isEqualTo(202);
        ids.add(f.get().json().getString("event_id"));
      }
      assertThat(ids).containsOnly(ids.getFirst());
      assertThat(messages(api, agent)).isEqualTo(1);
    }
  }

  private static long messages(GatewayFixture api, String agent) throws Exception {
    return api.count(
        "SELECT count(*) FROM events WHERE event_type = 'message_received' AND agent_id = '"
            + agent
            + "'");
  }
}
