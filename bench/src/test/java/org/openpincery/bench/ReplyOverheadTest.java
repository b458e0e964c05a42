package org.openpincery.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vertx.core.Vertx;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openpincery.config.DatabaseConfig;
import org.openpincery.config.Env;
import org.openpincery.db.DatabaseUrl;
import org.openpincery.maintenance.MaintenanceWorkerConfig;
import org.openpincery.maintenance.MaintenanceWorkerVerticle;
import org.openpincery.model.NewEvent;
import org.openpincery.notify.Channel;
import org.openpincery.notify.NotificationListener;
import org.openpincery.reasoner.ChatClient;
import org.openpincery.reasoner.ReasonerConfig;
import org.openpincery.store.Database;
import org.openpincery.store.Store;
import org.openpincery.testkit.ScriptedModelServer;
import org.openpincery.testkit.ScriptedModelServer.Gated;
import org.openpincery.testkit.ScriptedModelServer.Text;
import org.openpincery.testkit.ScriptedModelServer.ToolCalls;
import org.openpincery.testkit.TestPostgres;
import org.openpincery.wake.WakeWorkerConfig;
import org.openpincery.wake.WakeWorkerVerticle;
import org.openpincery.wake.sandbox.Sandbox;
import org.openpincery.wake.sandbox.SandboxConfig;

/**
 * The mix bench's reply rule on a real engine: a wake worker and a maintenance worker on a fresh
 * database, the scripted model holding a chosen call open while a second message arrives.
 */
class ReplyOverheadTest {

  private static final ToolCalls LIST_TIMERS =
      new ToolCalls(List.<String[]>of(new String[] {"list_timers", "{}"}), 10, 5);
  private static final Text MAINTENANCE =
      new Text(
          "{\"identity\": \"A bench agent.\", \"work_list\": \"- nothing\", \"summary\": \"Replied.\"}",
          "stop",
          10,
          5);

  private final DatabaseUrl url = TestPostgres.freshDatabase();
  private final ScriptedModelServer model = ScriptedModelServer.start();
  private final Vertx vertx = Vertx.vertx();
  private Store store;
  private NotificationListener listener;
  private Connection sql;
  private UUID agent;

  @BeforeEach
  void engine() throws Exception {
    Env env =
        Env.of(
            Map.of(
                "LLM_API_BASE_URL", model.baseUrl(),
                "LLM_API_KEY", "test",
                "LLM_MODEL", "scripted",
                "WAKE_POLL_MILLIS", "100",
                "MAINTENANCE_POLL_MILLIS", "100"));
    ReasonerConfig reasoner = ReasonerConfig.from(env);
    store = Store.open(vertx, new DatabaseConfig(url, 8, "reply-overhead-test"));
    listener =
        new NotificationListener(
            vertx,
            Database.connectOptions(url, "reply-overhead-test-listen"),
            EnumSet.of(Channel.WAKE, Channel.MAINTENANCE),
            v -> {});
    listener.start().await();
    ChatClient client = ChatClient.create(vertx, reasoner);
    vertx
        .deployVerticle(
            new WakeWorkerVerticle(
                store,
                client,
                reasoner,
                WakeWorkerConfig.from(env),
                Sandbox.probe(SandboxConfig.from(env)),
                Optional.empty(),
                new io.micrometer.core.instrument.simple.SimpleMeterRegistry()),
            WakeWorkerVerticle.deploymentOptions())
        .await();
    vertx
        .deployVerticle(
            new MaintenanceWorkerVerticle(
                store, client, reasoner, MaintenanceWorkerConfig.from(env)),
            MaintenanceWorkerVerticle.deploymentOptions())
        .await();
    UUID workspace = store.agents().createWorkspace("ws").await();
    agent = store.agents().createAgent(workspace, "mix", "secret", null).await();
    sql = TestPostgres.connect(url);
  }

  @AfterEach
  void stop() throws Exception {
    sql.close();
    vertx.deploymentIDs().forEach(id -> vertx.undeploy(id).otherwiseEmpty().await());
    listener.stop().otherwiseEmpty().await();
    store.closeAsync().otherwiseEmpty().await();
    vertx.close().await();
    model.close();
  }

  @Test
  void aMessageArrivingDuringTheLastCallIsAnsweredByTheNextWake() throws Exception {
    CompletableFuture<Void> gate = new CompletableFuture<>();
    model
        .then(LIST_TIMERS)
        .then(new Gated(gate, new Text("First reply.", "stop", 10, 5)))
        .then(MAINTENANCE)
        .then(LIST_TIMERS)
        .then(new Text("Second reply.", "stop", 10, 5))
        .then(MAINTENANCE);
    String since = now();
    message("first");
    assertThat(model.awaitRequest(10_000)).isNotNull();
    assertThat(model.awaitRequest(10_000)).as("the reply's call, held open").isNotNull();
    message("second, while the reply is being written");
    gate.complete(null);
    awaitAsleepWithReplies(2);

    List<Row> rows = measure(since, 2);
    List<Long> replies = seqs("assistant_message");
    assertThat(rows.get(0).replySeq()).isEqualTo(replies.get(0));
    assertThat(rows.get(0).found()).isEqualTo("asleep");
    assertThat(rows.get(1).replySeq())
        .as("not the reply its call never saw")
        .isEqualTo(replies.get(1));
    assertThat(rows.get(1).found()).isEqualTo("a wake running");
    assertThat(rows).allSatisfy(r -> assertThat(r.overheadMs()).isGreaterThanOrEqualTo(0));
  }

  @Test
  void aMessageArrivingDuringAToolCallIsAnsweredByThatWakesReply() throws Exception {
    CompletableFuture<Void> gate = new CompletableFuture<>();
    model
        .then(new Gated(gate, LIST_TIMERS))
        .then(new Text("One reply to both.", "stop", 10, 5))
        .then(MAINTENANCE);
    String since = now();
    message("first");
    assertThat(model.awaitRequest(10_000)).as("the tool call's call, held open").isNotNull();
    message("second, during the tool call");
    gate.complete(null);
    awaitAsleepWithReplies(1);

    List<Row> rows = measure(since, 2);
    long reply = seqs("assistant_message").getFirst();
    assertThat(rows).extracting(Row::replySeq).containsExactly(reply, reply);
    assertThat(rows).extracting(Row::found).containsExactly("asleep", "a wake running");
    assertThat(rows).allSatisfy(r -> assertThat(r.overheadMs()).isGreaterThanOrEqualTo(0));
  }

  private record Row(long replySeq, String found, double overheadMs) {}

  private List<Row> measure(String since, long expected) throws SQLException {
    String ended = now();
    ReplyOverhead.Summary s = ReplyOverhead.measure(sql, since, since, ended, ended, 4);
    assertThat(s.messages()).isEqualTo(expected);
    assertThat(s.answered()).isEqualTo(expected);
    List<Row> rows = new ArrayList<>();
    try (ResultSet rs =
        sql.createStatement()
            .executeQuery(
                "SELECT reply_seq, found, latency_ms - model_ms FROM mix_messages ORDER BY seq")) {
      while (rs.next()) {
        rows.add(new Row(rs.getLong(1), rs.getString(2), rs.getDouble(3)));
      }
    }
    return rows;
  }

  private void message(String text) {
    store.events().append(agent, NewEvent.messageReceived("person", text)).await();
  }

  private void awaitAsleepWithReplies(int replies) {
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(50))
        .until(
            () ->
                seqs("assistant_message").size() == replies
                    && ReplyOverhead.count(
                            sql,
                            "SELECT count(*) FROM agents WHERE has_pending OR status <> 'asleep'")
                        == 0);
  }

  private List<Long> seqs(String type) throws SQLException {
    List<Long> seqs = new ArrayList<>();
    try (var ps =
        sql.prepareStatement(
            "SELECT seq FROM events WHERE agent_id = ? AND event_type = ? ORDER BY seq")) {
      ps.setObject(1, agent);
      ps.setString(2, type);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          seqs.add(rs.getLong(1));
        }
      }
    }
    return seqs;
  }

  private String now() throws SQLException {
    try (ResultSet rs = sql.createStatement().executeQuery("SELECT clock_timestamp()::text")) {
      rs.next();
      return rs.getString(1);
    }
  }
}
