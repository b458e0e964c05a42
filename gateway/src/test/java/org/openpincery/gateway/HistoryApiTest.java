package org.openpincery.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.openpincery.model.TerminationReason;
import org.openpincery.store.ClaimResult;
import org.openpincery.store.ModelCallRepository.ModelCall;

/**
 * The control plane's read routes over real HTTP and PostgreSQL: projection history, wakes, and one
 * model call with its prompt and answer.
 */
class HistoryApiTest {

  private static ModelCall call(String purpose, String prompt, String answer, String cost) {
    return new ModelCall(
        purpose,
        "scripted",
        new JsonObject()
            .put("model", "scripted")
            .put(
                "messages",
                new JsonArray().add(new JsonObject().put("role", "user").put("content", prompt))),
        new JsonObject()
            .put(
                "choices",
                new JsonArray()
                    .add(
                        new JsonObject()
                            .put("finish_reason", "stop")
                            .put(
                                "message",
                                new JsonObject().put("role", "assistant").put("content", answer)))),
        "ok",
        200,
        120,
        30,
        new BigDecimal(cost),
        75,
        false);
  }

  /** One whole wake: claimed, one model call, ended, maintained into projection version n. */
  private static UUID wake(GatewayFixture api, UUID agent, int n, String cost) {
    var claimed =
        (ClaimResult.Claimed)
            api.store.lifecycle().claim(agent, "test", Duration.ofMinutes(1)).await();
    api.store
        .modelCalls()
        .record(agent, claimed.wakeId(), call("wake", "question " + n, "answer " + n, cost))
        .await();
    api.store
        .lifecycle()
        .endWake(agent, claimed.wakeId(), 0, TerminationReason.COMPLETED, Duration.ofMinutes(1))
        .await();
    api.store
        .lifecycle()
        .finishMaintenance(
            agent,
            claimed.wakeId(),
            "identity " + n,
            "- task a\n- task " + n,
            "summary " + n,
            false,
            new JsonObject())
        .await();
    return claimed.wakeId();
  }

  @Test
  void projectionsAreListedNewestFirstInPagesWithEveryVersionsText() {
    try (GatewayFixture api = new GatewayFixture()) {
      String token = api.bootstrap();
      UUID agent = UUID.fromString(api.createAgent(token, "remembers"));
      List<UUID> wakes = new ArrayList<>();
      for (int i = 1; i <= 3; i++) {
        wakes.add(wake(api, agent, i, "0.001"));
      }
      String path = "/api/agents/" + agent + "/projections";

      var first = api.call("GET", path + "?limit=2", token, null);
      assertThat(first.status()).isEqualTo(200);
      JsonArray page = first.json().getJsonArray("projections");
      assertThat(page).hasSize(2);
      JsonObject newest = page.getJsonObject(0);
      assertThat(newest.fieldNames())
          .containsExactlyInAnyOrder(
              "version", "wake_id", "identity", "work_list", "summary", "created_at");
      assertThat(newest.getInteger("version")).isEqualTo(3);
      assertThat(newest.getString("identity")).isEqualTo("identity 3");
      assertThat(newest.getString("work_list")).isEqualTo("- task a\n- task 3");
      assertThat(newest.getString("summary")).isEqualTo("summary 3");
      assertThat(newest.getString("wake_id")).isEqualTo(wakes.get(2).toString());
      assertThat(first.json().getInteger("next_before_version")).isEqualTo(2);

      var rest = api.call("GET", path + "?limit=2&before_version=2", token, null);
      assertThat(rest.json().getJsonArray("projections"))
          .extracting(o -> ((JsonObject) o).getInteger("version"))
          .containsExactly(1);
      assertThat(rest.json().getValue("next_before_version")).isNull();

      assertThat(api.call("GET", path + "?before_version=0", token, null).errorCode())
          .isEqualTo("invalid_request");
      assertThat(api.call("GET", path + "?limit=501", token, null).status()).isEqualTo(400);
      assertThat(
              api.call("GET", "/api/agents/" + UUID.randomUUID() + "/projections", token, null)
                  .status())
          .isEqualTo(404);
      assertThat(api.call("GET", path, null, null).status()).isEqualTo(401);
    }
  }

  @Test
  void wakesSayWhenEachRanHowLongHowItEndedAndWhatItCost() {
    try (GatewayFixture api = new GatewayFixture()) {
      String token = api.bootstrap();
      UUID agent = UUID.fromString(api.createAgent(token, "busy"));
      UUID firstWake = wake(api, agent, 1, "0.0015");
      UUID secondWake = wake(api, agent, 2, "0.002");
      var running =
          (ClaimResult.Claimed)
              api.store.lifecycle().claim(agent, "test", Duration.ofMinutes(1)).await();
      String path = "/api/agents/" + agent + "/wakes";

      var r = api.call("GET", path, token, null);
      assertThat(r.status()).isEqualTo(200);
      JsonArray wakes = r.json().getJsonArray("wakes");
      assertThat(wakes)
          .extracting(o -> ((JsonObject) o).getString("wake_id"))
          .containsExactly(
              running.wakeId().toString(), secondWake.toString(), firstWake.toString());
      JsonObject now = wakes.getJsonObject(0);
      assertThat(now.getValue("ended_at")).isNull();
      assertThat(now.getValue("duration_ms")).isNull();
      assertThat(now.getValue("termination_reason")).isNull();
      assertThat(now.getString("cost_usd")).isEqualTo("0");
      JsonObject done = wakes.getJsonObject(1);
      assertThat(done.fieldNames())
          .containsExactlyInAnyOrder(
              "wake_id",
              "start_seq",
              "started_at",
              "ended_at",
              "duration_ms",
              "end_event",
              "termination_reason",
              "cost_usd",
              "model_calls",
              "input_tokens",
              "output_tokens");
      assertThat(done.getString("end_event")).isEqualTo("wake_end");
      assertThat(done.getString("termination_reason")).isEqualTo("completed");
      assertThat(done.getString("cost_usd")).isEqualTo("0.002");
      assertThat(done.getLong("model_calls")).isEqualTo(1);
      assertThat(done.getLong("input_tokens")).isEqualTo(120);
      assertThat(done.getLong("duration_ms")).isNotNegative();
      assertThat(java.time.OffsetDateTime.parse(done.getString("ended_at")))
          .isAfterOrEqualTo(java.time.OffsetDateTime.parse(done.getString("started_at")));
      assertThat(r.json().getValue("next_before_seq")).isNull();

      var page = api.call("GET", path + "?limit=1", token, null).json();
      assertThat(page.getJsonArray("wakes")).hasSize(1);
      long cursor = page.getLong("next_before_seq");
      var next = api.call("GET", path + "?limit=2&before_seq=" + cursor, token, null).json();
      assertThat(next.getJsonArray("wakes"))
          .extracting(o -> ((JsonObject) o).getString("wake_id"))
          .containsExactly(secondWake.toString(), firstWake.toString());

      assertThat(api.call("GET", path + "?before_seq=-1", token, null).errorCode())
          .isEqualTo("invalid_request");
      assertThat(
              api.call("GET", "/api/agents/" + UUID.randomUUID() + "/wakes", token, null).status())
          .isEqualTo(404);
    }
  }

  @Test
  void aModelCallOpensWithItsPromptAnswerTokensCostAndLatencyAndListsFilterByWake() {
    try (GatewayFixture api = new GatewayFixture()) {
      String token = api.bootstrap();
      UUID agent = UUID.fromString(api.createAgent(token, "talker"));
      UUID first = wake(api, agent, 1, "0.00125");
      wake(api, agent, 2, "0.001");
      String base = "/api/agents/" + agent + "/model-calls";

      JsonArray ofFirst =
          api.call("GET", base + "?wake_id=" + first, token, null)
              .json()
              .getJsonArray("model_calls");
      assertThat(ofFirst).hasSize(1);
      String callId = ofFirst.getJsonObject(0).getString("id");
      assertThat(api.call("GET", base, token, null).json().getJsonArray("model_calls")).hasSize(2);

      var detail = api.call("GET", base + "/" + callId, token, null);
      assertThat(detail.status()).isEqualTo(200);
      JsonObject c = detail.json();
      assertThat(c.getString("wake_id")).isEqualTo(first.toString());
      assertThat(c.getInteger("input_tokens")).isEqualTo(120);
      assertThat(c.getInteger("output_tokens")).isEqualTo(30);
      assertThat(c.getString("cost_usd")).isEqualTo("0.00125");
      assertThat(c.getBoolean("estimated")).isFalse();
      assertThat(c.getInteger("latency_ms")).isEqualTo(75);
      assertThat(
              c.getJsonObject("request")
                  .getJsonArray("messages")
                  .getJsonObject(0)
                  .getString("content"))
          .isEqualTo("question 1");
      assertThat(
              c.getJsonObject("response")
                  .getJsonArray("choices")
                  .getJsonObject(0)
                  .getJsonObject("message")
                  .getString("content"))
          .isEqualTo("answer 1");

      assertThat(api.call("GET", base + "/" + UUID.randomUUID(), token, null).status())
          .isEqualTo(404);
      assertThat(api.call("GET", base + "/not-a-uuid", token, null).errorCode())
          .isEqualTo("invalid_request");
      assertThat(api.call("GET", base + "?wake_id=nope", token, null).status()).isEqualTo(400);
      // Another agent's call is not this agent's.
      String other = api.createAgent(token, "other");
      assertThat(
              api.call("GET", "/api/agents/" + other + "/model-calls/" + callId, token, null)
                  .status())
          .isEqualTo(404);
      assertThat(api.call("GET", base + "/" + callId, null, null).status()).isEqualTo(401);
    }
  }
}
