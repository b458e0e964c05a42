package org.openpincery.maintenance;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.openpincery.config.DatabaseConfig;
import org.openpincery.db.DatabaseUrl;
import org.openpincery.http.StandardWebhooks;
import org.openpincery.model.EventType;
import org.openpincery.model.NewEvent;
import org.openpincery.store.Store;
import org.openpincery.testkit.TestPostgres;

/**
 * A fresh migrated database with a workspace and an agent, and real notification deliverers, each
 * in a Vert.x instance and pool of its own as separate maintenance-worker processes would be.
 */
final class NotificationFixture implements AutoCloseable {

  /** One deliverer "process": its own Vert.x, pool, metrics. */
  record Deliverer(
      Vertx vertx, Store store, NotificationDeliveryVerticle verticle, SimpleMeterRegistry meters) {
    double count(String meter) {
      var c = meters.find(meter).counter();
      return c == null ? 0 : c.count();
    }
  }

  final DatabaseUrl url = TestPostgres.freshDatabase();
  final Vertx vertx = Vertx.vertx();
  final Store store = Store.open(vertx, new DatabaseConfig(url, 4, "notify-test"));
  final UUID workspace = store.agents().createWorkspace("ws").await();
  final UUID agent = store.agents().createAgent(workspace, "watched", "s", null).await();
  private final List<Deliverer> deliverers = new ArrayList<>();

  /** Settings for tests: fast polls and retries, short timeouts and leases, no chain check. */
  static NotificationConfig config(List<Duration> delays, Duration timeout, Duration lease) {
    return new NotificationConfig(
        "notify-test/" + UUID.randomUUID().toString().substring(0, 8),
        4,
        Duration.ofMillis(50),
        timeout,
        lease,
        delays,
        Duration.ZERO,
        10_000,
        1_000,
        Duration.ZERO);
  }

  static List<Duration> delays(int n, long millis) {
    List<Duration> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(Duration.ofMillis(millis));
    }
    return out;
  }

  Deliverer deliverer(NotificationConfig config) {
    Vertx own = Vertx.vertx();
    Store ownStore = Store.open(own, new DatabaseConfig(url, 4, "notify-deliverer"));
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    NotificationDeliveryVerticle verticle =
        new NotificationDeliveryVerticle(ownStore, config, meters);
    own.deployVerticle(verticle, NotificationDeliveryVerticle.deploymentOptions()).await();
    Deliverer d = new Deliverer(own, ownStore, verticle, meters);
    deliverers.add(d);
    return d;
  }

  /** Subscribes {@code url} to {@code kinds}; returns (id, secret). */
  String[] subscribe(String url, List<String> kinds) {
    String secret = StandardWebhooks.newSecret();
    UUID id =
        store.notifications().create(workspace, url, kinds, "test", null, secret).await().id();
    return new String[] {id.toString(), secret};
  }

  /** A failed wake of the agent: one wake.failed notification per subscription wanting it. */
  long failWake() {
    var r =
        store
            .events()
            .append(
                agent,
                new NewEvent(
                    EventType.WAKE_END,
                    "runtime",
                    null,
                    null,
                    null,
                    null,
                    "llm_error",
                    new JsonObject()))
            .await();
    return ((org.openpincery.store.AppendResult.Appended) r).seq();
  }

  /** The subscription's outbox rows in order: id, status, attempts. */
  List<String[]> outbox(String subscription) throws Exception {
    List<String[]> out = new ArrayList<>();
    try (Connection c = TestPostgres.connect(url);
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT id, status, attempts FROM notification_outbox WHERE subscription_id = '"
                    + subscription
                    + "' ORDER BY position")) {
      while (rs.next()) {
        out.add(new String[] {rs.getString(1), rs.getString(2), rs.getString(3)});
      }
    }
    return out;
  }

  /** Each attempt of a delivery in order: "status|error". */
  List<String> attempts(String outboxId) throws Exception {
    List<String> out = new ArrayList<>();
    try (Connection c = TestPostgres.connect(url);
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT http_status, error, finished_at IS NOT NULL FROM notification_attempts"
                    + " WHERE outbox_id = '"
                    + outboxId
                    + "' ORDER BY attempt")) {
      while (rs.next()) {
        out.add(rs.getString(1) + "|" + rs.getString(2) + "|" + rs.getBoolean(3));
      }
    }
    return out;
  }

  long count(String sql) throws Exception {
    try (Connection c = TestPostgres.connect(url);
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  void execute(String sql) throws Exception {
    try (Connection c = TestPostgres.connect(url);
        Statement st = c.createStatement()) {
      st.execute(sql);
    }
  }

  /** Stops a deliverer as a crash would: its database connections go first, then its Vert.x. */
  void crash(Deliverer d) {
    d.store().closeAsync().await();
    d.vertx().close().await();
    deliverers.remove(d);
  }

  @Override
  public void close() {
    for (Deliverer d : deliverers) {
      d.vertx().close().await();
    }
    store.closeAsync().await();
    vertx.close().await();
  }
}
