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
import org.openpincery.store.ClaimResult;
import org.openpincery.store.ModelCallRepository.ModelCall;

/** GET /api/agents/:id/model-calls over real HTTP and PostgreSQL. */
class ModelCallsApiTest {

  private static ModelCall call(int i, boolean estimated) {
    return new ModelCall(
        "wake",
        "scripted",
        new JsonObject().put("messages", new JsonArray().add("secret prompt " + i)),
        new JsonObject().put("choices", new JsonArray()),
        "ok",
        200,
        100 + i,
        10 + i,
        new BigDecimal("0.001250"),
        40 + i,
        estimated);
  }

  @Test
  void listsAnAgentsCallsNewestFirstInPagesWithTheirCostAndWhetherItIsEstimated() {
    try (GatewayFixture api = new GatewayFixture()) {
      String token = api.bootstrap();
      UUID agent = UUID.fromString(api.createAgent(token, "spender"));
      var claimed =
          (ClaimResult.Claimed)
              api.store.lifecycle().claim(agent, "test", Duration.ofMinutes(1)).await();
      for (int i = 0; i < 5; i++) {
        api.store.modelCalls().record(agent, claimed.wakeId(), call(i, i % 2 == 0)).await();
      }

      List<JsonObject> seen = new ArrayList<>();
      String before = null;
      int pages = 0;
      do {
        var r =
            api.call(
                "GET",
                "/api/agents/"
                    + agent
                    + "/model-calls?limit=2"
                    + (before == null ? "" : "&before=" + before),
                token,
                null);
        assertThat(r.status()).isEqualTo(200);
        JsonArray page = r.json().getJsonArray("model_calls");
        page.forEach(o -> seen.add((JsonObject) o));
        before = r.json().getString("next_before");
        pages++;
      } while (before != null && pages < 10);

      assertThat(seen)
          .extracting(c -> c.getInteger("input_tokens"))
          .containsExactly(104, 103, 102, 101, 100);
      JsonObject newest = seen.getFirst();
      assertThat(newest.fieldNames())
          .containsExactlyInAnyOrder(
              "id",
              "wake_id",
              "purpose",
              "model",
              "outcome",
              "http_status",
              "input_tokens",
              "output_tokens",
              "cost_usd",
              "estimated",
              "latency_ms",
              "created_at");
      assertThat(newest.getString("wake_id")).isEqualTo(claimed.wakeId().toString());
      assertThat(newest.getString("cost_usd")).isEqualTo("0.00125");
      assertThat(newest.getBoolean("estimated")).isTrue();
      assertThat(seen.get(1).getBoolean("estimated")).isFalse();
      assertThat(newest.getInteger("output_tokens")).isEqualTo(14);
      assertThat(newest.getInteger("latency_ms")).isEqualTo(44);
      assertThat(newest.getInteger("http_status")).isEqualTo(200);
      assertThat(seen.toString()).doesNotContain("secret prompt");
    }
  }

  @Test
  void badCursorsAndLimitsAre400AndOtherAgentsAre404() {
    try (GatewayFixture api = new GatewayFixture()) {
      String token = api.bootstrap();
      String agent = api.createAgent(token, "quiet");
      String path = "/api/agents/" + agent + "/model-calls";

      var empty = api.call("GET", path, token, null);
      assertThat(empty.status()).isEqualTo(200);
      assertThat(empty.json().getJsonArray("model_calls")).isEmpty();
      assertThat(empty.json().containsKey("next_before")).isTrue();
      assertThat(empty.json().getString("next_before")).isNull();

      assertThat(api.call("GET", path + "?before=yesterday", token, null).errorCode())
          .isEqualTo("invalid_request");
      assertThat(api.call("GET", path + "?limit=0", token, null).errorCode())
          .isEqualTo("invalid_request");
      assertThat(api.call("GET", path + "?limit=501", token, null).status()).isEqualTo(400);
      var unknownCursor = api.call("GET", path + "?before=" + UUID.randomUUID(), token, null);
      assertThat(unknownCursor.status()).isEqualTo(200);
      assertThat(unknownCursor.json().getJsonArray("model_calls")).isEmpty();
      assertThat(
              api.call("GET", "/api/agents/" + UUID.randomUUID() + "/model-calls", token, null)
                  .status())
          .isEqualTo(404);
      assertThat(api.call("GET", path, null, null).status()).isEqualTo(401);
    }
  }
}
