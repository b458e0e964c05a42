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
}
