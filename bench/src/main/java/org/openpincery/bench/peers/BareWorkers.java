package org.openpincery.bench.peers;

import io.vertx.core.AbstractVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.ThreadingModel;
import io.vertx.core.eventbus.MessageConsumer;
import java.time.Duration;
import org.openpincery.model.TerminationReason;
import org.openpincery.notify.Channel;
import org.openpincery.store.ClaimResult;
import org.openpincery.store.EndWakeResult;
import org.openpincery.store.Store;
import org.openpincery.work.ClaimLoop;

/**
 * The bare wake: the wake worker's claim loop ({@link ClaimLoop} over {@code claimPending}, kicked
 * by the same LISTEN/NOTIFY wake-ups and poll as WakeWorkerVerticle) with no model call: a claimed
 * wake ends at once ({@code completed}, the real end-of-wake statement) and, as a wake that made no
 * model call does (V13), goes straight back to asleep with no maintenance pass. Only store
 * statements run.
 */
final class BareWorkers extends AbstractVerticle {

  private static final String OWNER = "pincery-bare";
  private static final Duration LEASE = Duration.ofSeconds(30);
  private static final long POLL_MILLIS = 1000; // WAKE_POLL_MILLIS

  private final Store store;
  private final Jobs jobs;
  private final int concurrency;
  private ClaimLoop<ClaimResult.Claimed> wakes;
  private MessageConsumer<String> consumer;
  private long poll;

  BareWorkers(Store store, Jobs jobs, int concurrency) {
    this.store = store;
    this.jobs = jobs;
    this.concurrency = concurrency;
  }

  static DeploymentOptions deploymentOptions() {
    return new DeploymentOptions().setThreadingModel(ThreadingModel.VIRTUAL_THREAD);
  }

  @Override
  public void start() {
    wakes =
        new ClaimLoop<>(
            context,
            concurrency,
            free ->
                store
                    .lifecycle()
                    .claimPending(OWNER, LEASE, free)
                    .map(
                        claimed -> {
                          long now = System.nanoTime();
                          claimed.forEach(c -> jobs.claimed(c.agentId(), now));
                          return claimed;
                        }),
            this::endWake);
    consumer = vertx.eventBus().consumer(Channel.WAKE.address(), m -> wakes.kick());
    poll = vertx.setPeriodic(POLL_MILLIS, id -> wakes.kick());
    wakes.kick();
  }

  private void endWake(ClaimResult.Claimed c) {
    EndWakeResult ended =
        store
            .lifecycle()
            .endWake(
                c.agentId(), c.wakeId(), c.inboxSeq(), TerminationReason.COMPLETED, LEASE, false)
            .await();
    if (!(ended instanceof EndWakeResult.Ended)) {
      throw new IllegalStateException("end wake of " + c.agentId() + ": " + ended);
    }
    jobs.finished(c.agentId());
  }

  @Override
  public void stop() {
    vertx.cancelTimer(poll);
    consumer.unregister().await();
    wakes.stop().await();
  }
}
