package org.openpincery.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vertx.core.Vertx;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openpincery.config.DatabaseConfig;
import org.openpincery.config.Env;
import org.openpincery.db.DatabaseUrl;
import org.openpincery.model.AgentStatus;
import org.openpincery.model.NewEvent;
import org.openpincery.model.TerminationReason;
import org.openpincery.notify.Channel;
import org.openpincery.notify.NotificationListener;
import org.openpincery.store.ClaimResult;
import org.openpincery.store.Database;
import org.openpincery.store.Store;
import org.openpincery.store.WakeRepository;
import org.openpincery.testkit.TestPostgres;

/** Schedulers against real PostgreSQL; two at once where double-firing could happen. */
class SchedulerTest {

  private final DatabaseUrl url = TestPostgres.freshDatabase();
  private final List<Vertx> vertxes = new ArrayList<>();
  private final Store store;
  private final UUID workspace;

  SchedulerTest() {
    Vertx vertx = Vertx.vertx();
    vertxes.add(vertx);
    store = Store.open(vertx, new DatabaseConfig(url, 8, "scheduler-test"));
    workspace = store.agents().createWorkspace("ws").await();
  }

  @AfterEach
  void close() {
    // Schedulers first, so that none of them runs against a closed pool.
    for (int i = vertxes.size() - 1; i >= 0; i--) {
      vertxes.get(i).close().await();
    }
  }

  /** A scheduler in a Vert.x and pool of its own, as a separate process would have. */
  private void startScheduler(Map<String, String> settings) {
    Vertx vertx = Vertx.vertx();
    vertxes.add(vertx);
    Store own = Store.open(vertx, new DatabaseConfig(url, 4, "scheduler"));
    vertx
        .deployVerticle(
            new SchedulerVerticle(own, SchedulerConfig.from(Env.of(settings))),
            SchedulerVerticle.deploymentOptions())
        .await();
  }

  private long count(String sql) throws Exception {
    try (Connection c = TestPostgres.connect(url);
        ResultSet rs = c.createStatement().executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private void exec(String sql) throws Exception {
    try (Connection c = TestPostgres.connect(url)) {
      c.createStatement().execute(sql);
    }
  }

  @Test
  void twoSchedulersExpireAnUndecidedApprovalOnceAndTheAgentIsWokenToHearIt() throws Exception {
    UUID agent = store.agents().createAgent(workspace, "waiting", "s", null).await();
    var claimed =
        (ClaimResult.Claimed)
            store.lifecycle().claim(agent, "test-wake", Duration.ofMinutes(1)).await();
    UUID approval = UUID.randomUUID();
    // The step a supervised wake commits for a gated call: the request, expiring in a second.
    store
        .wakes()
        .step(
            new WakeRepository.Step(
                agent,
                claimed.wakeId(),
                Duration.ofMinutes(1),
                null,
                List.of(),
                TerminationReason.AWAITING_APPROVAL,
                claimed.inboxSeq(),
                Duration.ofMinutes(1),
                List.of(),
                false,
                List.of(
                    new WakeRepository.ApprovalChange.Request(
                        approval,
                        "call_0",
                        "shell",
                        "external",
                        new io.vertx.core.json.JsonObject().put("command", "deploy"),
                        java.time.OffsetDateTime.now().plusSeconds(1))),
                null))
        .await();
    startScheduler(Map.of());
    startScheduler(Map.of());
    await()
        .atMost(Duration.ofSeconds(15))
        .until(
            () ->
                count(
                        "SELECT count(*) FROM approvals WHERE id = '"
                            + approval
                            + "' AND status = 'expired'")
                    == 1);
    assertThat(
            count(
                "SELECT count(*) FROM events WHERE agent_id = '"
                    + agent
                    + "' AND event_type = 'approval_decided' AND payload->>'decision' = 'expired'"))
        .isEqualTo(1);
    // The decision woke it: pending work, for any wake worker to claim.
    assertThat(store.lifecycle().findPending(10).await()).contains(agent);
  }

  @Test
  void twoSchedulersFireAThousandTimersExactlyOnce() throws Exception {
    List<UUID> agents = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      agents.add(store.agents().createAgent(workspace, "a" + i, "s", null).await());
    }
    // Timers as agents' wakes set them: due over the next second, spread over the agents.
    StringBuilder values = new StringBuilder();
    for (int i = 0; i < 1000; i++) {
      values
          .append(i == 0 ? "" : ",")
          .append("('")
          .append(agents.get(i % agents.size()))
          .append("', now() + interval '")
          .append(i)
          .append(" milliseconds', 'timer ")
          .append(i)
          .append("')");
    }
    exec("INSERT INTO timers (agent_id, due_at, note) VALUES " + values);
    // One more, cancelled: it must never fire.
    exec(
        "INSERT INTO timers (agent_id, due_at, note, cancelled_at) VALUES ('"
            + agents.getFirst()
            + "', now(), 'cancelled', now())");

    Map<String, String> fast =
        Map.of("SCHEDULER_TIMER_INTERVAL_MILLIS", "20", "SCHEDULER_BATCH", "37");
    startScheduler(fast);
    startScheduler(fast);

    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                count("SELECT count(*) FROM timers WHERE fired_at IS NULL AND cancelled_at IS NULL")
                    == 0);
    assertThat(count("SELECT count(*) FROM events WHERE event_type = 'timer_fired'"))
        .isEqualTo(1000);
    assertThat(
            count(
                "SELECT count(DISTINCT payload->>'timer_id') FROM events"
                    + " WHERE event_type = 'timer_fired'"))
        .isEqualTo(1000);
    assertThat(count("SELECT count(*) FROM events WHERE content = 'cancelled'")).isZero();
    for (UUID agent : agents) {
      assertThat(store.events().verifyChain(agent).await())
          .isInstanceOf(org.openpincery.store.ChainVerification.Valid.class);
    }
  }

  @Test
  void aLostNotificationIsRecoveredByTheSweeper() throws Exception {
    UUID agent = store.agents().createAgent(workspace, "forgotten", "s", null).await();
    List<String> woken = new CopyOnWriteArrayList<>();
    Vertx listening = vertxes.getFirst();
    listening.eventBus().<String>consumer(Channel.WAKE.address(), m -> woken.add(m.body()));
    NotificationListener listener =
        new NotificationListener(
            listening, Database.connectOptions(url, "sweep-test"), Set.of(Channel.WAKE), v -> {});
    listener.start().await();
    // Work that arrived without its notification (appended in SQL, so no NOTIFY was sent).
    exec(
        "SELECT pincery_append_event('"
            + agent
            + "', 'message_received', 'person', NULL, 'hello', NULL, NULL, NULL, NULL, NULL, NULL)");
    assertThat(woken).isEmpty();

    startScheduler(Map.of("SCHEDULER_SWEEP_INTERVAL_SECONDS", "1"));
    await().atMost(Duration.ofSeconds(10)).until(() -> woken.contains(agent.toString()));
    listener.stop().await();
  }

  @Test
  void anExpiredLeaseIsReapedAndItsWorkIsPendingAgain() throws Exception {
    UUID agent = store.agents().createAgent(workspace, "abandoned", "s", null).await();
    store.events().append(agent, NewEvent.messageReceived("person", "hi")).await();
    var claimed =
        (ClaimResult.Claimed)
            store.lifecycle().claim(agent, "a-worker-that-died", Duration.ofSeconds(1)).await();
    startScheduler(Map.of("SCHEDULER_REAP_INTERVAL_SECONDS", "1"));
    await()
        .atMost(Duration.ofSeconds(15))
        .until(
            () -> store.agents().find(agent).await().orElseThrow().status() == AgentStatus.ASLEEP);
    var abandoned =
        store.events().pageAfter(agent, 0, 100).await().stream()
            .filter(e -> e.eventType().equals("wake_abandoned"))
            .toList();
    assertThat(abandoned)
        .singleElement()
        .satisfies(e -> assertThat(e.wakeId()).isEqualTo(claimed.wakeId()));
    assertThat(store.lifecycle().findPending(10).await()).contains(agent);
  }

  @Test
  void aRecurringScheduleFiresUntilDeleted() throws Exception {
    UUID agent = store.agents().createAgent(workspace, "routine", "s", null).await();
    var schedule =
        store
            .schedules()
            .create(workspace, agent, 1, null, "stand-up", Instant.now(), null)
            .await()
            .orElseThrow();
    startScheduler(Map.of("SCHEDULER_TIMER_INTERVAL_MILLIS", "50"));
    await()
        .atMost(Duration.ofSeconds(15))
        .until(
            () ->
                count(
                        "SELECT count(*) FROM events WHERE event_type = 'timer_fired'"
                            + " AND payload->>'schedule_id' = '"
                            + schedule.id()
                            + "'")
                    >= 2);
    assertThat(store.schedules().delete(workspace, agent, schedule.id()).await()).isTrue();
    // A deleted schedule is gone from the list and never fires, even once overdue.
    assertThat(store.schedules().list(workspace, agent).await()).isEmpty();
    exec("UPDATE schedules SET next_fire_at = now() - interval '1 minute'");
    long fired = count("SELECT count(*) FROM events WHERE event_type = 'timer_fired'");
    assertThat(store.schedules().fireDue(100).await()).isZero();
    assertThat(count("SELECT count(*) FROM events WHERE event_type = 'timer_fired'"))
        .isEqualTo(fired);
  }

  @Test
  void theQueueGaugesCountAgentsWaitingForAWakeAndAwake() throws Exception {
    UUID waiting = store.agents().createAgent(workspace, "waiting", "s", null).await();
    UUID working = store.agents().createAgent(workspace, "working", "s", null).await();
    store.agents().createAgent(workspace, "idle", "s", null).await();
    store.events().append(waiting, NewEvent.messageReceived("person", "hi")).await();
    store.events().append(working, NewEvent.messageReceived("person", "hi")).await();
    assertThat(store.lifecycle().claim(working, "w", Duration.ofMinutes(5)).await())
        .isInstanceOf(ClaimResult.Claimed.class);
    var registry = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
    Vertx vertx = Vertx.vertx();
    vertxes.add(vertx);
    vertx
        .deployVerticle(
            new SchedulerVerticle(
                Store.open(vertx, new DatabaseConfig(url, 4, "scheduler")),
                SchedulerConfig.from(Env.of(Map.of("SCHEDULER_SWEEP_INTERVAL_SECONDS", "1"))),
                registry),
            SchedulerVerticle.deploymentOptions())
        .await();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                registry.get("pincery_pending_agents").gauge().value() == 1
                    && registry.get("pincery_awake_agents").gauge().value() == 1);
    assertThat(registry.get("pincery_maintenance_agents").gauge().value()).isZero();
  }

  @Test
  void expiredSessionsInvitationsTokensAndOldDeliveryAndIdempotencyKeysArePruned()
      throws Exception {
    UUID agent = store.agents().createAgent(workspace, "pruned", "s", null).await();
    exec("INSERT INTO users (email, name) VALUES ('a@example.org', 'A')");
    exec(
        "INSERT INTO sessions (user_id, workspace_id, kind, token_hash, expires_at)"
            + " SELECT id, '"
            + workspace
            + "', 'invitation', sha256('expired'), now() - interval '1 minute' FROM users");
    exec(
        "INSERT INTO sessions (user_id, workspace_id, kind, token_hash, expires_at)"
            + " SELECT id, '"
            + workspace
            + "', 'invitation', sha256('live'), now() + interval '1 day' FROM users");
    // Invitations and API tokens are kept 30 days after they stopped working, then pruned.
    exec(
        "INSERT INTO invitations (workspace_id, email, role, token_hash, invited_by, created_at,"
            + " expires_at) SELECT '"
            + workspace
            + "'::uuid, 'old@example.org', 'viewer', sha256('old-inv'), id, now() - interval '40 days',"
            + " now() - interval '31 days' FROM users UNION ALL SELECT '"
            + workspace
            + "'::uuid, 'new@example.org', 'viewer', sha256('new-inv'), id, now() - interval '9 days',"
            + " now() - interval '1 day' FROM users");
    exec(
        "INSERT INTO api_tokens (workspace_id, user_id, name, role, token_hash, created_at,"
            + " revoked_at) SELECT '"
            + workspace
            + "'::uuid, id, 'old', 'viewer', sha256('old-tok'), now() - interval '40 days',"
            + " now() - interval '31 days' FROM users UNION ALL SELECT '"
            + workspace
            + "'::uuid, id, 'recent', 'viewer', sha256('new-tok'), now() - interval '40 days',"
            + " now() - interval '1 day' FROM users");
    exec(
        "INSERT INTO webhook_deliveries (agent_id, dedup_key, event_seq, received_at) VALUES ('"
            + agent
            + "', 'old', 1, now() - interval '100 hours'), ('"
            + agent
            + "', 'recent', 2, now())");
    exec(
        "INSERT INTO message_idempotency_keys (agent_id, key, fingerprint, created_at) VALUES ('"
            + agent
            + "', 'old', '\\x00', now() - interval '100 hours'), ('"
            + agent
            + "', 'recent', '\\x00', now())");
    exec(
        "INSERT INTO request_idempotency_keys (user_id, scope, key, fingerprint, created_at)"
            + " SELECT id, 'POST /api/agents', 'old', '\\x00'::bytea, now() - interval '100 hours'"
            + " FROM users UNION ALL"
            + " SELECT id, 'POST /api/agents', 'recent', '\\x00', now() FROM users");
    startScheduler(Map.of("SCHEDULER_PRUNE_INTERVAL_SECONDS", "1"));
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                count("SELECT count(*) FROM sessions") == 1
                    && count("SELECT count(*) FROM invitations") == 1
                    && count("SELECT count(*) FROM api_tokens") == 1
                    && count("SELECT count(*) FROM webhook_deliveries") == 1
                    && count("SELECT count(*) FROM message_idempotency_keys") == 1
                    && count("SELECT count(*) FROM request_idempotency_keys") == 1);
    assertThat(count("SELECT count(*) FROM request_idempotency_keys WHERE key = 'recent'"))
        .isEqualTo(1);
    assertThat(count("SELECT count(*) FROM message_idempotency_keys WHERE key = 'recent'"))
        .isEqualTo(1);
    assertThat(count("SELECT count(*) FROM webhook_deliveries WHERE dedup_key = 'recent'"))
        .isEqualTo(1);
    assertThat(count("SELECT count(*) FROM sessions WHERE token_hash = sha256('live')"))
        .isEqualTo(1);
    assertThat(count("SELECT count(*) FROM invitations WHERE email = 'new@example.org'"))
        .isEqualTo(1);
    assertThat(count("SELECT count(*) FROM api_tokens WHERE name = 'recent'")).isEqualTo(1);
  }
}
