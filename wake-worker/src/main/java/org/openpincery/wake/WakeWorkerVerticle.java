package org.openpincery.wake;

import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.AbstractVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.ThreadingModel;
import io.vertx.core.eventbus.MessageConsumer;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.openpincery.memory.MemorySearch;
import org.openpincery.memory.QueryEmbedder;
import org.openpincery.notify.Channel;
import org.openpincery.reasoner.ChatClient;
import org.openpincery.reasoner.ReasonerConfig;
import org.openpincery.reasoner.tools.ToolCatalog;
import org.openpincery.store.ClaimResult;
import org.openpincery.store.MemoryRepository;
import org.openpincery.store.Store;
import org.openpincery.vault.Vault;
import org.openpincery.wake.sandbox.Sandbox;
import org.openpincery.wake.sandbox.ShellTool;
import org.openpincery.wake.sandbox.WorkspaceSecrets;
import org.openpincery.wake.tools.MemoryAccess;
import org.openpincery.wake.tools.StandardTools;
import org.openpincery.wake.tools.ToolExecutor;
import org.openpincery.work.ClaimLoop;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The wake worker: on a wake notification (re-published on the event bus by the process's
 * notification listener) and on a poll, claims agents with pending work up to its free slots in one
 * statement, and runs each wake on its own virtual thread. Stopping ends running wakes at their
 * next step boundary with {@code shutdown}, within a grace period.
 */
public final class WakeWorkerVerticle extends AbstractVerticle {

  private static final Logger LOG = LoggerFactory.getLogger(WakeWorkerVerticle.class);

  private final WorkspaceSecrets secrets;
  private final Store store;
  private final ChatClient model;
  private final ReasonerConfig reasoner;
  private final WakeWorkerConfig config;
  private final List<ToolExecutor> tools;
  private final Consumer<WakeLoop.Outcome> observer;
  private final WakeMetrics metrics;
  private final MemoryRepository memoryIndex;
  private QueryEmbedder embedder;
  private boolean ownEmbedder;
  private volatile boolean stopping;
  private volatile boolean running;
  private ClaimLoop<ClaimResult.Claimed> loop;
  private MessageConsumer<String> consumer;
  private long poll;

  /**
   * A worker. It makes its own memory query embedder per {@code MEMORY_EMBEDDINGS} when it starts
   * (the model itself is loaded once per JVM, on the first query) and closes it when it stops.
   *
   * @param sandbox where {@code shell} runs
   * @param vault opens credentials for {@code PLACEHOLDER:} values and redaction; empty when no
   *     {@code OPEN_PINCERY_VAULT_KEY} is configured
   * @param registry where wake and tool metrics go
   */
  public WakeWorkerVerticle(
      Store store,
      ChatClient model,
      ReasonerConfig reasoner,
      WakeWorkerConfig config,
      Sandbox sandbox,
      Optional<Vault> vault,
      MeterRegistry registry) {
    this(
        store,
        model,
        reasoner,
        config,
        tools(sandbox, vault),
        new WorkspaceSecrets(vault),
        o -> {},
        registry);
  }

  /** Every tool of a wake: the standard ones and the sandboxed shell. */
  static List<ToolExecutor> tools(Sandbox sandbox, Optional<Vault> vault) {
    List<ToolExecutor> all = new java.util.ArrayList<>(StandardTools.all());
    all.add(new ShellTool(sandbox, vault));
    return all;
  }

  WakeWorkerVerticle(
      Store store,
      ChatClient model,
      ReasonerConfig reasoner,
      WakeWorkerConfig config,
      List<ToolExecutor> tools,
      WorkspaceSecrets secrets,
      Consumer<WakeLoop.Outcome> observer,
      MeterRegistry registry) {
    this(store, model, reasoner, config, tools, secrets, observer, registry, null, null);
  }

  /**
   * For tests: as above, with the query embedder and the memory index the wakes use (null: the
   * worker's own embedder, the store's index).
   */
  WakeWorkerVerticle(
      Store store,
      ChatClient model,
      ReasonerConfig reasoner,
      WakeWorkerConfig config,
      List<ToolExecutor> tools,
      WorkspaceSecrets secrets,
      Consumer<WakeLoop.Outcome> observer,
      MeterRegistry registry,
      QueryEmbedder embedder,
      MemoryRepository memoryIndex) {
    this.embedder = embedder;
    this.memoryIndex = memoryIndex;
    this.secrets = secrets;
    this.store = store;
    this.model = model;
    this.reasoner = reasoner;
    this.config = config;
    this.tools = List.copyOf(tools);
    this.observer = observer;
    this.metrics = new WakeMetrics(registry);
  }

  /** How this verticle must be deployed: its wakes await futures on virtual threads. */
  public static DeploymentOptions deploymentOptions() {
    return new DeploymentOptions().setThreadingModel(ThreadingModel.VIRTUAL_THREAD);
  }

  @Override
  public void start() {
    if (embedder == null) {
      // Verifies the model's files now (a bad one stops start-up); loads it on the first query.
      embedder = QueryEmbedder.create(vertx, config.memory());
      ownEmbedder = true;
    }
    MemoryAccess memory =
        new MemoryAccess(
            new MemorySearch(embedder),
            memoryIndex != null ? memoryIndex : store.memory(),
            config.memory().queryTimeout());
    WakeLoop wakes =
        new WakeLoop(
            vertx,
            store,
            model,
            reasoner,
            config,
            ToolCatalog.standard(),
            tools,
            secrets,
            Clock.systemUTC(),
            () -> stopping,
            metrics,
            memory);
    loop =
        new ClaimLoop<>(
            context,
            config.concurrency(),
            free -> {
              int room = Math.min(free, config.cpuConcurrency() - wakes.busy().count());
              if (room <= 0) {
                return io.vertx.core.Future.succeededFuture(List.of());
              }
              return store
                  .lifecycle()
                  .claimPending(config.owner(), config.lease(), room)
                  .map(
                      claimed -> {
                        wakes.busy().reserve(claimed.size());
                        return claimed;
                      });
            },
            claimed -> observer.accept(wakes.run(claimed)));
    if (config.cpuConcurrency() < config.concurrency()) {
      // A wake that starts waiting frees room under the CPU limit: look for work at once.
      wakes.busy().onIdle(loop::kick);
    }
    consumer = vertx.eventBus().consumer(Channel.WAKE.address(), m -> loop.kick());
    poll = vertx.setPeriodic(config.poll().toMillis(), id -> loop.kick());
    running = true;
    loop.kick();
    LOG.info(
        "wake worker {} running: {} wake(s) at once, {} busy (not waiting on a model or tool),"
            + " model {} via {}",
        config.owner(),
        config.concurrency(),
        config.cpuConcurrency(),
        reasoner.model(),
        model.describe());
  }

  /** Whether the worker is claiming work (for {@code /ready}). */
  public boolean running() {
    return running && !stopping;
  }

  /** Wakes running now. */
  public int activeWakes() {
    return loop == null ? 0 : loop.active();
  }

  @Override
  public void stop() {
    stopping = true;
    vertx.cancelTimer(poll);
    consumer.unregister().await();
    Future<Void> drained = loop.stop();
    Future<Void> grace =
        Future.future(
            p ->
                vertx.setTimer(
                    Math.max(1, config.shutdownGrace().toMillis()), t -> p.tryComplete()));
    Future.any(drained, grace).await();
    if (loop.active() > 0) {
      LOG.warn(
          "{} wake(s) still running after the shutdown grace; their leases will expire",
          loop.active());
    }
    running = false;
    if (ownEmbedder) {
      embedder.close();
    }
  }
}
