package org.openpincery.wake;

import static org.awaitility.Awaitility.await;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.openpincery.config.DatabaseConfig;
import org.openpincery.config.Env;
import org.openpincery.model.AgentState;
import org.openpincery.model.NewEvent;
import org.openpincery.model.StoredEvent;
import org.openpincery.notify.Channel;
import org.openpincery.notify.NotificationListener;
import org.openpincery.reasoner.ChatClient;
import org.openpincery.reasoner.ReasonerConfig;
import org.openpincery.store.Database;
import org.openpincery.store.Store;
import org.openpincery.testkit.ScriptedModelServer;
import org.openpincery.testkit.TestPostgres;
import org.openpincery.wake.tools.StandardTools;

/**
 * A wake worker on a fresh database, listening for real notifications, talking real HTTP to the
 * scripted model. No maintenance worker runs: a test finishes maintenance itself when it needs the
 * agent asleep again.
 */
final class EngineFixture implements AutoCloseable {

  final Vertx vertx = Vertx.vertx();
  final ScriptedModelServer model = ScriptedModelServer.start();
  final Store store;
  final NotificationListener listener;
  final WakeWorkerConfig config;
  final ReasonerConfig reasoner;
  final List<WakeLoop.Outcome> outcomes = new CopyOnWriteArrayList<>();
  final io.micrometer.core.instrument.simple.SimpleMeterRegistry registry =
      new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
  final WakeWorkerVerticle worker;
  final UUID workspace;
  final org.openpincery.db.DatabaseUrl url = TestPostgres.freshDatabase();

  /** The worker's vault: credentials a test stores with {@link #credential} open with it. */
  final org.openpincery.vault.Vault vault =
      org.openpincery.vault.Vault.of(org.openpincery.vault.Vault.newKey());

  EngineFixture(Map<String, String> settings) {
    this(settings, c -> StandardTools.all());
  }

  /** With the tools a test chooses, built from the fixture's store and settings. */
  EngineFixture(
      Map<String, String> settings,
      java.util.function.Function<Env, java.util.List<org.openpincery.wake.tools.ToolExecutor>>
          tools) {
    this(settings, tools, null);
  }

  /**
   * With the memory index a test chooses for the wakes, opened on the fixture's Vert.x (null: the
   * fixture's store's).
   */
  EngineFixture(
      Map<String, String> settings,
      java.util.function.Function<Env, java.util.List<org.openpincery.wake.tools.ToolExecutor>>
          tools,
      java.util.function.Function<Vertx, org.openpincery.store.MemoryRepository> memoryIndex) {
    Map<String, String> env = new HashMap<>();
    env.put("LLM_API_BASE_URL", model.baseUrl());
    env.put("LLM_API_KEY", "test-key");
    env.put("LLM_MODEL", "scripted");
    env.put("LLM_TIMEOUT_SECONDS", "2");
    env.put("LLM_MAX_RETRIES", "2");
    env.put("LLM_MAX_TOKENS", "1000");
    env.put("WAKE_POLL_MILLIS", "100");
    // Memory ranks by text unless a test turns embeddings on: no model to load per fixture.
    env.put("MEMORY_EMBEDDINGS", "off");
    env.putAll(settings);
    this.reasoner = ReasonerConfig.from(Env.of(env));
    this.config = WakeWorkerConfig.from(Env.of(env));
    this.store = Store.open(vertx, new DatabaseConfig(url, 8, "wake-test"));
    this.listener =
        new NotificationListener(
            vertx,
            Database.connectOptions(url, "wake-test-listen"),
            java.util.Set.of(Channel.WAKE),
            v -> vertx.eventBus().publish(Channel.WAKE.address(), "*"));
    listener.start().await();
    this.worker =
        new WakeWorkerVerticle(
            store,
            ChatClient.create(vertx, reasoner),
            reasoner,
            config,
            tools.apply(Env.of(env)),
            new org.openpincery.wake.sandbox.WorkspaceSecrets(java.util.Optional.of(vault)),
            outcomes::add,
            registry,
            null,
            memoryIndex == null ? null : memoryIndex.apply(vertx));
    vertx.deployVerticle(worker, WakeWorkerVerticle.deploymentOptions()).await();
    this.workspace = store.agents().createWorkspace("ws").await();
  }

  EngineFixture() {
    this(Map.of());
  }

  /** Stores a credential of the workspace, sealed with the worker's vault. */
  void credential(String name, String value) {
    store.credentials().create(workspace, name, vault.seal(workspace, name, value)).await();
  }

  UUID agent(String name) {
    return agent(name, null);
  }

  UUID agent(String name, BigDecimal budget) {
    return store.agents().createAgent(workspace, name, "secret-" + name, budget).await();
  }

  void message(UUID agent, String text) {
    store.events().append(agent, NewEvent.messageReceived("person", text)).await();
  }

  AgentState state(UUID agent) {
    return store.agents().find(agent).await().orElseThrow();
  }

  List<StoredEvent> events(UUID agent) {
    return store.events().pageAfter(agent, 0, 10_000).await();
  }

  List<StoredEvent> events(UUID agent, String type) {
    return events(agent).stream().filter(e -> e.eventType().equals(type)).toList();
  }

  /** Waits for the agent's n-th wake to end and returns its reason. */
  String awaitWakeEnd(UUID agent, int n) {
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> events(agent, "wake_end").size() >= n);
    return events(agent, "wake_end").get(n - 1).terminationReason();
  }

  /** Plays the maintenance worker: the agent goes back to asleep, and wakes if work waits. */
  void finishMaintenance(UUID agent) {
    AgentState s = state(agent);
    store.lifecycle().finishMaintenance(agent, s.wakeId()).await();
  }

  /** One number from the database, read directly (for tests that inspect rows). */
  long count(String sql) throws java.sql.SQLException {
    try (var c = TestPostgres.connect(url);
        var st = c.createStatement();
        var rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /** The user-role texts of one recorded model request. */
  static List<String> userTexts(JsonObject request) {
    return request.getJsonArray("messages").stream()
        .map(JsonObject.class::cast)
        .filter(m -> "user".equals(m.getString("role")))
        .map(m -> m.getString("content"))
        .toList();
  }

  @Override
  public void close() {
    vertx.undeploy(worker.deploymentID()).otherwiseEmpty().await();
    listener.stop().otherwiseEmpty().await();
    store.closeAsync().otherwiseEmpty().await();
    vertx.close().await();
    model.close();
  }
}
