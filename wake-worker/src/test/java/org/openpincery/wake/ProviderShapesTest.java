package org.openpincery.wake;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.openpincery.model.StoredEvent;
import org.openpincery.reasoner.Pricing;
import org.openpincery.reasoner.Usage;
import org.openpincery.store.ModelCallRepository.CallSummary;
import org.openpincery.testkit.ScriptedModelServer.Shape;
import org.openpincery.testkit.ScriptedModelServer.Shaped;
import org.openpincery.testkit.ScriptedModelServer.Text;
import org.openpincery.testkit.ScriptedModelServer.ToolCalls;

/**
 * Every shape an OpenAI-compatible provider answers in, through the real wake loop: the tool runs
 * with the arguments meant, the wake ends as it should, and every call is stored with tokens and a
 * cost that the agent's budget paid, estimated where the provider reported no usage.
 */
class ProviderShapesTest {

  private static final Map<String, String> PRICES =
      Map.of("LLM_INPUT_PRICE_PER_MTOK_USD", "2", "LLM_OUTPUT_PRICE_PER_MTOK_USD", "8");
  private static final Pricing PRICING = new Pricing(new BigDecimal("2"), new BigDecimal("8"));

  static boolean estimated(Shape shape) {
    return switch (shape) {
      case NO_USAGE, NULL_USAGE, TOTAL_ONLY_USAGE, ZERO_USAGE -> true;
      default -> false;
    };
  }

  private static List<CallSummary> calls(EngineFixture f, UUID agent) {
    return f.store.modelCalls().page(agent, null, 100).await();
  }

  @Test
  void everyProviderShapeRunsTheWakeAndEveryCallIsPaid() {
    try (EngineFixture f = new EngineFixture(PRICES)) {
      for (Shape shape : Shape.values()) {
        UUID agent = f.agent("shape-" + shape.name().toLowerCase().replace('_', '-'));
        // Null arguments only make sense for a tool that takes none.
        boolean noArguments = shape == Shape.NULL_ARGUMENTS;
        String[] call =
            noArguments
                ? new String[] {"list_timers", "{}"}
                : new String[] {"set_timer", "{\"in_seconds\":3600,\"note\":\"water the plants\"}"};
        f.model
            .then(new Shaped(shape, new ToolCalls(List.<String[]>of(call), 100, 20)))
            .then(new Shaped(shape, new Text("The timer is set, see you then.", "stop", 120, 9)));
        f.message(agent, "remind me in an hour");

        assertThat(f.awaitWakeEnd(agent, 1)).as("%s", shape).isEqualTo("completed");
        StoredEvent toolCall = f.events(agent, "tool_call").getFirst();
        assertThat(toolCall.payload().getString("call_id")).as("%s", shape).isEqualTo("call_0");
        assertThat(toolCall.payload().containsKey("raw_arguments")).as("%s", shape).isFalse();
        assertThat(f.events(agent, "tool_result").getFirst().payload().getBoolean("ok"))
            .as("%s", shape)
            .isTrue();
        if (!noArguments) {
          assertThat(toolCall.toolInput())
              .as("%s", shape)
              .isEqualTo(
                  new io.vertx.core.json.JsonObject()
                      .put("in_seconds", 3600)
                      .put("note", "water the plants"));
          assertThat(f.store.timers().pending(agent).await())
              .singleElement()
              .satisfies(t -> assertThat(t.note()).isEqualTo("water the plants"));
        }
        assertThat(f.events(agent, "assistant_message").getLast().content())
            .as("%s", shape)
            .isEqualTo("The timer is set, see you then.");

        List<CallSummary> calls = calls(f, agent);
        assertThat(calls).as("%s", shape).hasSize(2);
        BigDecimal sum = BigDecimal.ZERO;
        for (CallSummary c : calls) {
          assertThat(c.outcome()).isEqualTo("ok");
          assertThat(c.estimated()).as("%s", shape).isEqualTo(estimated(shape));
          assertThat(c.inputTokens()).as("%s", shape).isPositive();
          assertThat(c.outputTokens()).as("%s", shape).isPositive();
          assertThat(c.costUsd())
              .as("%s", shape)
              .isPositive()
              .isEqualByComparingTo(PRICING.cost(new Usage(c.inputTokens(), c.outputTokens())));
          if (!estimated(shape)) {
            assertThat(c.inputTokens()).as("%s", shape).isIn(100, 120);
          }
          sum = sum.add(c.costUsd());
        }
        var view = f.store.agents().get(f.workspace, agent).await().orElseThrow();
        assertThat(view.budgetSpentUsd()).as("%s", shape).isEqualByComparingTo(sum);
        // The second request answered the call under the id the first answer was given.
        String second = f.model.requests().getLast().getJsonArray("messages").encode();
        assertThat(second).contains("\"tool_call_id\":\"call_0\"");
      }
    }
  }

  @Test
  void anAgentWithASmallBudgetOnAProviderThatReportsNoUsageStopsAtItsBudget() {
    Map<String, String> dear =
        Map.of("LLM_INPUT_PRICE_PER_MTOK_USD", "1000", "LLM_OUTPUT_PRICE_PER_MTOK_USD", "1000");
    try (EngineFixture f = new EngineFixture(dear)) {
      UUID agent = f.agent("thrifty", new BigDecimal("12"));
      for (int i = 0; i < 30; i++) {
        f.model.then(
            new Shaped(
                Shape.NO_USAGE,
                new ToolCalls(List.<String[]>of(new String[] {"list_timers", "{}"}), 0, 0)));
      }
      f.message(agent, "keep checking");

      assertThat(f.awaitWakeEnd(agent, 1)).isEqualTo("budget_exhausted");
      var view = f.store.agents().get(f.workspace, agent).await().orElseThrow();
      List<CallSummary> calls = calls(f, agent);
      assertThat(calls).hasSizeBetween(1, 10);
      assertThat(calls).allSatisfy(c -> assertThat(c.estimated()).isTrue());
      assertThat(view.budgetSpentUsd())
          .isPositive()
          .isLessThanOrEqualTo(view.budgetLimitUsd())
          .isEqualByComparingTo(
              calls.stream().map(CallSummary::costUsd).reduce(BigDecimal.ZERO, BigDecimal::add));
      assertThat(f.model.requests()).hasSize(calls.size());
    }
  }

  @Test
  void repeatedTruncatedAnswersEndTheWakeAfterTheCapAndEachIsPaid() {
    try (EngineFixture f = new EngineFixture(PRICES)) {
      record Case(String finish, Shape shape) {}
      for (Case c :
          List.of(
              new Case("length", Shape.OPENAI),
              new Case("content_filter", Shape.NO_USAGE),
              new Case("error", Shape.NULL_USAGE))) {
        UUID agent = f.agent("cut-" + c.finish().replace('_', '-'));
        String ask = "tell me everything (" + c.finish() + ")";
        for (int i = 0; i < 5; i++) {
          f.model.then(ask, new Shaped(c.shape(), new Text("part " + i, c.finish(), 100, 50)));
        }
        int before = f.model.requests().size();
        f.message(agent, ask);

        assertThat(f.awaitWakeEnd(agent, 1)).as(c.finish()).isEqualTo("truncated_answer_cap");
        assertThat(f.model.requests().size() - before).as(c.finish()).isEqualTo(2);
        assertThat(f.events(agent, "assistant_message")).hasSize(2);
        List<CallSummary> calls = calls(f, agent);
        assertThat(calls).hasSize(2);
        assertThat(calls).allSatisfy(call -> assertThat(call.costUsd()).isPositive());
        assertThat(calls)
            .allSatisfy(call -> assertThat(call.estimated()).isEqualTo(estimated(c.shape())));
        var view = f.store.agents().get(f.workspace, agent).await().orElseThrow();
        assertThat(view.budgetSpentUsd())
            .isEqualByComparingTo(calls.get(0).costUsd().add(calls.get(1).costUsd()));
        // The input was shown: it is consumed, so the wake is not retried for ever.
        var state = f.state(agent);
        assertThat(state.consumedSeq()).isEqualTo(state.inboxSeq());
      }
      assertThat(
              f.registry.counter("pincery_wakes_ended", "reason", "truncated_answer_cap").count())
          .isEqualTo(3.0);
    }
  }

  @Test
  void theTruncatedAnswerCapIsConfigurable() {
    try (EngineFixture f = new EngineFixture(Map.of("TRUNCATED_ANSWER_CAP", "1"))) {
      UUID agent = f.agent("impatient");
      f.model.then(new Text("cut", "length", 10, 10)).then(new Text("never", "stop", 10, 10));
      f.message(agent, "go");
      assertThat(f.awaitWakeEnd(agent, 1)).isEqualTo("truncated_answer_cap");
      assertThat(f.model.requests()).hasSize(1);
    }
  }
}
