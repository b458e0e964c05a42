package org.openpincery.bench;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import org.openpincery.config.DatabaseConfig;
import org.openpincery.config.Env;
import org.openpincery.db.DatabaseUrl;
import org.openpincery.maintenance.MaintenanceWorkerConfig;
import org.openpincery.maintenance.MaintenanceWorkerVerticle;
import org.openpincery.maintenance.ObservedMaintenance;
import org.openpincery.notify.Channel;
import org.openpincery.notify.NotificationListener;
import org.openpincery.reasoner.ChatClient;
import org.openpincery.reasoner.ReasonerConfig;
import org.openpincery.store.Database;
import org.openpincery.store.Store;
import org.openpincery.testkit.ScriptedModelServer;
import org.openpincery.wake.WakeWorkerConfig;
import org.openpincery.wake.WakeWorkerVerticle;
import org.openpincery.wake.sandbox.Sandbox;
import org.openpincery.wake.sandbox.SandboxConfig;

/**
 * The wake engine in the benchmark's process: a store, the notification listener a worker process
 * runs, and the real wake and maintenance workers talking to a model (the scripted one, answering
 * at once with {@link #answer}). Shared by {@link EngineBench} and the peers benchmark's {@code
 * pincery-full} driver.
 */
public final class BenchEngine implements AutoCloseable {

  private final Vertx vertx;
  private final Store store;
  private final Env env;
  private final ReasonerConfig reasoner;
  private final WakeWorkerConfig wakeConfig;
  private final ChatClient client;
  private final NotificationListener listener;
  private String wakeDeployment;
  private String maintenanceDeployment;

  private BenchEngine(Vertx vertx, Store store, Env env, NotificationListener listener) {
    this.vertx = vertx;
    this.store = store;
    this.env = env;
    this.reasoner = ReasonerConfig.from(env);
    this.wakeConfig = WakeWorkerConfig.from(env);
    this.client = ChatClient.create(vertx, reasoner);
    this.listener = listener;
  }

  /**
   * Opens the store (a pool of {@code poolSize} connections) and starts listening for wake and
   * maintenance notifications; no worker runs yet.
   *
   * @param settings environment overrides (e.g. {@code WAKE_CONCURRENCY}) on top of the process's
   */
  public static BenchEngine open(
      DatabaseUrl url, String modelBaseUrl, Map<String, String> settings, int poolSize) {
    Map<String, String> all = new HashMap<>(System.getenv());
    all.put("LLM_API_BASE_URL", modelBaseUrl);
    all.put("LLM_API_KEY", "bench");
    all.put("LLM_MODEL", "bench");
    all.putAll(settings);
    Vertx vertx = Vertx.vertx();
    Store store = Store.open(vertx, new DatabaseConfig(url, poolSize, "engine-bench"));
    NotificationListener listener =
        new NotificationListener(
            vertx,
            Database.connectOptions(url, "engine-bench-listen"),
            EnumSet.of(Channel.WAKE, Channel.MAINTENANCE),
            v -> {
              vertx.eventBus().publish(Channel.WAKE.address(), "*");
              vertx.eventBus().publish(Channel.MAINTENANCE.address(), "*");
            });
    listener.start().await();
    return new BenchEngine(vertx, store, Env.of(all), listener);
  }

  public Vertx vertx() {
    return vertx;
  }

  public Store store() {
    return store;
  }

  public WakeWorkerConfig wakeConfig() {
    return wakeConfig;
  }

  /**
   * Deploys the wake worker and the maintenance worker.
   *
   * @param passEnded told each agent whose maintenance pass ended (see {@link ObservedMaintenance})
   */
  public void deployWorkers(Consumer<UUID> passEnded) {
    wakeDeployment =
        vertx
            .deployVerticle(
                new WakeWorkerVerticle(
                    store,
                    client,
                    reasoner,
                    wakeConfig,
                    Sandbox.probe(SandboxConfig.from(env)),
                    Optional.empty(),
                    new SimpleMeterRegistry()),
                WakeWorkerVerticle.deploymentOptions())
            .await();
    maintenanceDeployment =
        vertx
            .deployVerticle(
                ObservedMaintenance.worker(
                    store, client, reasoner, MaintenanceWorkerConfig.from(env), passEnded),
                MaintenanceWorkerVerticle.deploymentOptions())
            .await();
  }

  /** Stops both workers (running wakes and passes end first, within the shutdown grace). */
  public void undeployWorkers() {
    if (wakeDeployment != null) {
      vertx.undeploy(wakeDeployment).await();
      wakeDeployment = null;
    }
    if (maintenanceDeployment != null) {
      vertx.undeploy(maintenanceDeployment).await();
      maintenanceDeployment = null;
    }
  }

  /** A model that answers at once: one tool call, then a reply; maintenance gets its JSON. */
  public static ScriptedModelServer.Turn answer(JsonObject request) {
    if (!request.containsKey("tools")) {
      return new ScriptedModelServer.Text(
          "{\"identity\": \"A bench agent.\", \"work_list\": \"- nothing\", \"summary\": \"Replied.\"}",
          "stop",
          400,
          40);
    }
    JsonArray messages = request.getJsonArray("messages");
    JsonObject last = messages.getJsonObject(messages.size() - 1);
    if ("tool".equals(last.getString("role"))) {
      return new ScriptedModelServer.Text("Done.", "stop", 600, 10);
    }
    return new ScriptedModelServer.ToolCalls(
        List.<String[]>of(new String[] {"list_timers", "{}"}), 500, 10);
  }

  @Override
  public void close() {
    undeployWorkers();
    listener.stop().await();
    store.closeAsync().await();
    vertx.close().await();
  }
}
