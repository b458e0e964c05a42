package org.openpincery.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.openpincery.store.ClaimResult;
import org.openpincery.store.WebhookRepository;

/**
 * The semantic stop (issue 17) over real HTTP and PostgreSQL: a person's message that says only
 * "stop" stops the agent (the V18 trigger, in the message's own transaction), input that arrives
 * meanwhile is recorded but wakes nothing, and "carry on" resumes it. The scheduler's timer firing
 * and the webhook store path are the real ones.
 */
class SemanticStopApiTest {

  @Test
  void stopInAnyOfItsFormsStopsTheAgentAndCarryOnResumesIt() {
    try (GatewayFixture api = new GatewayFixture()) {
      String token = api.bootstrap();
      UUID agent = UUID.fromString(api.createAgent(token, "obedient"));
      for (String stop : List.of("stop", "Stop!", "please stop", "  HALT.  ", "stop now")) {
        assertThat(message(api, token, agent, stop, null)).isEqualTo(202);
        JsonObject stopped = ApprovalsApiTest.agentJson(api, token, agent);
        assertThat(stopped.getBoolean("stopped")).as(stop).isTrue();
        assertThat(stopped.getBoolean("is_enabled")).isFalse();
        assertThat(stopped.getString("disabled_reason")).isEqualTo("stopped");
        JsonObject event = ApprovalsApiTest.lastEvent(api, token, agent, "message_received");
        assertThat(event.getString("content")).isEqualTo(stop);
        assertThat(event.getJsonObject("payload").getString("control")).isEqualTo("stop");

        assertThat(message(api, token, agent, "Carry on.", null)).isEqualTo(202);
        JsonObject resumed = ApprovalsApiTest.agentJson(api, token, agent);
        assertThat(resumed.getBoolean("stopped")).isFalse();
        assertThat(resumed.getBoolean("is_enabled")).isTrue();
        assertThat(resumed.getValue("disabled_reason")).isNull();
        assertThat(
                ApprovalsApiTest.lastEvent(api, token, agent, "message_received")
                    .getJsonObject("payload")
                    .getString("control"))
            .isEqualTo("carry_on");
      }
    }
  }

  @Test
  void inputWhileStoppedIsRecordedButWakesNothingUntilCarryOn() throws Exception {
    try (GatewayFixture api = new GatewayFixture()) {
      String token = api.bootstrap();
      UUID agent = UUID.fromString(api.createAgent(token, "resting"));
      assertThat(message(api, token, agent, "stop", null)).isEqualTo(202);

      // A webhook (the ingress's store path) and a timer the scheduler fires.
      var hook =
          api.store
              .webhooks()
              .receive(agent, "delivery-1", "ci", "build finished", new JsonObject())
              .await();
      assertThat(hook).isInstanceOf(WebhookRepository.Received.Accepted.class);
      var timer = api.call("POST", "/api/agents/" + agent + "/timers", token, "{\"in_seconds\":1}");
      assertThat(timer.status()).as(timer.text()).isEqualTo(201);
      await()
          .atMost(Duration.ofSeconds(15))
          .until(() -> !api.store.timers().fireDue(10).await().isEmpty());
      ApprovalsApiTest.lastEvent(api, token, agent, "webhook_received");
      ApprovalsApiTest.lastEvent(api, token, agent, "timer_fired");

      JsonObject stopped = ApprovalsApiTest.agentJson(api, token, agent);
      assertThat(stopped.getBoolean("pending_work")).isTrue();
      assertThat(stopped.getBoolean("stopped")).isTrue();
      assertThat(stopped.getString("status")).isEqualTo("asleep");
      // No worker may take it: neither the pending scan nor a direct claim.
      assertThat(api.store.lifecycle().findPending(100).await()).doesNotContain(agent);
      assertThat(api.store.lifecycle().claimPending("test", Duration.ofMinutes(1), 100).await())
          .noneMatch(c -> c.agentId().equals(agent));
      assertThat(api.store.lifecycle().claim(agent, "test", Duration.ofMinutes(1)).await())
          .isInstanceOf(ClaimResult.Disabled.class);
      // Another ordinary message neither resumes it.
      assertThat(message(api, token, agent, "what happened?", null)).isEqualTo(202);
      assertThat(ApprovalsApiTest.agentJson(api, token, agent).getBoolean("stopped")).isTrue();

      assertThat(message(api, token, agent, "carry on", null)).isEqualTo(202);
      JsonObject resumed = ApprovalsApiTest.agentJson(api, token, agent);
      assertThat(resumed.getBoolean("stopped")).isFalse();
      assertThat(resumed.getBoolean("pending_work")).isTrue();
      assertThat(api.store.lifecycle().findPending(100).await()).contains(agent);
    }
  }

  @Test
  void aSentenceThatMentionsStopIsAnOrdinaryMessage() {
    try (GatewayFixture api = new GatewayFixture()) {
      String token = api.bootstrap();
      UUID agent = UUID.fromString(api.createAgent(token, "builder"));
      for (String text : List.of("stop the build", "don't stop", "stop, then continue", "stop?")) {
        assertThat(message(api, token, agent, text, null)).isEqualTo(202);
        JsonObject shown = ApprovalsApiTest.agentJson(api, token, agent);
        assertThat(shown.getBoolean("stopped")).as(text).isFalse();
        assertThat(shown.getBoolean("is_enabled")).isTrue();
        assertThat(
                ApprovalsApiTest.lastEvent(api, token, agent, "message_received")
                    .getJsonObject("payload")
                    .containsKey("control"))
            .as(text)
            .isFalse();
      }
    }
  }

  @Test
  void carryOnNeverEnablesAnAgentAnOperatorDisabled() {
    try (GatewayFixture api = new GatewayFixture()) {
      String token = api.bootstrap();
      UUID agent = UUID.fromString(api.createAgent(token, "parked"));
      assertThat(
              api.call("PATCH", "/api/agents/" + agent, token, "{\"is_enabled\":false}").status())
          .isEqualTo(200);
      assertThat(message(api, token, agent, "carry on", null)).isEqualTo(202);
      JsonObject shown = ApprovalsApiTest.agentJson(api, token, agent);
      assertThat(shown.getBoolean("is_enabled")).isFalse();
      assertThat(shown.getString("disabled_reason")).isEqualTo("disabled_by_operator");
      assertThat(shown.getBoolean("stopped")).isFalse();

      // A stopped agent an operator then disables is the operator's to enable.
      UUID other = UUID.fromString(api.createAgent(token, "halted"));
      message(api, token, other, "stop", null);
      api.call("PATCH", "/api/agents/" + other, token, "{\"is_enabled\":false}");
      message(api, token, other, "carry on", null);
      JsonObject still = ApprovalsApiTest.agentJson(api, token, other);
      assertThat(still.getBoolean("is_enabled")).isFalse();
      assertThat(still.getString("disabled_reason")).isEqualTo("disabled_by_operator");
      // Enabling through the API resumes it.
      var enabled = api.call("PATCH", "/api/agents/" + other, token, "{\"is_enabled\":true}");
      assertThat(enabled.json().getBoolean("is_enabled")).isTrue();
      assertThat(enabled.json().getBoolean("stopped")).isFalse();
    }
  }

  @Test
  void aStopSentWithAnIdempotencyKeyStopsOnceAndItsRetryIsAReplay() {
    try (GatewayFixture api = new GatewayFixture()) {
      String token = api.bootstrap();
      UUID agent = UUID.fromString(api.createAgent(token, "keyed"));
      assertThat(message(api, token, agent, "Stop!", "stop-1")).isEqualTo(202);
      assertThat(ApprovalsApiTest.agentJson(api, token, agent).getBoolean("stopped")).isTrue();
      assertThat(
              ApprovalsApiTest.lastEvent(api, token, agent, "message_received")
                  .getJsonObject("payload")
                  .getString("control"))
          .isEqualTo("stop");
      assertThat(message(api, token, agent, "resume", "resume-1")).isEqualTo(202);
      assertThat(ApprovalsApiTest.agentJson(api, token, agent).getBoolean("stopped")).isFalse();
      // The retry of the first stop replays its answer and stops nothing again.
      var replay =
          api.call(
              "POST",
              "/api/agents/" + agent + "/messages",
              token,
              new JsonObject().put("content", "Stop!").encode(),
              Map.of("Idempotency-Key", "stop-1"));
      assertThat(replay.status()).isEqualTo(202);
      assertThat(replay.headers().firstValue("Idempotent-Replayed")).contains("true");
      assertThat(ApprovalsApiTest.agentJson(api, token, agent).getBoolean("stopped")).isFalse();
    }
  }

  private static int message(
      GatewayFixture api, String token, UUID agent, String content, String key) {
    var r =
        api.call(
            "POST",
            "/api/agents/" + agent + "/messages",
            token,
            new JsonObject().put("content", content).encode(),
            key == null ? Map.of() : Map.of("Idempotency-Key", key));
    return r.status();
  }
}
