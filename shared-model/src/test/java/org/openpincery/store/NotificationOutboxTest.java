package org.openpincery.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.openpincery.store.StoreFixture.await;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openpincery.http.StandardWebhooks;
import org.openpincery.model.EventType;
import org.openpincery.model.NewEvent;
import org.openpincery.testkit.TestPostgres;

/**
 * V19's trigger: the events that are notifications queue exactly one outbox row per enabled
 * subscription of the agent's workspace that wants the kind, in the append's own transaction; every
 * other event, another workspace's subscription, a disabled one or one that wants other kinds gets
 * nothing.
 */
class NotificationOutboxTest {

  private static final StoreFixture db = new StoreFixture(4);
  private static UUID workspaceA;
  private static UUID workspaceB;
  private static UUID agentA;
  private static UUID everything;
  private static UUID onlyWakeFailed;
  private static UUID disabled;
  private static UUID otherWorkspace;

  private static final List<String> ALL =
      List.of("approval.requested", "wake.failed", "budget.exhausted", "agent.stopped");

  @BeforeAll
  static void subscriptions() {
    workspaceA = await(db.store.agents().createWorkspace("a"));
    workspaceB = await(db.store.agents().createWorkspace("b"));
    agentA = await(db.store.agents().createAgent(workspaceA, "watched", "s", BigDecimal.TEN));
    await(db.store.agents().createAgent(workspaceB, "other", "s", BigDecimal.TEN));
    everything = subscribe(workspaceA, ALL);
    onlyWakeFailed = subscribe(workspaceA, List.of("wake.failed"));
    disabled = subscribe(workspaceA, ALL);
    await(
        db.store
            .notifications()
            .update(
                workspaceA,
                disabled,
                new NotificationRepository.Change(
                    java.util.Optional.empty(),
                    java.util.Optional.empty(),
                    java.util.Optional.of(false),
                    java.util.Optional.empty())));
    otherWorkspace = subscribe(workspaceB, ALL);
  }

  private static UUID subscribe(UUID workspace, List<String> kinds) {
    return await(
            db.store
                .notifications()
                .create(
                    workspace,
                    "https://example.com/hook",
                    kinds,
                    null,
                    null,
                    StandardWebhooks.newSecret()))
        .id();
  }

  @AfterAll
  static void close() {
    db.close();
  }

  private static long append(NewEvent event) {
    var r = await(db.store.events().append(agentA, event));
    return ((AppendResult.Appended) r).seq();
  }

  private static NewEvent wakeEnd(String reason) {
    return new NewEvent(
        EventType.WAKE_END, "runtime", null, null, null, null, reason, new JsonObject());
  }

  /** The (subscription, kind) of each outbox row of an event seq of agent A. */
  private static List<String> rowsFor(long seq) throws Exception {
    List<String> out = new ArrayList<>();
    try (Connection c = TestPostgres.connect(db.url);
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT subscription_id, kind FROM notification_outbox WHERE"
                    + " (payload->'data'->>'event_seq')::bigint = "
                    + seq
                    + " AND payload->'data'->>'agent_id' = '"
                    + agentA
                    + "' ORDER BY position")) {
      while (rs.next()) {
        out.add(name(UUID.fromString(rs.getString(1))) + ":" + rs.getString(2));
      }
    }
    return out;
  }

  private static String name(UUID subscription) {
    if (subscription.equals(everything)) {
      return "everything";
    }
    if (subscription.equals(onlyWakeFailed)) {
      return "onlyWakeFailed";
    }
    return subscription.equals(disabled) ? "disabled" : "otherWorkspace";
  }

  @Test
  void eachNotifyingEventQueuesOneRowPerEnabledSubscriptionOfItsWorkspaceThatWantsIt()
      throws Exception {
    assertThat(rowsFor(append(wakeEnd("llm_error"))))
        .containsExactly("everything:wake.failed", "onlyWakeFailed:wake.failed");
    assertThat(rowsFor(append(wakeEnd("prompt_injection_suspected"))))
        .containsExactly("everything:wake.failed", "onlyWakeFailed:wake.failed");
    assertThat(rowsFor(append(wakeEnd("budget_exhausted"))))
        .containsExactly("everything:budget.exhausted");
    assertThat(
            rowsFor(
                append(
                    new NewEvent(
                        EventType.WAKE_ABANDONED,
                        "runtime",
                        null,
                        null,
                        null,
                        null,
                        "lease_lost",
                        new JsonObject().put("phase", "awake")))))
        .containsExactly("everything:wake.failed", "onlyWakeFailed:wake.failed");
    UUID approval = UUID.randomUUID();
    long requested =
        append(
            NewEvent.of(EventType.APPROVAL_REQUESTED, "runtime", null)
                .withPayload(
                    new JsonObject()
                        .put("approval_id", approval.toString())
                        .put("call_id", "call-1")
                        .put("tool", "shell")
                        .put("capability", "destructive")
                        .put("arguments", new JsonObject().put("command", "rm -rf /work/x"))
                        .put("expires_at", "2030-01-01T00:00:00Z")
                        .put("approvers", "operator")));
    assertThat(rowsFor(requested)).containsExactly("everything:approval.requested");
    JsonObject payload = payloadOf(requested);
    assertThat(payload.getString("type")).isEqualTo("approval.requested");
    assertThat(payload.getString("timestamp")).matches("\\d{4}-\\d\\d-\\d\\dT[0-9:.]+Z");
    JsonObject data = payload.getJsonObject("data");
    assertThat(data.getString("workspace_id")).isEqualTo(workspaceA.toString());
    assertThat(data.getString("agent_id")).isEqualTo(agentA.toString());
    assertThat(data.getString("agent_name")).isEqualTo("watched");
    assertThat(data.getLong("event_seq")).isEqualTo(requested);
    assertThat(data.getString("event_id")).isNotBlank();
    assertThat(data.getJsonObject("approval").getString("id")).isEqualTo(approval.toString());
    assertThat(data.getJsonObject("approval").getString("tool")).isEqualTo("shell");
    assertThat(data.getJsonObject("approval").getString("expires_at"))
        .isEqualTo("2030-01-01T00:00:00Z");

    // A person's "stop" (V18 classifies it): agent.stopped; "carry on" is no notification.
    long stop =
        append(
            NewEvent.messageReceived("person", "stop")
                .withPayload(new JsonObject().put("control", "stop")));
    assertThat(rowsFor(stop)).containsExactly("everything:agent.stopped");
    assertThat(payloadOf(stop).getJsonObject("data").containsKey("content")).isFalse();
    long carryOn =
        append(
            NewEvent.messageReceived("person", "carry on")
                .withPayload(new JsonObject().put("control", "carry_on")));
    assertThat(rowsFor(carryOn)).isEmpty();
  }

  @Test
  void ordinaryEventsQueueNothing() throws Exception {
    long before = db.count("SELECT count(*) FROM notification_outbox");
    List<Long> seqs = new ArrayList<>();
    seqs.add(append(NewEvent.messageReceived("person", "hello")));
    seqs.add(append(NewEvent.assistantMessage("hi")));
    seqs.add(append(wakeEnd("completed")));
    seqs.add(append(wakeEnd("iteration_cap")));
    seqs.add(append(NewEvent.of(EventType.WAKE_START, "runtime", null)));
    for (long seq : seqs) {
      assertThat(rowsFor(seq)).as("event %d", seq).isEmpty();
    }
    assertThat(db.count("SELECT count(*) FROM notification_outbox")).isEqualTo(before);
  }

  @Test
  void theTriggerOnlyRunsForTheEventsItsWhenClauseNames() throws Exception {
    // Ordinary events must not even call the function: the WHEN clause filters them.
    try (Connection c = TestPostgres.connect(db.url);
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE tgname ="
                    + " 'events_notifications'")) {
      assertThat(rs.next()).isTrue();
      String def = rs.getString(1);
      assertThat(def).contains("AFTER INSERT ON").contains("WHEN");
      assertThat(def).contains("approval_requested").contains("wake_abandoned");
    }
  }

  @Test
  void aWorkspaceSeesOnlyItsOwnSubscriptionsAndDeliveries() {
    var fromB = await(db.store.inWorkspace(workspaceB).notifications().list(workspaceA));
    assertThat(fromB).isEmpty();
    var ownB = await(db.store.inWorkspace(workspaceB).notifications().list(workspaceB));
    assertThat(ownB)
        .extracting(NotificationRepository.Subscription::id)
        .containsExactly(otherWorkspace);
    var deliveries =
        await(
            db.store
                .inWorkspace(workspaceB)
                .notifications()
                .deliveries(workspaceA, null, null, null, 50));
    assertThat(deliveries).isEmpty();
  }

  @Test
  void aTestNotificationGoesToTheOneSubscription() {
    UUID id =
        await(
                db.store
                    .inWorkspace(workspaceA)
                    .notifications()
                    .enqueueTest(workspaceA, disabled, null))
            .orElseThrow();
    var delivery =
        await(db.store.inWorkspace(workspaceA).notifications().delivery(workspaceA, id))
            .orElseThrow();
    assertThat(delivery.subscriptionId()).isEqualTo(disabled);
    assertThat(delivery.kind()).isEqualTo("notification.test");
    assertThat(delivery.status()).isEqualTo("pending");
    assertThat(delivery.attempts()).isEqualTo(new JsonArray());
    assertThat(
            await(
                db.store
                    .inWorkspace(workspaceB)
                    .notifications()
                    .enqueueTest(workspaceA, disabled, null)))
        .isEmpty();
  }

  private static JsonObject payloadOf(long seq) throws Exception {
    try (Connection c = TestPostgres.connect(db.url);
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT payload::text FROM notification_outbox WHERE"
                    + " (payload->'data'->>'event_seq')::bigint = "
                    + seq
                    + " AND payload->'data'->>'agent_id' = '"
                    + agentA
                    + "' LIMIT 1")) {
      rs.next();
      return new JsonObject(rs.getString(1));
    }
  }
}
