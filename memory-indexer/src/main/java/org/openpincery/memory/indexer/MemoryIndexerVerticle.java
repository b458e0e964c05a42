package org.openpincery.memory.indexer;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.AbstractVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.ThreadingModel;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.openpincery.config.ConfigException;
import org.openpincery.memory.Embedder;
import org.openpincery.memory.MemoryConfig;
import org.openpincery.memory.MiniLmEmbedder;
import org.openpincery.store.MemoryIndexStats;
import org.openpincery.store.Store;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The memory indexer (docs/memory.md): every {@link #POLL} and while it finds full batches, it
 * claims index entries without an embedding ({@code FOR UPDATE SKIP LOCKED}, so any number of
 * indexers share the queue), embeds them on a thread of its own, and stores the vectors in the
 * claiming transaction. A wake never waits for it: entries are text-searchable from their append,
 * and only semantic ranking lags.
 *
 * <p>It also applies {@code MEMORY_TEXT_SEARCH_CONFIG} at start-up and publishes the index's
 * metrics: {@code pincery_memory_index_entries}, {@code pincery_memory_index_bytes}, {@code
 * pincery_memory_index_unembedded}, {@code pincery_memory_index_lag_seconds} (age of the oldest
 * entry waiting for its embedding) and {@code pincery_memory_embedded_total}.
 */
public final class MemoryIndexerVerticle extends AbstractVerticle {

  private static final Logger LOG = LoggerFactory.getLogger(MemoryIndexerVerticle.class);

  /** How often the queue is looked at when idle. */
  static final Duration POLL = Duration.ofMillis(500);

  /** How often the index's size and lag are read for the metrics. */
  static final Duration STATS_EVERY = Duration.ofSeconds(5);

  private final Store store;
  private final MemoryConfig config;
  private final Supplier<Embedder> loader;
  private final AtomicReference<MemoryIndexStats> stats =
      new AtomicReference<>(new MemoryIndexStats(0, 0, 0, 0));
  private final AtomicBoolean draining = new AtomicBoolean();
  private final Counter embedded;
  private ExecutorService model;
  private Embedder embedder;
  private volatile boolean running;
  private long poll;
  private long statsTimer;

  /** The production indexer: the verified local model, or none when embeddings are off. */
  public MemoryIndexerVerticle(Store store, MemoryConfig config, MeterRegistry registry) {
    this(store, config, registry, MiniLmEmbedder::load);
  }

  /**
   * @param loader the embedding model (loaded at start when embeddings are on)
   */
  public MemoryIndexerVerticle(
      Store store, MemoryConfig config, MeterRegistry registry, Supplier<Embedder> loader) {
    this.store = store;
    this.config = config;
    this.loader = loader;
    Gauge.builder("pincery_memory_index_entries", stats, s -> s.get().entries())
        .description("Events in the memory index")
        .register(registry);
    Gauge.builder("pincery_memory_index_bytes", stats, s -> s.get().bytes())
        .description("Size of the memory index: table, indexes and TOAST")
        .baseUnit("bytes")
        .register(registry);
    Gauge.builder("pincery_memory_index_unembedded", stats, s -> s.get().unembedded())
        .description("Memory index entries waiting for their embedding")
        .register(registry);
    Gauge.builder("pincery_memory_index_lag_seconds", stats, s -> s.get().lagSeconds())
        .description("Age of the oldest memory index entry waiting for its embedding")
        .baseUnit("seconds")
        .register(registry);
    embedded =
        Counter.builder("pincery_memory_embedded_total")
            .description("Memory index entries embedded by this process")
            .register(registry);
  }

  /** How this verticle must be deployed: it awaits futures on virtual threads. */
  public static DeploymentOptions deploymentOptions() {
    return new DeploymentOptions().setThreadingModel(ThreadingModel.VIRTUAL_THREAD);
  }

  @Override
  public void start() {
    try {
      store.memory().useTextSearchConfig(config.textSearchConfig()).await();
    } catch (IllegalArgumentException e) {
      throw new ConfigException("MEMORY_TEXT_SEARCH_CONFIG", e.getMessage());
    }
    if (config.embeddings()) {
      embedder = loader.get();
      model =
          Executors.newSingleThreadExecutor(Thread.ofPlatform().name("pincery-indexer").factory());
    }
    refreshStats();
    poll = vertx.setPeriodic(POLL.toMillis(), id -> drain());
    statsTimer = vertx.setPeriodic(STATS_EVERY.toMillis(), id -> refreshStats());
    running = true;
    LOG.info(
        "memory indexer running: {}, text search in '{}'",
        embedder == null
            ? "embeddings off (MEMORY_EMBEDDINGS=off): text search only"
            : "embedding with " + embedder.model() + ", " + config.indexBatch() + " per batch",
        config.textSearchConfig());
  }

  /** Whether the indexer is working (for {@code /ready}). */
  public boolean running() {
    return running;
  }

  /** Embeds batches until the queue is drained; one drain at a time per indexer. */
  private void drain() {
    if (embedder == null || !running || !draining.compareAndSet(false, true)) {
      return;
    }
    try {
      int batch = config.indexBatch();
      int done;
      do {
        done = store.memory().embedPending(batch, embedder.model(), this::embed).await();
        embedded.increment(done);
      } while (done == batch && running);
    } catch (Exception e) {
      // Also the checked ones await() throws as they are (a refused connection while the
      // database is away): the queue is retried on the next poll, the process goes on.
      LOG.warn("memory indexer: a batch failed, retrying on the next poll: {}", e.toString());
    } finally {
      draining.set(false);
    }
  }

  private Future<List<float[]>> embed(List<String> texts) {
    return Future.fromCompletionStage(
        CompletableFuture.supplyAsync(() -> embedder.embedAll(texts), model), context);
  }

  private void refreshStats() {
    store
        .memory()
        .stats()
        .onSuccess(stats::set)
        .onFailure(e -> LOG.debug("memory index stats: {}", e.toString()));
  }

  @Override
  public void stop() {
    running = false;
    vertx.cancelTimer(poll);
    vertx.cancelTimer(statsTimer);
    if (model != null) {
      model.shutdown();
    }
  }
}
