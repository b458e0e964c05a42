package org.openpincery.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openpincery.config.DatabaseConfig;
import org.openpincery.db.DatabaseUrl;
import org.openpincery.store.MemoryHit;
import org.openpincery.store.MemoryQuery;
import org.openpincery.store.Store;
import org.openpincery.testkit.TestPostgres;

/**
 * The memory bench's fill on a real database: every event lands in order through the product's
 * append function, the memory trigger indexes the indexed types, and each planted fact is at the
 * seq the bench records as its answer (so recall@5 checks the right event).
 */
class MemoryFillTest {

  private final DatabaseUrl url = TestPostgres.freshDatabase();
  private final Vertx vertx = Vertx.vertx();
  private final Store store = Store.open(vertx, new DatabaseConfig(url, 4, "memory-fill-test"));

  @AfterEach
  void close() throws Exception {
    store.closeAsync().await(30, TimeUnit.SECONDS);
    vertx.close().await(30, TimeUnit.SECONDS);
  }

  @Test
  void appendsEveryEventAndRecordsTheSeqOfEachPlantedFact() throws Exception {
    MemoryCorpus corpus = new MemoryCorpus(16, 6, 1_800, 4);
    List<UUID> agents = MemoryBench.createAgents(store, corpus.agents());

    MemoryFill.Result result = MemoryFill.run(url, corpus, agents, 0, 6, 3, 20, new AtomicLong());

    assertThat(result.events()).isEqualTo(1_800);
    assertThat(MemoryBench.scalar(url, "SELECT count(*) FROM events")).isEqualTo(1_800);
    assertThat(MemoryBench.scalar(url, "SELECT count(*) FROM memory_entries"))
        .isEqualTo(
            MemoryBench.scalar(url, "SELECT count(*) FROM events WHERE event_type <> 'tool_call'"));
    try (Connection c = TestPostgres.connect(url);
        PreparedStatement st =
            c.prepareStatement(
                "SELECT event_type, coalesce(content, tool_output) FROM events"
                    + " WHERE agent_id = ? AND seq = ?")) {
      for (MemoryCorpus.Planted p : corpus.planted()) {
        if (!p.fact().isFact()) {
          continue;
        }
        Long seq = result.plantedSeqs().get(p.fact());
        assertThat(seq).isEqualTo(p.position() + 1L);
        st.setObject(1, agents.get(p.agent()));
        st.setLong(2, seq);
        try (ResultSet rs = st.executeQuery()) {
          assertThat(rs.next()).isTrue();
          MemoryCorpus.Draft d = p.fact().draft();
          assertThat(rs.getString(1)).isEqualTo(d.type());
          assertThat(rs.getString(2)).isEqualTo(d.content() != null ? d.content() : d.toolOutput());
        }
      }
    }
  }

  @Test
  void anIdentifierQuestionFindsItsPlantedFactByText() throws Exception {
    MemoryCorpus corpus = new MemoryCorpus(16, 4, 1_000, 2);
    List<UUID> agents = MemoryBench.createAgents(store, corpus.agents());
    MemoryFill.Result result = MemoryFill.run(url, corpus, agents, 0, 4, 2, 50, new AtomicLong());

    MemoryCorpus.Planted fact =
        corpus.planted().stream()
            .filter(p -> p.fact().isFact() && p.fact().id() == 0)
            .findFirst()
            .orElseThrow();
    MemoryFacts.Question question =
        fact.fact().questions().stream()
            .filter(q -> q.kind().equals(MemoryFacts.IDENTIFIER))
            .findFirst()
            .orElseThrow();
    List<MemoryHit> hits =
        store
            .memory()
            .searchText(
                agents.get(fact.agent()), new MemoryQuery(question.text(), null, Set.of(), 5))
            .await();

    assertThat(hits).extracting(MemoryHit::seq).contains(result.plantedSeqs().get(fact.fact()));
  }
}
