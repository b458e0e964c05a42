package org.openpincery.memory.indexer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.openpincery.config.ConfigException;
import org.openpincery.config.DatabaseConfig;
import org.openpincery.db.DatabaseUrl;
import org.openpincery.memory.Embedder;
import org.openpincery.memory.MemoryConfig;
import org.openpincery.memory.MiniLmEmbedder;
import org.openpincery.model.NewEvent;
import org.openpincery.store.MemoryQuery;
import org.openpincery.store.Store;
import org.openpincery.testkit.TestPostgres;

/**
 * The memory indexer verticle over a real store: it embeds what is appended, several share the
 * queue without embedding an entry twice, its metrics report size and lag, and a bad language
 * setting stops it at start-up by name.
 */
class MemoryIndexerTest {

  private final Vertx vertx = Vertx.vertx();
  private DatabaseUrl url;
  private Store store;

  @BeforeEach
  void open() {
    url = TestPostgres.freshDatabase();
    store = Store.open(vertx, new DatabaseConfig(url, 8, "indexer-test"));
  }

  @AfterEach
  void close() {
    join(store.closeAsync());
    join(vertx.close());
  }

  private static <T> T join(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private UUID agent(String name) {
    UUID workspace = join(store.agents().createWorkspace("ws-" + name));
    return join(store.agents().createAgent(workspace, name, "s", BigDecimal.TEN));
  }

  private long count(String sql) throws Exception {
    try (Connection c = TestPostgres.connect(url);
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private String deploy(MemoryIndexerVerticle indexer) {
    return join(vertx.deployVerticle(indexer, MemoryIndexerVerticle.deploymentOptions()));
  }

  @Test
  void whatIsAppendedIsEmbeddedWithTheLocalModelAndFoundByMeaning() throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    MemoryIndexerVerticle indexer =
        new MemoryIndexerVerticle(store, MemoryConfig.DEFAULTS, registry);
    deploy(indexer);
    UUID agent = agent("embedded");
    join(
        store
            .events()
            .append(
                agent,
                NewEvent.messageReceived("user", "The kitchen tap is leaking water everywhere")));
    join(store.events().append(agent, NewEvent.messageReceived("user", "Book flights to Lisbon")));

    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> count("SELECT count(*) FROM memory_entries WHERE embedded_at IS NULL") == 0);
    assertThat(
            count(
                "SELECT count(*) FROM memory_entries WHERE embedding_model = '"
                    + MiniLmEmbedder.MODEL
                    + "' AND cardinality(embedding) = 384"))
        .isEqualTo(2);
    float[] plumbing = MiniLmEmbedder.load().embed("plumbing problem");
    var hits =
        join(
            store
                .memory()
                .searchSemantic(
                    agent,
                    plumbing,
                    MiniLmEmbedder.MODEL,
                    new MemoryQuery("x", null, Set.of(), 2)));
    assertThat(hits.get(0).snippet()).contains("kitchen tap");
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              assertThat(registry.get("pincery_memory_embedded_total").counter().count())
                  .isEqualTo(2.0);
              assertThat(registry.get("pincery_memory_index_entries").gauge().value())
                  .isEqualTo(2.0);
              assertThat(registry.get("pincery_memory_index_bytes").gauge().value()).isPositive();
              assertThat(registry.get("pincery_memory_index_unembedded").gauge().value()).isZero();
              assertThat(registry.get("pincery_memory_index_lag_seconds").gauge().value()).isZero();
            });
    assertThat(indexer.running()).isTrue();
  }

  @RepeatedTest(3)
  void severalIndexersShareTheQueueAndEmbedEveryEntryOnce() throws Exception {
    UUID agent = agent("shared");
    for (int i = 0; i < 120; i++) {
      join(store.events().append(agent, NewEvent.messageReceived("user", "note " + i)));
    }
    ConcurrentHashMap<String, Integer> embedded = new ConcurrentHashMap<>();
    MemoryConfig config = new MemoryConfig(true, Duration.ofSeconds(1), "english", 8);
    List<String> deployments = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      deployments.add(
          deploy(
              new MemoryIndexerVerticle(
                  store, config, new SimpleMeterRegistry(), () -> counting(embedded))));
    }
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> count("SELECT count(*) FROM memory_entries WHERE embedded_at IS NULL") == 0);
    assertThat(embedded).hasSize(120);
    assertThat(embedded.values()).allMatch(n -> n == 1);
    deployments.forEach(id -> join(vertx.undeploy(id)));
  }

  @Test
  void withEmbeddingsOffNothingIsEmbeddedAndTheLagIsReported() throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    MemoryConfig off = new MemoryConfig(false, Duration.ofSeconds(1), "english", 8);
    deploy(
        new MemoryIndexerVerticle(
            store,
            off,
            registry,
            () -> {
              throw new AssertionError("the model is not loaded when embeddings are off");
            }));
    UUID agent = agent("off");
    join(store.events().append(agent, NewEvent.messageReceived("user", "still searchable")));
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> registry.get("pincery_memory_index_unembedded").gauge().value() == 1.0);
    assertThat(count("SELECT count(*) FROM memory_entries WHERE embedded_at IS NOT NULL")).isZero();
    assertThat(
            join(
                store.memory().searchText(agent, new MemoryQuery("searchable", null, Set.of(), 5))))
        .hasSize(1);
  }

  @Test
  void anUnknownTextSearchLanguageStopsTheIndexerNamingTheSetting() {
    MemoryConfig klingon = new MemoryConfig(false, Duration.ofSeconds(1), "klingon", 8);
    assertThatThrownBy(
            () -> deploy(new MemoryIndexerVerticle(store, klingon, new SimpleMeterRegistry())))
        .rootCause()
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("MEMORY_TEXT_SEARCH_CONFIG")
        .hasMessageContaining("klingon");
  }

  /** An embedder that counts what it is asked to embed (one-hot vectors, never compared). */
  private static Embedder counting(ConcurrentHashMap<String, Integer> embedded) {
    return new Embedder() {
      @Override
      public String model() {
        return "counting";
      }

      @Override
      public int dimensions() {
        return 2;
      }

      @Override
      public float[] embed(String text) {
        embedded.merge(text, 1, Integer::sum);
        return new float[] {1, 0};
      }

      @Override
      public List<float[]> embedAll(List<String> texts) {
        return texts.stream().map(this::embed).toList();
      }
    };
  }
}
