package org.openpincery.maintenance;

import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.openpincery.config.DatabaseConfig;
import org.openpincery.config.Env;
import org.openpincery.db.DatabaseUrl;
import org.openpincery.model.NewEvent;
import org.openpincery.model.TerminationReason;
import org.openpincery.reasoner.ChatClient;
import org.openpincery.reasoner.ReasonerConfig;
import org.openpincery.store.ClaimResult;
import org.openpincery.store.Store;
import org.openpincery.testkit.ScriptedModelServer;
import org.openpincery.testkit.TestPostgres;

/**
 * A real maintenance worker over a fresh, migrated database, talking to the scripted model over
 * HTTP; the outcome of every pass is recorded.
 */
final class MaintenanceFixture implements AutoCloseable {

  final Vertx vertx = Vertx.vertx();
  final ScriptedModelServer model = ScriptedModelServer.start();
  final DatabaseUrl url = TestPostgres.freshDatabase();
  final Store store = Store.open(vertx, new DatabaseConfig(url, 8, "maintenance-test"));
  final List<MaintenancePass.Outcome> outcomes = new CopyOnWriteArrayList<>();
  final UUID workspace = store.agents().createWorkspace("ws").await();

  /**
   * @param settings added to the model endpoint and a 50 ms poll
   */
  MaintenanceFixture(Map<String, String> settings) {
    Map<String, String> vars = new HashMap<>();
    vars.put("LLM_API_BASE_URL", model.baseUrl());
    vars.put("LLM_API_KEY", "k");
    vars.put("MAINTENANCE_POLL_MILLIS", "50");
    vars.putAll(settings);
    Env env = Env.of(vars);
    ReasonerConfig reasoner = ReasonerConfig.from(env);
    vertx
        .deployVerticle(
            new MaintenanceWorkerVerticle(
                store,
                ChatClient.create(vertx, reasoner),
                reasoner,
                MaintenanceWorkerConfig.from(env),
                outcomes::add),
            MaintenanceWorkerVerticle.deploymentOptions())
        .await();
  }

  /** An agent whose one-message wake just ended: it waits in maintenance. */
  UUID agentInMaintenance(String name, String message) {
    UUID agent = store.agents().createAgent(workspace, name, "s", null).await();
    store.events().append(agent, NewEvent.messageReceived("person", message)).await();
    wakeAndEnd(agent);
    return agent;
  }

  /** A wake of the agent that ends at once (completed): the agent waits in maintenance. */
  void wakeAndEnd(UUID agent) {
    var claimed =
        (ClaimResult.Claimed) store.lifecycle().claim(agent, "test", Duration.ofMinutes(1)).await();
    store
        .lifecycle()
        .endWake(
            agent,
            claimed.wakeId(),
            claimed.inboxSeq(),
            TerminationReason.COMPLETED,
            Duration.ofMinutes(1))
        .await();
  }

  @Override
  public void close() {
    store.closeAsync().otherwiseEmpty().await();
    vertx.close().await();
    model.close();
  }
}
