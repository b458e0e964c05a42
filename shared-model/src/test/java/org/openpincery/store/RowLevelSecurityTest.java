package org.openpincery.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.openpincery.store.StoreFixture.await;

import io.vertx.sqlclient.Row;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openpincery.model.NewEvent;
import org.openpincery.model.Role;

/**
 * Defence in depth (issue 14): through {@link Store#inWorkspace}, PostgreSQL's row-level security
 * shows and lets write only the workspace's rows, even to statements that carry no workspace filter
 * of their own, and with no workspace set it shows nothing.
 */
class RowLevelSecurityTest {

  private static final StoreFixture db = new StoreFixture(4);
  private static UUID workspaceA;
  private static UUID workspaceB;
  private static UUID agentA;
  private static UUID agentB;

  // Each workspace-owned table, with the predicate (as the owner sees it) naming workspace $W.
  private static final Map<String, String> TABLES =
      Map.ofEntries(
          Map.entry("workspaces", "id = '$W'"),
          Map.entry("agents", "workspace_id = '$W'"),
          Map.entry("credentials", "workspace_id = '$W'"),
          Map.entry("memberships", "workspace_id = '$W'"),
          Map.entry("sessions", "workspace_id = '$W'"),
          Map.entry("invitations", "workspace_id = '$W'"),
          Map.entry("api_tokens", "workspace_id = '$W'"),
          Map.entry("audit_log", "workspace_id = '$W'"),
          Map.entry("audit_chains", "workspace_id = '$W'"),
          Map.entry("notification_subscriptions", "workspace_id = '$W'"),
          Map.entry("notification_outbox", "workspace_id = '$W'"),
          Map.entry("notification_attempts", "workspace_id = '$W'"),
          Map.entry("mcp_servers", "workspace_id = '$W'"),
          Map.entry("mcp_grants", ofAgents()),
          Map.entry("events", ofAgents()),
          Map.entry("projections", ofAgents()),
          Map.entry("timers", ofAgents()),
          Map.entry("schedules", ofAgents()),
          Map.entry("model_calls", ofAgents()),
          Map.entry("webhook_deliveries", ofAgents()),
          Map.entry("message_idempotency_keys", ofAgents()),
          Map.entry("memory_entries", ofAgents()));

  private static String ofAgents() {
    return "agent_id IN (SELECT id FROM agents WHERE workspace_id = '$W')";
  }

  @BeforeAll
  static void twoWorkspaces() throws Exception {
    workspaceA = await(db.store.agents().createWorkspace("a"));
    workspaceB = await(db.store.agents().createWorkspace("b"));
    agentA = populate(workspaceA, "a");
    agentB = populate(workspaceB, "b");
  }

  // An agent with events, a timer, a schedule and a delivery key; a member with a session, an
  // invitation and an API token; a credential row — all written as the owner, unscoped.
  private static UUID populate(UUID workspace, String tag) throws Exception {
    UUID agent =
        await(db.store.agents().createAgent(workspace, "agent-" + tag, "s-" + tag, BigDecimal.TEN));
    await(
        db.store
            .events()
            .appendInWorkspace(workspace, agent, NewEvent.messageReceived("api", "hi " + tag)));
    await(
        db.store
            .timers()
            .add(
                db.store.pool(),
                workspace,
                agent,
                OffsetDateTime.now().plusHours(1),
                "note " + tag));
    UUID user = await(db.store.auth().addMember(workspace, tag + "@example.com", tag, Role.OWNER));
    await(
        db.store
            .auth()
            .createSession(
                user, workspace, "invitation", sha(tag + "-session"), Duration.ofHours(1)));
    await(
        db.store
            .team()
            .invite(
                workspace,
                "x-" + tag + "@example.com",
                Role.VIEWER,
                sha(tag + "-inv"),
                user,
                Duration.ofHours(1)));
    await(
        db.store
            .team()
            .createToken(workspace, user, "t", Role.VIEWER, sha(tag + "-tok"), Optional.empty()));
    await(
        db.store
            .audit()
            .append(
                new AuditRepository.Entry(
                    workspace,
                    "user",
                    user,
                    user,
                    "agent.create",
                    "agent",
                    agent.toString(),
                    true,
                    201,
                    "127.0.0.1",
                    "req-" + tag,
                    null)));
    db.execute(
        "INSERT INTO schedules (agent_id, every_seconds, next_fire_at) VALUES ('"
            + agent
            + "', 3600, now() + interval '1 hour')");
    db.execute(
        "INSERT INTO webhook_deliveries (agent_id, dedup_key, event_seq) VALUES ('"
            + agent
            + "', 'd-"
            + tag
            + "', 1)");
    // A notification subscription with one delivery and its attempt.
    UUID subscription = UUID.randomUUID();
    UUID delivery = UUID.randomUUID();
    db.execute(
        "INSERT INTO notification_subscriptions (id, workspace_id, url, kinds, secret) VALUES ('"
            + subscription
            + "', '"
            + workspace
            + "', 'https://example.com/"
            + tag
            + "', ARRAY['wake.failed'], 'whsec_"
            + tag
            + "');"
            + "INSERT INTO notification_outbox (id, workspace_id, subscription_id, kind, payload)"
            + " VALUES ('"
            + delivery
            + "', '"
            + workspace
            + "', '"
            + subscription
            + "', 'wake.failed', '{}');"
            + "INSERT INTO notification_attempts (outbox_id, workspace_id, attempt, started_at)"
            + " VALUES ('"
            + delivery
            + "', '"
            + workspace
            + "', 1, now())");
    // An MCP server the agent may use every tool of.
    var server =
        await(
            db.store
                .mcp()
                .create(
                    workspace,
                    new McpRepository.NewServer(
                        "srv_" + tag, "https://mcp.example.com/" + tag, null, null, null, null),
                    user));
    UUID serverId = ((McpRepository.CreateResult.Created) server).server().id();
    await(
        db.store
            .mcp()
            .replaceGrants(
                workspace, agent, List.of(new McpRepository.NewGrant(serverId, "*", null)), user));
    return agent;
  }

  private static byte[] sha(String s) throws Exception {
    return java.security.MessageDigest.getInstance("SHA-256")
        .digest(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  @AfterAll
  static void close() {
    db.close();
  }

  @Test
  void everyWorkspaceOwnedTableShowsOnlyTheScopedWorkspacesRowsToAStatementWithoutAFilter()
      throws Exception {
    List<String> checked = new ArrayList<>();
    for (var table : TABLES.entrySet()) {
      long ownA = db.count(countWhere(table, workspaceA));
      long ownB = db.count(countWhere(table, workspaceB));
      long all = db.count("SELECT count(*) FROM " + table.getKey());
      long seenFromA = scopedCount(workspaceA, "SELECT count(*) FROM " + table.getKey());
      long seenFromB = scopedCount(workspaceB, "SELECT count(*) FROM " + table.getKey());
      assertThat(seenFromA).as(table.getKey() + " from A").isEqualTo(ownA);
      assertThat(seenFromB).as(table.getKey() + " from B").isEqualTo(ownB);
      if (ownA > 0 && ownB > 0) {
        assertThat(seenFromA).as(table.getKey()).isLessThan(all);
        checked.add(table.getKey());
      }
    }
    // The tables the fixture fills for both workspaces really were compared with rows on both
    // sides (credentials, projections and model calls have none here: their counts are 0 = 0).
    assertThat(checked)
        .contains(
            "workspaces",
            "agents",
            "memberships",
            "sessions",
            "invitations",
            "api_tokens",
            "audit_log",
            "audit_chains",
            "notification_subscriptions",
            "notification_outbox",
            "notification_attempts",
            "mcp_servers",
            "mcp_grants",
            "events",
            "timers",
            "schedules",
            "webhook_deliveries",
            "memory_entries");
  }

  @Test
  void aRepositoryReadWithNoWorkspaceFilterOfItsOwnSeesNothingOfAnotherWorkspace() {
    // pageNewest filters by agent only: the application's workspace check normally precedes it.
    assertThat(await(db.store.events().pageNewest(agentB, 10))).isNotEmpty();
    assertThat(await(db.store.inWorkspace(workspaceA).events().pageNewest(agentB, 10))).isEmpty();
    assertThat(await(db.store.inWorkspace(workspaceB).events().pageNewest(agentB, 10)))
        .isNotEmpty();
    // Even a read that names the other workspace correctly finds nothing from outside it.
    assertThat(await(db.store.inWorkspace(workspaceA).agents().get(workspaceB, agentB))).isEmpty();
    assertThat(await(db.store.inWorkspace(workspaceA).agents().get(workspaceA, agentA)))
        .isPresent();
  }

  @Test
  void writesIntoAnotherWorkspaceAreRefusedAndUnfilteredUpdatesTouchOnlyTheScope()
      throws Exception {
    assertThatThrownBy(
            () ->
                await(
                    db.store
                        .inWorkspace(workspaceA)
                        .agents()
                        .createAgent(workspaceB, "intruder", "s", BigDecimal.ONE)))
        .hasMessageContaining("row-level security");
    assertThat(db.count("SELECT count(*) FROM agents WHERE name = 'intruder'")).isZero();

    var updated =
        await(
            db.store
                .inWorkspace(workspaceA)
                .pool()
                .query("UPDATE agents SET budget_limit_usd = budget_limit_usd")
                .execute());
    assertThat(updated.rowCount()).isEqualTo(1);
  }

  @Test
  void withNoWorkspaceInScopeNothingIsVisible() {
    assertThat(scopedCountIn(List.of(), "SELECT count(*) FROM agents")).isZero();
    assertThat(scopedCountIn(List.of(), "SELECT count(*) FROM events")).isZero();
    assertThat(scopedCountIn(List.of(workspaceA, workspaceB), "SELECT count(*) FROM agents"))
        .isEqualTo(2);
  }

  @Test
  void theApiRoleOwnsNothingAndCannotBypassRowLevelSecurity() throws Exception {
    assertThat(db.count("SELECT count(*) FROM pg_roles WHERE rolname = 'pincery_api'"))
        .isEqualTo(1);
    assertThat(
            db.count(
                "SELECT count(*) FROM pg_roles WHERE rolname = 'pincery_api'"
                    + " AND (rolsuper OR rolbypassrls OR rolcanlogin)"))
        .isZero();
    assertThat(
            db.count(
                "SELECT count(*) FROM pg_tables WHERE tableowner = 'pincery_api'"
                    + " OR (tablename IN ('agents', 'events') AND NOT rowsecurity)"))
        .isZero();
    Row who =
        await(
                db.store
                    .inWorkspace(workspaceA)
                    .pool()
                    .query("SELECT current_user AS u, current_setting('pincery.workspaces') AS w")
                    .execute())
            .iterator()
            .next();
    assertThat(who.getString("u")).isEqualTo(ScopedPool.ROLE);
    assertThat(who.getString("w")).isEqualTo(workspaceA.toString());
    // The scope is the transaction's: the connection goes back to the pool as it came.
    Row after =
        await(
                db.store
                    .pool()
                    .query(
                        "SELECT current_user AS u,"
                            + " coalesce(current_setting('pincery.workspaces', true), '') AS w")
                    .execute())
            .iterator()
            .next();
    assertThat(after.getString("u")).isNotEqualTo(ScopedPool.ROLE);
    assertThat(after.getString("w")).isEmpty();
  }

  private static String countWhere(Map.Entry<String, String> table, UUID workspace) {
    return "SELECT count(*) FROM "
        + table.getKey()
        + " WHERE "
        + table.getValue().replace("$W", workspace.toString());
  }

  private static long scopedCount(UUID workspace, String sql) {
    return scopedCountIn(List.of(workspace), sql);
  }

  private static long scopedCountIn(List<UUID> workspaces, String sql) {
    return await(db.store.inWorkspaces(workspaces).pool().query(sql).execute())
        .iterator()
        .next()
        .getLong(0);
  }
}
