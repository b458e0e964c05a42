package org.openpincery.scheduler;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.AbstractVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.ThreadingModel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.openpincery.store.LifecycleRepository.QueueDepth;
import org.openpincery.store.Store;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scheduler: fires due timers and schedules, expires approval requests nobody decided, reaps
 * expired leases, sweeps for pending agents whose notification was lost, and prunes expired
 * sessions, spent invitations and dead API tokens (after 30 days) and old delivery keys. Each duty
 * is a {@link Loop}: a {@code runOnce()} repeated while it does a full batch, on a timer, surviving
 * its errors, and reporting its liveness to {@code /ready}.
 */
public final class SchedulerVerticle extends AbstractVerticle {

  private static final Logger LOG = LoggerFactory.getLogger(SchedulerVerticle.class);
  // How long a stop waits for the batches in flight.
  private static final Duration STOP_GRACE = Duration.ofSeconds(10);

  private final Store store;
  private final SchedulerConfig config;
  private final List<Loop> loops = new ArrayList<>();
  private final AtomicReference<QueueDepth> depth =
      new AtomicReference<>(new QueueDepth(0, 0, 0, 0));
  private volatile boolean stopping;

  public SchedulerVerticle(Store store, SchedulerConfig config) {
    this(store, config, new SimpleMeterRegistry());
  }

  /**
   * @param registry where the queue gauges go: {@code pincery_pending_agents} (input waiting for a
   *     wake no worker has taken: what wake workers scale on), {@code pincery_awake_agents}, {@code
   *     pincery_maintenance_agents}, {@code pincery_approvals_pending}; every scheduler reports the
   *     same numbers (take the max)
   */
  public SchedulerVerticle(Store store, SchedulerConfig config, MeterRegistry registry) {
    this.store = store;
    this.config = config;
    Gauge.builder("pincery_pending_agents", depth, d -> d.get().pending())
        .description("Agents with input waiting for a wake that no worker has taken")
        .register(registry);
    Gauge.builder("pincery_awake_agents", depth, d -> d.get().awake())
        .description("Agents in a wake")
        .register(registry);
    Gauge.builder("pincery_maintenance_agents", depth, d -> d.get().maintenance())
        .description("Agents waiting for or in a maintenance pass")
        .register(registry);
    Gauge.builder("pincery_approvals_pending", depth, d -> d.get().approvalsPending())
        .description("Gated tool calls waiting for a person's decision")
        .register(registry);
  }

  /** How this verticle must be deployed: its loops await futures on virtual threads. */
  public static DeploymentOptions deploymentOptions() {
    return new DeploymentOptions().setThreadingModel(ThreadingModel.VIRTUAL_THREAD);
  }

  /** One duty: how often, and one pass that returns how many rows it handled. */
  final class Loop {
    final String name;
    final Duration interval;
    final Supplier<Future<Integer>> once;
    final int fullBatch;
    volatile long lastSuccessNanos = System.nanoTime();
    volatile boolean running;
    long timer;

    Loop(String name, Duration interval, Supplier<Future<Integer>> once, int fullBatch) {
      this.name = name;
      this.interval = interval;
      this.once = once;
      this.fullBatch = fullBatch;
    }

    /** One pass, repeated while it handled a full batch. Never throws. */
    void runOnce() {
      if (running || stopping) {
        return;
      }
      running = true;
      try {
        int handled;
        do {
          handled = once.get().await();
        } while (handled >= fullBatch && !stopping);
        lastSuccessNanos = System.nanoTime();
      } catch (Exception e) {
        LOG.warn("scheduler loop {} failed (retried in {}): {}", name, interval, e.toString());
      } finally {
        running = false;
      }
    }

    /** Alive: a pass succeeded within three intervals (at least 30 s). */
    boolean alive() {
      long allowed = Math.max(interval.toNanos() * 3, Duration.ofSeconds(30).toNanos());
      return System.nanoTime() - lastSuccessNanos < allowed;
    }
  }

  @Override
  public void start() {
    int batch = config.batch();
    loops.add(
        new Loop(
            "timers",
            config.timerInterval(),
            () -> store.timers().fireDue(batch).map(List::size),
            batch));
    loops.add(
        new Loop(
            "schedules", config.timerInterval(), () -> store.schedules().fireDue(batch), batch));
    loops.add(
        new Loop(
            "approvals",
            config.timerInterval(),
            () -> store.timers().expireApprovals(batch),
            batch));
    loops.add(
        new Loop(
            "reaper",
            config.reapInterval(),
            () -> store.lifecycle().reapExpired(batch).map(List::size),
            batch));
    loops.add(
        new Loop(
            "sweeper",
            config.sweepInterval(),
            () -> store.lifecycle().nudgePending(batch),
            Integer.MAX_VALUE));
    loops.add(
        new Loop(
            "pruner",
            config.pruneInterval(),
            () ->
                Future.all(
                        store.auth().pruneSessions(),
                        store.team().prune(),
                        store.webhooks().pruneDeliveries(config.dedupRetention()),
                        store.events().pruneMessageKeys(config.dedupRetention()),
                        store.idempotency().prune(config.dedupRetention()))
                    .map(all -> 0),
            Integer.MAX_VALUE));
    loops.add(
        new Loop(
            "queue-gauges",
            config.sweepInterval(),
            () ->
                store
                    .lifecycle()
                    .queueDepth()
                    .map(
                        d -> {
                          depth.set(d);
                          return 0;
                        }),
            Integer.MAX_VALUE));
    for (Loop loop : loops) {
      loop.timer = vertx.setPeriodic(1, loop.interval.toMillis(), id -> loop.runOnce());
    }
    LOG.info(
        "scheduler running: timers every {} ms, reaper every {} s, sweeper every {} s",
        config.timerInterval().toMillis(),
        config.reapInterval().toSeconds(),
        config.sweepInterval().toSeconds());
  }

  /** Whether every loop has succeeded recently (for {@code /ready}). */
  public boolean running() {
    return !stopping && !loops.isEmpty() && loops.stream().allMatch(Loop::alive);
  }

  @Override
  public void stop() {
    stopping = true;
    loops.forEach(l -> vertx.cancelTimer(l.timer));
    // A batch in flight (one transaction) finishes before the pool closes; no new one starts.
    long deadline = System.nanoTime() + STOP_GRACE.toNanos();
    while (loops.stream().anyMatch(l -> l.running) && System.nanoTime() < deadline) {
      Future.<Void>future(p -> vertx.setTimer(20, t -> p.complete())).await();
    }
  }
}
