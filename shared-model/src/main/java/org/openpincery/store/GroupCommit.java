package org.openpincery.store;

import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Group commit for writes from many concurrent callers.
 *
 * <p>With fsync on, a commit costs a WAL flush; one per request caps throughput at what the disk
 * flushes per second. Here a write that arrives while {@code maxInFlight} batches are already
 * running waits for the next batch, and that batch writes everything waiting in one statement and
 * one transaction. Each caller's future completes only after that commit, so an accepted request is
 * as durable as before. When idle, a write goes out at once in a batch of one: no added latency.
 *
 * <p>If a batch fails as a whole, its items are retried one by one, so one bad item cannot fail its
 * neighbours.
 *
 * @param <I> one caller's write
 * @param <O> its outcome
 */
final class GroupCommit<I, O> {

  private record Item<I, O>(I input, Promise<O> promise, Context context) {}

  private final Function<I, Future<O>> single;
  private final Function<List<I>, Future<List<O>>> batch;
  private final int maxInFlight;
  private final int maxBatch;
  private final Object lock = new Object();
  private final ArrayDeque<Item<I, O>> queue = new ArrayDeque<>();
  private int inFlight;

  /**
   * @param single writes one item in its own transaction
   * @param batch writes many in one transaction; the outcomes in input order
   */
  GroupCommit(
      Function<I, Future<O>> single,
      Function<List<I>, Future<List<O>>> batch,
      int maxInFlight,
      int maxBatch) {
    this.single = single;
    this.batch = batch;
    this.maxInFlight = maxInFlight;
    this.maxBatch = maxBatch;
  }

  /** Writes {@code input}; completes on the caller's context after its commit. */
  Future<O> submit(I input) {
    Promise<O> promise = Promise.promise();
    List<Item<I, O>> next;
    synchronized (lock) {
      queue.add(new Item<>(input, promise, Vertx.currentContext()));
      next = takeBatch();
    }
    if (next != null) {
      run(next);
    }
    return promise.future();
  }

  // Called under the lock: a batch to run now, or null when enough are already running.
  private List<Item<I, O>> takeBatch() {
    if (queue.isEmpty() || inFlight >= maxInFlight) {
      return null;
    }
    List<Item<I, O>> items = new ArrayList<>(Math.min(queue.size(), maxBatch));
    while (!queue.isEmpty() && items.size() < maxBatch) {
      items.add(queue.poll());
    }
    inFlight++;
    return items;
  }

  private void run(List<Item<I, O>> items) {
    if (items.size() == 1) {
      Item<I, O> item = items.get(0);
      single
          .apply(item.input())
          .onComplete(
              ar -> {
                deliver(item, ar);
                finished();
              });
      return;
    }
    batch
        .apply(items.stream().map(Item::input).toList())
        .onComplete(
            ar -> {
              if (ar.succeeded()) {
                for (int i = 0; i < items.size(); i++) {
                  deliver(items.get(i), Future.succeededFuture(ar.result().get(i)));
                }
                finished();
                return;
              }
              // The whole batch rolled back: retry each alone, so one bad item fails alone.
              List<Future<O>> each = new ArrayList<>();
              for (Item<I, O> item : items) {
                Future<O> f = single.apply(item.input());
                f.onComplete(r -> deliver(item, r));
                each.add(f);
              }
              Future.join(each).onComplete(v -> finished());
            });
  }

  private void finished() {
    List<Item<I, O>> next;
    synchronized (lock) {
      inFlight--;
      next = takeBatch();
    }
    if (next != null) {
      run(next);
    }
  }

  private static <I, O> void deliver(Item<I, O> item, AsyncResult<O> result) {
    if (item.context() != null) {
      item.context().runOnContext(v -> item.promise().handle(result));
    } else {
      item.promise().handle(result);
    }
  }
}
