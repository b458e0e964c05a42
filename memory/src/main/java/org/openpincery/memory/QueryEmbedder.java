package org.openpincery.memory;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Embeds search queries off the caller's thread, on a small pool of its own with a bounded queue,
 * so neither an event loop nor a wake ever runs the model: a caller gets the vector within its
 * timeout, or nothing (and ranks by text alone). The model is loaded on first use.
 */
public final class QueryEmbedder implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(QueryEmbedder.class);

  /** Queries waiting for a thread at most; more are answered "nothing" at once. */
  static final int QUEUE = 64;

  private final Vertx vertx;
  private final Supplier<Embedder> loader;
  private final String offReason;
  private final ThreadPoolExecutor pool;
  private volatile Embedder embedder;
  private volatile String failure;

  private QueryEmbedder(Vertx vertx, Supplier<Embedder> loader, String offReason, int threads) {
    this.vertx = vertx;
    this.loader = loader;
    this.offReason = offReason;
    this.pool =
        loader == null
            ? null
            : new ThreadPoolExecutor(
                threads,
                threads,
                30,
                TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(QUEUE),
                Thread.ofPlatform().name("pincery-query-embedder-", 0).daemon().factory());
  }

  /** An embedder that embeds nothing; searches say {@code reason} and rank by text. */
  public static QueryEmbedder off(Vertx vertx, String reason) {
    return new QueryEmbedder(vertx, null, reason, 0);
  }

  /**
   * The local model per the settings: off when {@code MEMORY_EMBEDDINGS=off}; otherwise the model
   * files are verified now and the model is loaded on the first query.
   *
   * @throws org.openpincery.config.ConfigException naming {@code MEMORY_EMBEDDINGS} when the model
   *     files are missing or differ
   */
  public static QueryEmbedder create(Vertx vertx, MemoryConfig config) {
    if (!config.embeddings()) {
      return off(vertx, "embeddings are off (MEMORY_EMBEDDINGS=off)");
    }
    config.verifyModel();
    return of(vertx, MiniLmEmbedder::load, 1);
  }

  /** An embedder over {@code loader}'s model, run on {@code threads} threads of its own. */
  public static QueryEmbedder of(Vertx vertx, Supplier<Embedder> loader, int threads) {
    return new QueryEmbedder(vertx, loader, null, threads);
  }

  /** Why queries are not embedded, or empty while they are. */
  public Optional<String> unavailable() {
    return Optional.ofNullable(offReason != null ? offReason : failure);
  }

  /**
   * The text's vector and its model, or empty when it could not be had within {@code timeout}
   * (queue full, model failed to load, embeddings off). Completes on the caller's Vert.x context
   * when there is one.
   */
  public Future<Optional<Embedded>> embed(String text, Duration timeout) {
    if (pool == null || failure != null) {
      return Future.succeededFuture(Optional.empty());
    }
    Context context = vertx.getOrCreateContext();
    Promise<Optional<Embedded>> promise = Promise.promise();
    AtomicBoolean settled = new AtomicBoolean();
    long deadline = System.nanoTime() + timeout.toNanos();
    long timer =
        vertx.setTimer(
            Math.max(1, timeout.toMillis()),
            id -> {
              if (settled.compareAndSet(false, true)) {
                promise.complete(Optional.empty());
              }
            });
    try {
      pool.execute(
          () -> {
            if (System.nanoTime() > deadline || settled.get()) {
              return; // the caller gave up while this waited in the queue
            }
            Optional<Embedded> result = run(text);
            context.runOnContext(
                v -> {
                  if (settled.compareAndSet(false, true)) {
                    vertx.cancelTimer(timer);
                    promise.complete(result);
                  }
                });
          });
    } catch (RejectedExecutionException e) {
      vertx.cancelTimer(timer);
      settled.set(true);
      return Future.succeededFuture(Optional.empty());
    }
    return promise.future();
  }

  private Optional<Embedded> run(String text) {
    try {
      Embedder loaded = loaded();
      return loaded == null
          ? Optional.empty()
          : Optional.of(new Embedded(loaded.embed(text), loaded.model()));
    } catch (RuntimeException e) {
      LOG.warn("embedding a memory query failed: {}", e.toString());
      return Optional.empty();
    }
  }

  private Embedder loaded() {
    Embedder current = embedder;
    if (current == null && failure == null) {
      synchronized (this) {
        if (embedder == null && failure == null) {
          try {
            embedder = loader.get();
          } catch (RuntimeException e) {
            failure = "the embedding model could not be loaded: " + e.getMessage();
            LOG.error("memory: {}", failure);
          }
        }
        current = embedder;
      }
    }
    return current;
  }

  @Override
  public void close() {
    if (pool != null) {
      pool.shutdownNow();
    }
  }

  /** A query's vector and the model that made it. */
  public record Embedded(float[] vector, String model) {}
}
