package org.openpincery.work;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import org.openpincery.store.DatabaseOutage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Claims work up to a number of slots and runs each piece as its own task on a virtual-thread
 * context. A notification or a poll calls {@link #kick()}; a claim round takes as many pieces as
 * there are free slots in one statement, and a finished piece kicks again, so a backlog drains
 * without waiting for the next poll (ARCHITECTURE.md §3.7).
 *
 * @param <C> what a claim returns for one piece of work
 */
public final class ClaimLoop<C> {

  private static final Logger LOG = LoggerFactory.getLogger(ClaimLoop.class);

  private final Context context;
  private final int slots;
  private final IntFunction<Future<List<C>>> claim;
  private final Consumer<C> run;
  private final AtomicInteger active = new AtomicInteger();
  private final AtomicBoolean claiming = new AtomicBoolean();
  private final AtomicBoolean again = new AtomicBoolean();
  private volatile boolean stopped;
  private volatile Promise<Void> drained;

  /**
   * @param context a virtual-thread context: {@code run} may await futures
   * @param claim takes up to the given number of pieces
   * @param run does one piece; exceptions are logged, never stop the loop
   */
  public ClaimLoop(
      Context context, int slots, IntFunction<Future<List<C>>> claim, Consumer<C> run) {
    this.context = context;
    this.slots = slots;
    this.claim = claim;
    this.run = run;
  }

  /** Asks for a claim round (coalesced: a round already running does one more). */
  public void kick() {
    if (stopped) {
      return;
    }
    if (!claiming.compareAndSet(false, true)) {
      again.set(true);
      return;
    }
    context.runOnContext(v -> claimRound());
  }

  private void claimRound() {
    try {
      do {
        again.set(false);
        int free;
        while (!stopped && (free = slots - active.get()) > 0) {
          List<C> claimed = claim.apply(free).await();
          for (C piece : claimed) {
            active.incrementAndGet();
            context.runOnContext(v -> runOne(piece));
          }
          if (claimed.size() < free) {
            break;
          }
        }
      } while (again.get() && !stopped);
    } catch (Exception e) {
      // Exception, not RuntimeException: await() rethrows a checked failure (a connection the
      // database refused while it restarts) as it is, and it must not escape to the context.
      LOG.warn("claim round failed (retried at the next notification or poll): {}", e.toString());
    } finally {
      claiming.set(false);
    }
  }

  private void runOne(C piece) {
    try {
      run.accept(piece);
    } catch (Exception e) {
      if (DatabaseOutage.is(e)) {
        // Expected while the database restarts: the lease runs out and the work is re-run.
        LOG.warn("work on {} stopped, the database is unreachable: {}", piece, e.toString());
      } else {
        LOG.error("work on {} failed: {}", piece, e.toString(), e);
      }
    } finally {
      if (active.decrementAndGet() == 0 && stopped && drained != null) {
        drained.tryComplete();
      }
      kick();
    }
  }

  /** Pieces running now. */
  public int active() {
    return active.get();
  }

  /** Claims nothing more; the future completes when every running piece has finished. */
  public Future<Void> stop() {
    stopped = true;
    Promise<Void> p = Promise.promise();
    drained = p;
    if (active.get() == 0) {
      p.tryComplete();
    }
    return p.future();
  }
}
