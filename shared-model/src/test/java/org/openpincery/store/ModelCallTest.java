package org.openpincery.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.openpincery.store.StoreFixture.LEASE;
import static org.openpincery.store.StoreFixture.await;

import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.openpincery.store.ModelCallRepository.ModelCall;
import org.openpincery.store.ModelCallRepository.RecordResult;

class ModelCallTest {

  private static final StoreFixture db = new StoreFixture(4);

  @AfterAll
  static void close() {
    db.close();
  }

  private static ModelCall call(String cost) {
    return new ModelCall(
        "wake",
        "test-model",
        new JsonObject().put("messages", "..."),
        new JsonObject().put("choices", "..."),
        "answered",
        200,
        1200,
        80,
        new BigDecimal(cost),
        420);
  }

  @Test
  void aCallIsStoredAndItsCostSettledWhileTheWakeOwnsTheAgent() throws Exception {
    UUID agent = db.newAgent("caller");
    var claimed = (ClaimResult.Claimed) await(db.store.lifecycle().claim(agent, "w", LEASE));

    var first = await(db.store.modelCalls().record(agent, claimed.wakeId(), call("0.001250")));
    var second = await(db.store.modelCalls().record(agent, claimed.wakeId(), call("0.000750")));

    assertThat(first).isInstanceOf(RecordResult.Recorded.class);
    assertThat(second).isInstanceOf(RecordResult.Recorded.class);
    assertThat(
            db.count(
                "SELECT count(*) FROM model_calls WHERE agent_id = '"
                    + agent
                    + "' AND outcome = 'answered' AND input_tokens = 1200"))
        .isEqualTo(2);
    assertThat(
            db.count(
                "SELECT (budget_spent_usd * 1000000)::bigint FROM agents WHERE id = '"
                    + agent
                    + "'"))
        .isEqualTo(2_000);
  }

  @Test
  void aReapedWakeCanNeitherRecordNorSpend() throws Exception {
    UUID agent = db.newAgent("reaped-caller");
    var claimed =
        (ClaimResult.Claimed) await(db.store.lifecycle().claim(agent, "w", Duration.ZERO));
    await(db.store.lifecycle().reapExpired(100));

    var result = await(db.store.modelCalls().record(agent, claimed.wakeId(), call("0.5")));

    assertThat(result).isInstanceOf(RecordResult.LeaseLost.class);
    assertThat(db.count("SELECT count(*) FROM model_calls WHERE agent_id = '" + agent + "'"))
        .isZero();
    assertThat(
            db.count(
                "SELECT (budget_spent_usd * 1000000)::bigint FROM agents WHERE id = '"
                    + agent
                    + "'"))
        .isZero();
  }

  @Test
  void aWakesToolSpecsAreStoredOnceAndReadBackWithEachCall() throws Exception {
    UUID agent = db.newAgent("tool-caller");
    var claimed = (ClaimResult.Claimed) await(db.store.lifecycle().claim(agent, "w", LEASE));
    io.vertx.core.json.JsonArray tools =
        new io.vertx.core.json.JsonArray()
            .add(
                new JsonObject()
                    .put("type", "function")
                    .put(
                        "function",
                        new JsonObject()
                            .put("name", "sleep")
                            .put("parameters", new JsonObject().put("type", "object"))));
    long setsBefore = db.count("SELECT count(*) FROM model_call_tool_sets");
    java.util.List<UUID> ids = new java.util.ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      JsonObject request =
          new JsonObject()
              .put("model", "test-model")
              .put(
                  "messages",
                  new io.vertx.core.json.JsonArray()
                      .add(new JsonObject().put("role", "user").put("content", "turn " + i)))
              .put("tools", tools);
      ModelCall call =
          new ModelCall(
              "wake",
              "test-model",
              request,
              new JsonObject().put("choices", "..."),
              "ok",
              200,
              10,
              5,
              new BigDecimal("0.000001"),
              3);
      await(
          db.store
              .wakes()
              .step(
                  new WakeRepository.Step(
                      agent, claimed.wakeId(), LEASE, call, java.util.List.of(), null, 0, LEASE)));
      ids.add(await(db.store.modelCalls().page(agent, null, 1)).getFirst().id());
    }

    assertThat(db.count("SELECT count(*) FROM model_call_tool_sets") - setsBefore).isEqualTo(1);
    assertThat(
            db.count(
                "SELECT count(*) FROM model_calls WHERE agent_id = '"
                    + agent
                    + "' AND tools_digest IS NOT NULL AND NOT request ? 'tools'"))
        .isEqualTo(3);
    for (int i = 0; i < 3; i++) {
      JsonObject read = await(db.store.modelCalls().get(agent, ids.get(i))).orElseThrow().request();
      assertThat(read.getJsonArray("tools")).isEqualTo(tools);
      assertThat(read.getJsonArray("messages").getJsonObject(0).getString("content"))
          .isEqualTo("turn " + (i + 1));
    }
  }
}
