package org.openpincery.maintenance;

import io.vertx.core.AbstractVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.ThreadingModel;
import io.vertx.core.eventbus.MessageConsumer;
import java.util.function.Consumer;
import org.openpincery.notify.Channel;
import org.openpincery.reasoner.ChatClient;
import org.openpincery.reasoner.ReasonerConfig;
import org.openpincery.store.LifecycleRepository.MaintenanceClaim;
import org.openpincery.store.Store;
import org.openpincery.work.ClaimLoop;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The maintenance worker: on a maintenance notification and on a poll, takes unclaimed passes up to
 * its free slots and runs each on its own virtual thread.
 */
public final class MaintenanceWorkerVerticle extends AbstractVerticle {

  private static final Logger LOG = LoggerFactory.getLogger(MaintenanceWorkerVerticle.class);

  private final Store store;
  private final ChatClient model;
  private final ReasonerConfig reasoner;
  private final MaintenanceWorkerConfig config;
  private final Consumer<MaintenancePass.Outcome> observer;
  private volatile boolean running;
  private ClaimLoop<MaintenanceClaim> loop;
  private MessageConsumer<String> consumer;
  private long poll;

  public MaintenanceWorkerVerticle(
      Store store, ChatClient model, ReasonerConfig reasoner, MaintenanceWorkerConfig config) {
    this(store, model, reasoner, config, o -> {});
  }

  MaintenanceWorkerVerticle(
      Store store,
      ChatClient model,
      ReasonerConfig reasoner,
      MaintenanceWorkerConfig config,
      Consumer<MaintenancePass.Outcome> observer) {
    this.store = store;
    this.model = model;
    this.reasoner = reasoner;
    this.config = config;
    this.observer = observer;
  }

  /** How this verticle must be deployed: its passes await futures on virtual threads. */
  public static DeploymentOptions deploymentOptions() {
    return new DeploymentOptions().setThreadingModel(ThreadingModel.VIRTUAL_THREAD);
  }

  @Override
  public void start() {
    MaintenancePass pass = new MaintenancePass(vertx, store, model, reasoner, config);
    loop =
        new ClaimLoop<>(
            context,
            config.concurrency(),
            free -> store.lifecycle().claimMaintenance(config.owner(), config.lease(), free),
            claim -> observer.accept(pass.run(claim)));
    consumer = vertx.eventBus().consumer(Channel.MAINTENANCE.address(), m -> loop.kick());
    poll = vertx.setPeriodic(config.poll().toMillis(), id -> loop.kick());
    running = true;
    loop.kick();
    LOG.info(
        "maintenance worker {} running: {} pass(es) at once, model {} via {}",
        config.owner(),
        config.concurrency(),
        reasoner.maintenanceModel(),
        model.describe());
  }

  /** Whether the worker is taking passes (for {@code /ready}). */
  public boolean running() {
    return running;
  }

  @Override
  public void stop() {
    running = false;
    vertx.cancelTimer(poll);
    consumer.unregister().await();
    Future<Void> grace =
        Future.future(
            p ->
                vertx.setTimer(
                    Math.max(1, config.shutdownGrace().toMillis()), t -> p.tryComplete()));
    Future.any(loop.stop(), grace).await();
  }
}
