package org.openpincery.bench.peers;

import io.vertx.core.AbstractVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.ThreadingModel;
import io.vertx.core.eventbus.MessageConsumer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.openpincery.model.TerminationReason;
import org.openpincery.notify.Channel;
import org.openpincery.store.ClaimResult;
import org.openpincery.store.EndWakeResult;
import org.openpincery.store.FinishResult;
import org.openpincery.store.LifecycleRepository.MaintenanceClaim;
import org.openpincery.store.Store;
import org.openpincery.work.ClaimLoop;

/**
 * The bare wake: the wake worker's and the maintenance worker's claim loops ({@link ClaimLoop} over
 * {@code claimPending} and {@code claimMaintenance}, kicked by the same LISTEN/NOTIFY wake-ups and
 * poll as WakeWorkerVerticle and MaintenanceWorkerVerticle) with no model call: a claimed wake ends
 * at once ({@code completed}, the real end-of-wake statement), and a claimed maintenance pass
 * releases the agent at once ({@code finishMaintenance}, no projection). Only store statements run.
 */
final class BareWorkers extends AbstractVerticle {

  private static final String OWNER = "pincery-bare";
  private static final Duration LEASE = Duration.ofSeconds(30);
  private static final long POLL_MILLIS = 1000; // WAKE_POLL_MILLIS and MAINTENANCE_POLL_MILLIS

  private final Store store;
  private final Jobs jobs;
  private final int concurrency;
  private ClaimLoop<ClaimResult.Claimed> wakes;
  private ClaimLoop<MaintenanceClaim> passes;
  private final List<MessageConsumer<String>> consumers = new ArrayList<>();
  private final List<Long> polls = new ArrayList<>();

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
    passes =
        new ClaimLoop<>(
            context,
            concurrency,
            free -> store.lifecycle().claimMaintenance(OWNER, LEASE, free),
            this::release);
    listen(Channel.WAKE, wakes);
    listen(Channel.MAINTENANCE, passes);
    wakes.kick();
    passes.kick();
  }

  private void listen(Channel channel, ClaimLoop<?> loop) {
    consumers.add(vertx.eventBus().consumer(channel.address(), m -> loop.kick()));
    polls.add(vertx.setPeriodic(POLL_MILLIS, id -> loop.kick()));
  }

  private void endWake(ClaimResult.Claimed c) {
    EndWakeResult ended =
        store
            .lifecycle()
            .endWake(c.agentId(), c.wakeId(), c.inboxSeq(), TerminationReason.COMPLETED, LEASE)
            .await();
    if (!(ended instanceof EndWakeResult.Ended)) {
      throw new IllegalStateException("end wake of " + c.agentId() + ": " + ended);
    }
  }

  private void release(MaintenanceClaim m) {
    FinishResult finished = store.lifecycle().finishMaintenance(m.agentId(), m.wakeId()).await();
    if (!(finished instanceof FinishResult.Finished)) {
      throw new IllegalStateException("release of " + m.agentId() + ": " + finished);
    }
    jobs.finished(m.agentId());
  }

  @Override
  public void stop() {
    polls.forEach(vertx::cancelTimer);
    consumers.forEach(c -> c.unregister().await());
    wakes.stop().await();
    passes.stop().await();
  }
}
