package org.openpincery.wake;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The worker's wakes that are busy — claimed and not waiting on a model or a tool — which is what
 * {@code WAKE_CPU_CONCURRENCY} limits: a claim reserves its wakes here before they start, and each
 * wake leaves the count while it waits and when it ends.
 */
final class BusyWakes {

  private final AtomicInteger busy = new AtomicInteger();
  private volatile Runnable onIdle = () -> {};

  /** Wakes busy now. */
  int count() {
    return busy.get();
  }

  /** Counts {@code n} just-claimed wakes as busy (before they start). */
  void reserve(int n) {
    busy.addAndGet(n);
  }

  /** Called whenever a wake starts waiting or ends: room for another claim. */
  void onIdle(Runnable action) {
    this.onIdle = action;
  }

  /** One claimed wake's place in the count (reserved by its claim). */
  Member member() {
    return new Member();
  }

  /** A wake's place: busy from its claim until it waits or ends. Used by the wake's thread only. */
  final class Member {
    private boolean waiting;

    /** Runs {@code work} (a model call, a tool round) out of the count. */
    <T> T whileWaiting(Supplier<T> work) {
      waiting(true);
      try {
        return work.get();
      } finally {
        waiting(false);
      }
    }

    /** Leaves the count for good (the wake ended, however). */
    void ended() {
      waiting(true);
    }

    private void waiting(boolean now) {
      if (now == waiting) {
        return;
      }
      waiting = now;
      if (now) {
        busy.decrementAndGet();
        onIdle.run();
      } else {
        busy.incrementAndGet();
      }
    }
  }
}
