package org.openpincery.bench;

import io.vertx.core.Future;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.openpincery.memory.Embedder;
import org.openpincery.memory.MemoryConfig;
import org.openpincery.memory.MiniLmEmbedder;
import org.openpincery.store.Store;

/**
 * The memory indexer's work, measured: the store's {@code embedPending} (claim the oldest entries
 * without an embedding, embed them, store the vectors in the claiming transaction) in batches of
 * {@code MEMORY_INDEX_BATCH} (default 32), the model on one thread of its own — what one indexer
 * does, as {@code MemoryIndexerVerticle} drives it, minus its 500 ms idle poll.
 */
final class MemoryEmbedding {

  /** What was embedded, how fast, and how much of the time the model took. */
  record Result(long entries, double seconds, double modelSeconds, String model, int batch) {
    double perSecond() {
      return entries / seconds;
    }
  }

  private MemoryEmbedding() {}

  /**
   * Embeds the {@code target} oldest unembedded entries (more by less than a batch); the first
   * batch includes the model's first run.
   */
  static Result embedOldest(Store store, Embedder embedder, long target) {
    int batch = MemoryConfig.DEFAULTS.indexBatch();
    ExecutorService model =
        Executors.newSingleThreadExecutor(Thread.ofPlatform().name("bench-indexer").factory());
    try {
      long done = 0;
      java.util.concurrent.atomic.AtomicLong modelNanos =
          new java.util.concurrent.atomic.AtomicLong();
      long start = System.nanoTime();
      while (done < target) {
        int n =
            store
                .memory()
                .embedPending(
                    batch,
                    embedder.model(),
                    texts ->
                        Future.fromCompletionStage(
                            CompletableFuture.supplyAsync(
                                () -> {
                                  long t0 = System.nanoTime();
                                  List<float[]> vectors = embedder.embedAll(texts);
                                  modelNanos.addAndGet(System.nanoTime() - t0);
                                  return vectors;
                                },
                                model)))
                .await();
        if (n == 0) {
          break;
        }
        done += n;
      }
      return new Result(
          done, (System.nanoTime() - start) / 1e9, modelNanos.get() / 1e9, embedder.model(), batch);
    } finally {
      model.shutdownNow();
    }
  }

  /** The product's model (verified by its SHA-256, then loaded). */
  static Embedder load() {
    return MiniLmEmbedder.load();
  }
}
