package org.openpincery.store;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.openpincery.model.NewEvent;

/**
 * Group commit for appends from many concurrent callers (the operator API's messages).
 *
 * <p>With fsync on, a commit costs a WAL flush; one per message caps throughput at what the disk
 * flushes per second. Here an append that arrives while {@code maxInFlight} batches are already
 * running waits for the next batch, and that batch appends everything waiting in one statement and
 * one transaction ({@code pincery_append_events_in_workspaces}). Each caller's future completes
 * only after that commit, so an accepted message is a durable event exactly as before. When idle,
 * an append goes out at once in a batch of one: no added latency.
 *
 * <p>If a batch fails as a whole, its items are retried one by one, so one bad item cannot fail its
 * neighbours.
 */
public final class AppendBatcher {

  private record Item(
      UUID workspaceId,
      UUID agentId,
      NewEvent event,
      Promise<AppendResult> promise,
      Context context) {}

  private final EventRepository events;
  private final int maxInFlight;
  private final int maxBatch;
  private final Object lock = new Object();
  private final ArrayDeque<Item> queue = new ArrayDeque<>();
  private int inFlight;

  public AppendBatcher(EventRepository events, int maxInFlight, int maxBatch) {
    this.events = events;
    this.maxInFlight = maxInFlight;
    this.maxBatch = maxBatch;
  }

  /** Appends to a live agent of the workspace; completes on the caller's context after commit. */
  public Future<AppendResult> appendInWorkspace(UUID workspaceId, UUID agentId, NewEvent event) {
    Promise<AppendResult> promise = Promise.promise();
    List<Item> batch;
    synchronized (lock) {
      queue.add(new Item(workspaceId, agentId, event, promise, Vertx.currentContext()));
      batch = takeBatch();
    }
    if (batch != null) {
      run(batch);
    }
    return promise.future();
  }

  // Called under the lock: a batch to run now, or null when enough are already running.
  private List<Item> takeBatch() {
    if (queue.isEmpty() || inFlight >= maxInFlight) {
      return null;
    }
    List<Item> batch = new ArrayList<>(Math.min(queue.size(), maxBatch));
    while (!queue.isEmpty() && batch.size() < maxBatch) {
      batch.add(queue.poll());
    }
    inFlight++;
    return batch;
  }

  private void run(List<Item> batch) {
    if (batch.size() == 1) {
      Item item = batch.get(0);
      events
          .appendInWorkspace(item.workspaceId(), item.agentId(), item.event())
          .onComplete(
              ar -> {
                deliver(item, ar);
                finished();
              });
      return;
    }
    events
        .appendBatchInWorkspaces(
            batch.stream().map(Item::workspaceId).toList(),
            batch.stream().map(Item::agentId).toList(),
            batch.stream().map(Item::event).toList())
        .onComplete(
            ar -> {
              if (ar.succeeded()) {
                for (int i = 0; i < batch.size(); i++) {
                  deliver(batch.get(i), Future.succeededFuture(ar.result().get(i)));
                }
                finished();
                return;
              }
              // The whole batch rolled back: retry each alone, so one bad item fails alone.
              List<Future<AppendResult>> each = new ArrayList<>();
              for (Item item : batch) {
                Future<AppendResult> f =
                    events.appendInWorkspace(item.workspaceId(), item.agentId(), item.event());
                f.onComplete(r -> deliver(item, r));
                each.add(f);
              }
              Future.join(each).onComplete(v -> finished());
            });
  }

  private void finished() {
    List<Item> next;
    synchronized (lock) {
      inFlight--;
      next = takeBatch();
    }
    if (next != null) {
      run(next);
    }
  }

  private static void deliver(Item item, io.vertx.core.AsyncResult<AppendResult> result) {
    if (item.context() != null) {
      item.context().runOnContext(v -> item.promise().handle(result));
    } else {
      item.promise().handle(result);
    }
  }
}
