package org.openpincery.maintenance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openpincery.model.AgentStatus;
import org.openpincery.reasoner.Pricing;
import org.openpincery.reasoner.Usage;
import org.openpincery.store.ModelCallRepository.CallSummary;
import org.openpincery.store.Store;
import org.openpincery.testkit.ScriptedModelServer;
import org.openpincery.testkit.ScriptedModelServer.Shape;
import org.openpincery.testkit.ScriptedModelServer.Shaped;
import org.openpincery.testkit.ScriptedModelServer.Text;

/**
 * Every provider answer shape through a real maintenance pass: the projection is written from the
 * answer, and the call is stored with tokens and a cost the agent's budget paid, estimated where
 * the provider reported no usage.
 */
class MaintenanceProviderShapesTest {

  private static final Pricing PRICING = new Pricing(new BigDecimal("2"), new BigDecimal("8"));

  private final MaintenanceFixture f =
      new MaintenanceFixture(
          Map.of("LLM_INPUT_PRICE_PER_MTOK_USD", "2", "LLM_OUTPUT_PRICE_PER_MTOK_USD", "8"));
  private final ScriptedModelServer model = f.model;
  private final Store store = f.store;

  @AfterEach
  void close() {
    f.close();
  }

  private static boolean estimated(Shape shape) {
    return switch (shape) {
      case NO_USAGE, NULL_USAGE, TOTAL_ONLY_USAGE, ZERO_USAGE -> true;
      default -> false;
    };
  }

  /** An agent whose wake just ended: it is in maintenance; its transcript holds its name. */
  private UUID agentInMaintenance(String name) {
    return f.agentInMaintenance(name, "water the plants, " + name);
  }

  @Test
  void everyProviderShapeWritesTheProjectionAndEveryCallIsPaid() {
    for (Shape shape : Shape.values()) {
      String name = "m-" + shape.name().toLowerCase().replace('_', '-');
      model.then(
          name,
          new Shaped(
              shape,
              new Text(
                  "{\"identity\": \"I am "
                      + name
                      + ".\", \"work_list\": \"- plants\", \"summary\": \"Watered.\"}",
                  "stop",
                  300,
                  25)));
      UUID agent = agentInMaintenance(name);
      await()
          .atMost(Duration.ofSeconds(20))
          .until(
              () ->
                  store.agents().find(agent).await().orElseThrow().status() == AgentStatus.ASLEEP);

      var projection = store.agents().latestProjection(agent).await().orElseThrow();
      assertThat(projection.identity()).as("%s", shape).isEqualTo("I am " + name + ".");
      List<CallSummary> calls = store.modelCalls().page(agent, null, 10).await();
      assertThat(calls).as("%s", shape).singleElement();
      CallSummary call = calls.getFirst();
      assertThat(call.purpose()).isEqualTo("maintenance");
      assertThat(call.outcome()).isEqualTo("ok");
      assertThat(call.estimated()).as("%s", shape).isEqualTo(estimated(shape));
      assertThat(call.inputTokens()).as("%s", shape).isPositive();
      assertThat(call.outputTokens()).as("%s", shape).isPositive();
      if (!estimated(shape)) {
        assertThat(call.inputTokens()).as("%s", shape).isEqualTo(300);
        assertThat(call.outputTokens()).as("%s", shape).isEqualTo(25);
      }
      assertThat(call.costUsd())
          .as("%s", shape)
          .isPositive()
          .isEqualByComparingTo(PRICING.cost(new Usage(call.inputTokens(), call.outputTokens())));
      assertThat(store.agents().get(f.workspace, agent).await().orElseThrow().budgetSpentUsd())
          .as("%s", shape)
          .isEqualByComparingTo(call.costUsd());
    }
  }

  @Test
  void aMalformedAnswerKeepsTheProjectionAndIsChargedAnEstimate() {
    model.then(
        "m-garbled", new ScriptedModelServer.Malformed("{\"choices\":[{\"message\":null}]}"));
    UUID agent = agentInMaintenance("m-garbled");
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () -> store.agents().find(agent).await().orElseThrow().status() == AgentStatus.ASLEEP);
    CallSummary call = store.modelCalls().page(agent, null, 10).await().getFirst();
    assertThat(call.outcome()).isEqualTo("malformed");
    assertThat(call.estimated()).isTrue();
    assertThat(call.costUsd()).isPositive();
    var last = store.events().pageAfter(agent, 0, 100).await().getLast();
    assertThat(last.eventType()).isEqualTo("maintenance_failed");
    assertThat(last.payload().getString("reason")).isEqualTo("llm_error: malformed");
  }
}
