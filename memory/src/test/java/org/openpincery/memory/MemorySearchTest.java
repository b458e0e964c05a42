package org.openpincery.memory;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openpincery.config.DatabaseConfig;
import org.openpincery.model.EventType;
import org.openpincery.model.NewEvent;
import org.openpincery.store.AppendResult;
import org.openpincery.store.MemoryHit;
import org.openpincery.store.MemoryQuery;
import org.openpincery.store.Store;
import org.openpincery.testkit.TestPostgres;

/**
 * Searching a real store with the real model: semantic search finds paraphrases text search cannot,
 * hybrid keeps both, and a search without the model degrades to text and says why.
 */
class MemorySearchTest {

  private static final Vertx vertx = Vertx.vertx();
  private static Store store;
  private static MiniLmEmbedder model;
  private static QueryEmbedder embedder;
  private static UUID agent;
  private static long invoice;
  private static long outage;
  private static long lunch;

  @BeforeAll
  static void corpus() {
    store = Store.open(vertx, new DatabaseConfig(TestPostgres.freshDatabase(), 4, "memory-search"));
    model = MiniLmEmbedder.load();
    embedder = QueryEmbedder.of(vertx, () -> model, 1);
    UUID workspace = await(store.agents().createWorkspace("memory"));
    agent = await(store.agents().createAgent(workspace, "keeper", "s", BigDecimal.TEN));
    invoice = append("Invoice INV-2024-0042 from Acme is overdue by three days");
    outage = append("The production database went down at night and the site was unreachable");
    lunch = append("Team lunch moved to the Italian place on Friday");
    append(EventType.ASSISTANT_MESSAGE, "I will remind Bob about his dentist appointment");
    while (await(
            store
                .memory()
                .embedPending(
                    16, model.model(), texts -> Future.succeededFuture(model.embedAll(texts))))
        > 0) {}
  }

  @AfterAll
  static void close() {
    embedder.close();
    await(store.closeAsync());
    await(vertx.close());
  }

  private static long append(String text) {
    return append(EventType.MESSAGE_RECEIVED, text);
  }

  private static long append(EventType type, String text) {
    return ((AppendResult.Appended)
            await(store.events().append(agent, NewEvent.of(type, "user", text))))
        .seq();
  }

  static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static MemoryResults search(String text, SearchMode mode, QueryEmbedder with) {
    return await(
        new MemorySearch(with)
            .search(
                store.memory(),
                agent,
                new MemoryQuery(text, null, Set.of(), 3),
                mode,
                Duration.ofSeconds(30)));
  }

  private static List<Long> seqs(MemoryResults results) {
    return results.hits().stream().map(MemoryHit::seq).toList();
  }

  @Test
  void semanticSearchFindsAParaphraseThatSharesNoWordWithTheEvent() {
    String paraphrase = "when was the server outage";
    assertThat(search(paraphrase, SearchMode.TEXT, embedder).hits()).isEmpty();
    MemoryResults semantic = search(paraphrase, SearchMode.SEMANTIC, embedder);
    assertThat(semantic.semanticUsed()).isTrue();
    assertThat(semantic.degraded()).isEmpty();
    assertThat(seqs(semantic).get(0)).isEqualTo(outage);
    assertThat(seqs(search(paraphrase, SearchMode.HYBRID, embedder)).get(0)).isEqualTo(outage);
  }

  @Test
  void hybridKeepsAnExactIdentifierFirst() {
    MemoryResults hybrid = search("INV-2024-0042", SearchMode.HYBRID, embedder);
    assertThat(hybrid.semanticUsed()).isTrue();
    assertThat(seqs(hybrid).get(0)).isEqualTo(invoice);
    assertThat(hybrid.hits().get(0).score())
        .as("a fused score: 1/(60+1) from each list that ranks it first")
        .isGreaterThan(1.0 / 61);
  }

  @Test
  void withoutTheModelASearchRanksByTextAndSaysWhy() {
    QueryEmbedder off = QueryEmbedder.off(vertx, "embeddings are off (MEMORY_EMBEDDINGS=off)");
    MemoryResults results = search("lunch Friday", SearchMode.HYBRID, off);
    assertThat(results.semanticUsed()).isFalse();
    assertThat(results.degraded()).contains("embeddings are off (MEMORY_EMBEDDINGS=off)");
    assertThat(seqs(results)).containsExactly(lunch);
    assertThat(search("lunch Friday", SearchMode.SEMANTIC, off).hits()).hasSize(1);
  }

  @Test
  void aQueryNotEmbeddedInTimeIsAnsweredByTextWithoutWaitingForTheModel() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    QueryEmbedder stuck =
        QueryEmbedder.of(
            vertx,
            () -> {
              try {
                release.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              return model;
            },
            1);
    try {
      MemoryResults results =
          await(
              new MemorySearch(stuck)
                  .search(
                      store.memory(),
                      agent,
                      new MemoryQuery("lunch", null, Set.of(), 3),
                      SearchMode.HYBRID,
                      Duration.ofMillis(100)));
      assertThat(results.semanticUsed()).isFalse();
      assertThat(results.degraded()).contains("the query could not be embedded in time");
      assertThat(seqs(results)).containsExactly(lunch);
    } finally {
      release.countDown();
      stuck.close();
    }
  }

  @Test
  void aModelThatFailsToLoadIsReportedAndSearchesGoOnByText() {
    QueryEmbedder broken =
        QueryEmbedder.of(
            vertx,
            () -> {
              throw new MiniLmEmbedder.ModelIntegrityException("checksum mismatch");
            },
            1);
    MemoryResults first = search("lunch", SearchMode.HYBRID, broken);
    assertThat(first.semanticUsed()).isFalse();
    assertThat(seqs(first)).containsExactly(lunch);
    assertThat(broken.unavailable()).hasValueSatisfying(r -> assertThat(r).contains("checksum"));
    assertThat(search("lunch", SearchMode.HYBRID, broken).degraded())
        .hasValueSatisfying(r -> assertThat(r).contains("checksum mismatch"));
    broken.close();
  }

  @Test
  void reciprocalRankFusionSumsOneOverSixtyPlusRankAcrossLists() {
    Instant t = Instant.EPOCH;
    MemoryHit a = new MemoryHit(1, "message_received", t, "a-text", 9);
    MemoryHit b = new MemoryHit(2, "message_received", t, "b", 8);
    MemoryHit c = new MemoryHit(3, "message_received", t, "c", 7);
    MemoryHit aSemantic = new MemoryHit(1, "message_received", t, "a-semantic", 0.9);
    List<MemoryHit> fused = MemorySearch.fuse(List.of(List.of(b, a), List.of(aSemantic, c)), 10);
    assertThat(fused).extracting(MemoryHit::seq).containsExactly(1L, 2L, 3L);
    assertThat(fused.get(0).score()).isCloseTo(1.0 / 62 + 1.0 / 61, within(1e-12));
    assertThat(fused.get(0).snippet()).as("the first list's snippet").isEqualTo("a-text");
    assertThat(fused.get(1).score()).isCloseTo(1.0 / 61, within(1e-12));
    assertThat(MemorySearch.fuse(List.of(List.of(b, a), List.of(c)), 1)).hasSize(1);
    assertThat(Optional.of(fused.get(2).score())).contains(1.0 / 62);
  }

  @Test
  void theModelReadsTheQuerysWordsWithoutWebSearchOperators() {
    assertThat(MemorySearch.meaningOf("when or was or the server \"down\" -lunch"))
        .isEqualTo("when was the server down");
    assertThat(MemorySearch.meaningOf("  OR  ")).isEqualTo("  OR  ");
    MemoryResults anyWord =
        search("when or was or the or server or outage", SearchMode.SEMANTIC, embedder);
    assertThat(seqs(anyWord).get(0)).isEqualTo(outage);
  }

  @Test
  void aSimilarityFloorLeavesOutNeighboursThatAreNotNear() {
    MemoryResults floored =
        await(
            new MemorySearch(embedder)
                .search(
                    store.memory(),
                    agent,
                    new MemoryQuery("favourite hiking trails in the mountains", null, Set.of(), 3),
                    SearchMode.HYBRID,
                    Duration.ofSeconds(30),
                    0.3));
    assertThat(floored.semanticUsed()).isTrue();
    assertThat(floored.hits()).isEmpty();
    assertThat(
            search("favourite hiking trails in the mountains", SearchMode.SEMANTIC, embedder)
                .hits())
        .as("without a floor the nearest neighbours are returned however far")
        .hasSize(3);
  }

  private static org.assertj.core.data.Offset<Double> within(double d) {
    return org.assertj.core.api.Assertions.within(d);
  }
}
