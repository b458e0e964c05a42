package org.openpincery.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The memory bench's corpus: the labelled set is sound, and the same seed gives the same log. */
class MemoryCorpusTest {

  private final MemoryCorpus corpus = new MemoryCorpus(16, 100, 20_000, 20);

  @Test
  void everyFactIsPlantedOnceWithTwoQuestionsAndTwoDecoysInItsAgent() {
    List<MemoryCorpus.Planted> facts =
        corpus.planted().stream().filter(p -> p.fact().isFact()).toList();
    assertThat(facts).hasSize(MemoryFacts.count());
    assertThat(corpus.planted()).hasSize(3 * MemoryFacts.count());
    for (MemoryCorpus.Planted fact : facts) {
      List<MemoryCorpus.Draft> history = corpus.history(fact.agent());
      assertThat(history.get(fact.position())).isEqualTo(fact.fact().draft());
      assertThat(fact.fact().questions()).hasSize(2);
      assertThat(
              corpus.planted().stream()
                  .filter(p -> p.agent() == fact.agent() && p.fact().id() == fact.fact().id())
                  .filter(p -> !p.fact().isFact()))
          .hasSize(2);
    }
  }

  @Test
  void anIdentifierQuestionNamesOnlyItsFactInTheAgentsHistory() {
    int identifiers = 0;
    for (MemoryCorpus.Planted p : corpus.planted()) {
      for (MemoryFacts.Question q : p.fact().questions()) {
        if (!q.kind().equals(MemoryFacts.IDENTIFIER)) {
          continue;
        }
        identifiers++;
        // The identifier itself, without the words a question wraps some of them in.
        String id = q.text().replace("SSH port ", "").replace(" notAfter", "");
        List<MemoryCorpus.Draft> history = corpus.history(p.agent());
        List<Integer> holding =
            java.util.stream.IntStream.range(0, history.size())
                .filter(i -> text(history.get(i)).contains(id))
                .boxed()
                .toList();
        assertThat(holding).as(q.text()).containsExactly(p.position());
      }
    }
    assertThat(identifiers).isGreaterThanOrEqualTo(20);
  }

  @Test
  void theLogHasTheEventsAskedForInARealisticMixAndIsDeterministic() {
    long total = 0;
    Map<String, Integer> types = new HashMap<>();
    for (int agent = 0; agent < corpus.agents(); agent++) {
      List<MemoryCorpus.Draft> history = corpus.history(agent);
      assertThat(history).hasSize(corpus.eventsOf(agent));
      total += history.size();
      history.forEach(d -> types.merge(d.type(), 1, Integer::sum));
      for (int i = 0; i < history.size(); i++) {
        if (history.get(i).type().equals("tool_call")) {
          assertThat(history.get(i + 1).type()).isEqualTo("tool_result");
        }
      }
    }
    assertThat(total).isEqualTo(20_000);
    assertThat(types.keySet())
        .contains(
            "message_received",
            "webhook_received",
            "tool_call",
            "tool_result",
            "assistant_message",
            "message_sent",
            "maintenance_completed",
            "timer_fired",
            "memory_remembered");
    assertThat(types.get("tool_call")).isLessThan((int) (total / 5));
    assertThat(new MemoryCorpus(16, 100, 20_000, 20).history(7)).isEqualTo(corpus.history(7));
  }

  private static String text(MemoryCorpus.Draft d) {
    return String.valueOf(d.content()) + " " + d.toolOutput() + " " + d.toolInput();
  }
}
