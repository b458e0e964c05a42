package org.openpincery.store;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.openpincery.model.AgentState;
import org.openpincery.model.AgentStatus;
import org.openpincery.model.AgentView;
import org.openpincery.model.PermissionMode;
import org.openpincery.model.Projection;
import org.openpincery.notify.Notifier;

/**
 * Workspaces and agents. Every operator-facing read and write is scoped by workspace: an agent of
 * another workspace is indistinguishable from one that does not exist.
 */
public final class AgentRepository {

  private static final String INSERT_WORKSPACE =
      """
      INSERT INTO workspaces (name) VALUES ($1) RETURNING id
      """;

  private static final String VIEW_COLUMNS =
      """
      id, workspace_id, name, status, is_enabled, disabled_reason, budget_limit_usd,
      budget_spent_usd, event_seq, inbox_seq, consumed_seq, created_at, updated_at, deleted_at,
      permission_mode
      """;

  private static final String INSERT_AGENT =
      "INSERT INTO agents (workspace_id, name, webhook_secret, budget_limit_usd, created_by,"
          + " permission_mode) VALUES ($1, $2, $3, $4, $5, $6) RETURNING "
          + VIEW_COLUMNS;

  private static final String SELECT_AGENT_STATE =
      """
      SELECT id, workspace_id, name, status, is_enabled, disabled_reason, wake_id,
             lease_expires_at, event_seq, inbox_seq, consumed_seq
        FROM agents
       WHERE id = $1
      """;

  // $2: deleted agents too.
  private static final String LIST_AGENTS =
      "SELECT "
          + VIEW_COLUMNS
          + " FROM agents WHERE workspace_id = $1 AND ($2 OR deleted_at IS NULL)"
          + " ORDER BY created_at, id";

  // Deleted agents included: their history stays readable.
  private static final String GET_AGENT =
      "SELECT " + VIEW_COLUMNS + " FROM agents WHERE id = $1 AND workspace_id = $2";

  private static final String LATEST_PROJECTION =
      """
      SELECT version, identity, work_list, summary, created_at
        FROM projections
       WHERE agent_id = $1
       ORDER BY version DESC
       LIMIT 1
      """;

  // A partial update in one statement: $3/$5/$7/$9 say whether name, enabled, budget and
  // permission mode are given, so an absent field keeps its value and a given null budget means
  // "unlimited". Disabling by an operator records the reason (an operator's disable of a stopped
  // agent becomes theirs: a "carry on" message no longer enables it); enabling clears it. A new
  // budget re-enables an agent that a wake parked for budget_exhausted, so its waiting input
  // wakes it.
  private static final String UPDATE_AGENT =
      "UPDATE agents SET"
          + " name = CASE WHEN $3 THEN $4 ELSE name END,"
          + " is_enabled = CASE WHEN $5 THEN $6"
          + "   WHEN $7 AND disabled_reason = 'budget_exhausted' THEN true ELSE is_enabled END,"
          + " disabled_reason = CASE WHEN $5 AND $6 THEN NULL"
          + "   WHEN $5 AND (disabled_reason IS NULL OR disabled_reason = 'stopped')"
          + "   THEN 'disabled_by_operator'"
          + "   WHEN $5 THEN disabled_reason"
          + "   WHEN $7 AND disabled_reason = 'budget_exhausted' THEN NULL"
          + "   ELSE disabled_reason END,"
          + " budget_limit_usd = CASE WHEN $7 THEN $8 ELSE budget_limit_usd END,"
          + " permission_mode = CASE WHEN $9 THEN $10 ELSE permission_mode END,"
          + " updated_at = now()"
          + " WHERE id = $1 AND workspace_id = $2 AND deleted_at IS NULL"
          + " RETURNING "
          + VIEW_COLUMNS
          + ", (is_enabled AND status = 'asleep' AND inbox_seq > consumed_seq) AS pending";

  // Internal enable/disable (tests, workers): no workspace scope.
  private static final String SET_ENABLED =
      """
      UPDATE agents
         SET is_enabled = $2,
             disabled_reason = CASE WHEN $2 THEN NULL ELSE $3 END,
             updated_at = now()
       WHERE id = $1 AND deleted_at IS NULL
      RETURNING (is_enabled AND status = 'asleep' AND inbox_seq > consumed_seq) AS pending
      """;

  // Soft delete (the log and projections stay; the name is freed for a new agent) is three
  // statements in one transaction, taking locks in the order the scheduler takes them (timer and
  // schedule rows first, then the agent row), so a firing batch and a delete wait for each other
  // but never deadlock. 1: end the pending timers and live schedules of a live agent (waiting for
  // a batch that is firing one of them, which commits its event before the delete).
  private static final String END_TIMERS_AND_SCHEDULES =
      """
      WITH cancelled_timers AS (
          UPDATE timers t SET cancelled_at = now()
            FROM agents a
           WHERE t.agent_id = a.id AND a.id = $1 AND a.workspace_id = $2
             AND a.deleted_at IS NULL AND t.fired_at IS NULL AND t.cancelled_at IS NULL)
      UPDATE schedules s SET deleted_at = now()
        FROM agents a
       WHERE s.agent_id = a.id AND a.id = $1 AND a.workspace_id = $2
         AND a.deleted_at IS NULL AND s.deleted_at IS NULL
      """;

  // 2: mark the agent deleted and disabled; a running wake ends at its next heartbeat.
  private static final String MARK_DELETED =
      """
      UPDATE agents
         SET is_enabled = false, disabled_reason = 'deleted', deleted_at = now(), updated_at = now()
       WHERE id = $1 AND workspace_id = $2 AND deleted_at IS NULL
      """;

  // 3: a timer a running wake set between 1 and 2 (SET_TIMER holds a share lock on the agent row,
  // so by now it has committed, and this statement's fresh snapshot sees it). Timers set after 2
  // are born cancelled (see TimerRepository).
  private static final String CANCEL_LATE_TIMERS =
      """
      UPDATE timers SET cancelled_at = now()
       WHERE agent_id = $1 AND fired_at IS NULL AND cancelled_at IS NULL
      """;

  // 4: a deleted agent's secret is no longer replayed with its create's response (V10).
  private static final String FORGET_SECRET =
      """
      UPDATE request_idempotency_keys SET response = response - 'webhook_secret'
       WHERE agent_id = $1
      """;

  // The old secret keeps verifying until the grace period ends, so senders can be switched over.
  // The secret is also taken out of create responses kept under an Idempotency-Key (V10): a
  // replayed create never shows a secret that has been replaced.
  private static final String ROTATE_WEBHOOK_SECRET =
      """
      WITH rotated AS (
          UPDATE agents
             SET webhook_secret_previous = webhook_secret,
                 webhook_secret_previous_expires_at = now() + $4 * interval '1 second',
                 webhook_secret = $3,
                 updated_at = now()
           WHERE id = $1 AND workspace_id = $2 AND deleted_at IS NULL
          RETURNING id, webhook_secret_previous_expires_at
      ), forgotten AS (
          UPDATE request_idempotency_keys k SET response = k.response - 'webhook_secret'
            FROM rotated r
           WHERE k.agent_id = r.id
      )
      SELECT webhook_secret_previous_expires_at FROM rotated
      """;

  /** The mode of agents created without one: the column's default (V18). */
  static final PermissionMode DEFAULT_MODE = PermissionMode.SUPERVISED;

  private final Pool pool;
  private final Notifier notifier;

  AgentRepository(Pool pool, Notifier notifier) {
    this.pool = pool;
    this.notifier = notifier;
  }

  /** The outcome of creating or renaming an agent. */
  public sealed interface WriteResult {
    record Written(AgentView agent) implements WriteResult {}

    /** Another live agent of the workspace has that name. */
    record NameTaken() implements WriteResult {}

    record NotFound() implements WriteResult {}
  }

  /** A partial update: an empty optional leaves the field alone. */
  public record AgentPatch(
      Optional<String> name,
      Optional<Boolean> enabled,
      Optional<Optional<BigDecimal>> budget,
      Optional<PermissionMode> permissionMode) {

    /** A patch that leaves the permission mode alone. */
    public AgentPatch(
        Optional<String> name, Optional<Boolean> enabled, Optional<Optional<BigDecimal>> budget) {
      this(name, enabled, budget, Optional.empty());
    }
  }

  public Future<UUID> createWorkspace(String name) {
    return pool.preparedQuery(INSERT_WORKSPACE)
        .execute(Tuple.of(name))
        .map(rows -> rows.iterator().next().getUUID("id"));
  }

  /**
   * Creates an agent (asleep, enabled, {@code supervised}). Test and bench helper; the API uses
   * {@link #create}.
   */
  public Future<UUID> createAgent(
      UUID workspaceId, String name, String webhookSecret, BigDecimal budgetLimitUsd) {
    return createAgent(workspaceId, name, webhookSecret, budgetLimitUsd, DEFAULT_MODE);
  }

  /** As {@link #createAgent(UUID, String, String, BigDecimal)}, in {@code mode}. */
  public Future<UUID> createAgent(
      UUID workspaceId,
      String name,
      String webhookSecret,
      BigDecimal budgetLimitUsd,
      PermissionMode mode) {
    return create(pool, workspaceId, name, null, webhookSecret, budgetLimitUsd, mode)
        .map(
            r -> {
              if (r instanceof WriteResult.Written w) {
                return w.agent().id();
              }
              throw new IllegalStateException("agent name taken: " + name);
            });
  }

  /**
   * Creates an agent, asleep, enabled and {@code supervised}.
   *
   * @param budgetLimitUsd {@code null} for an explicitly unlimited budget
   */
  public Future<WriteResult> create(
      UUID workspaceId,
      String name,
      UUID createdBy,
      String webhookSecret,
      BigDecimal budgetLimitUsd) {
    return create(pool, workspaceId, name, createdBy, webhookSecret, budgetLimitUsd, DEFAULT_MODE);
  }

  /**
   * {@link #create(UUID, String, UUID, String, BigDecimal)} on {@code client} (a transaction's
   * connection: on {@link WriteResult.NameTaken} that transaction is aborted and must roll back),
   * in permission mode {@code mode}.
   */
  public Future<WriteResult> create(
      SqlClient client,
      UUID workspaceId,
      String name,
      UUID createdBy,
      String webhookSecret,
      BigDecimal budgetLimitUsd,
      PermissionMode mode) {
    return client
        .preparedQuery(INSERT_AGENT)
        .execute(Tuple.of(workspaceId, name, webhookSecret, budgetLimitUsd, createdBy, mode.wire()))
        .map(rows -> (WriteResult) new WriteResult.Written(toView(rows.iterator().next())))
        .recover(AgentRepository::nameTaken);
  }

  /** The workspace's live agents. */
  public Future<List<AgentView>> list(UUID workspaceId) {
    return list(workspaceId, false);
  }

  /** The workspace's agents, oldest first; deleted ones too when {@code includeDeleted}. */
  public Future<List<AgentView>> list(UUID workspaceId, boolean includeDeleted) {
    return pool.preparedQuery(LIST_AGENTS)
        .execute(Tuple.of(workspaceId, includeDeleted))
        .map(
            rows -> {
              List<AgentView> agents = new ArrayList<>(rows.size());
              rows.forEach(row -> agents.add(toView(row)));
              return agents;
            });
  }

  /** An agent of the workspace, deleted or not (see {@link AgentView#deleted()}). */
  public Future<Optional<AgentView>> get(UUID workspaceId, UUID agentId) {
    return pool.preparedQuery(GET_AGENT)
        .execute(Tuple.of(agentId, workspaceId))
        .map(rows -> Rows.first(rows, AgentRepository::toView));
  }

  public Future<Optional<Projection>> latestProjection(UUID agentId) {
    return pool.preparedQuery(LATEST_PROJECTION)
        .execute(Tuple.of(agentId))
        .map(
            rows ->
                Rows.first(
                    rows,
                    row ->
                        new Projection(
                            row.getInteger("version"),
                            row.getString("identity"),
                            row.getString("work_list"),
                            row.getString("summary"),
                            row.getOffsetDateTime("created_at"))));
  }

  public Future<WriteResult> update(UUID workspaceId, UUID agentId, AgentPatch patch) {
    Tuple params =
        Tuple.tuple()
            .addUUID(agentId)
            .addUUID(workspaceId)
            .addBoolean(patch.name().isPresent())
            .addString(patch.name().orElse(null))
            .addBoolean(patch.enabled().isPresent())
            .addBoolean(patch.enabled().orElse(false))
            .addBoolean(patch.budget().isPresent())
            .addBigDecimal(patch.budget().flatMap(b -> b).orElse(null))
            .addBoolean(patch.permissionMode().isPresent())
            .addString(patch.permissionMode().map(PermissionMode::wire).orElse(null));
    return pool.preparedQuery(UPDATE_AGENT)
        .execute(params)
        .map(
            rows -> {
              if (rows.size() == 0) {
                return (WriteResult) new WriteResult.NotFound();
              }
              Row row = rows.iterator().next();
              if (row.getBoolean("pending")) {
                notifier.wake(agentId);
              }
              return new WriteResult.Written(toView(row));
            })
        .recover(AgentRepository::nameTaken);
  }

  /**
   * Soft-deletes: disabled with reason {@code deleted}, pending timers cancelled, schedules ended;
   * the log stays. False when there is no such live agent (none, or already deleted).
   */
  public Future<Boolean> delete(UUID workspaceId, UUID agentId) {
    Tuple ids = Tuple.of(agentId, workspaceId);
    return pool.withTransaction(
        conn ->
            conn.preparedQuery(END_TIMERS_AND_SCHEDULES)
                .execute(ids)
                .compose(v -> conn.preparedQuery(MARK_DELETED).execute(ids))
                .compose(
                    marked ->
                        marked.rowCount() == 0
                            ? Future.succeededFuture(false)
                            : conn.preparedQuery(CANCEL_LATE_TIMERS)
                                .execute(Tuple.of(agentId))
                                .compose(
                                    v ->
                                        conn.preparedQuery(FORGET_SECRET)
                                            .execute(Tuple.of(agentId)))
                                .map(v -> true)));
  }

  /** Installs a new webhook secret; returns when the previous one stops verifying. */
  public Future<Optional<OffsetDateTime>> rotateWebhookSecret(
      UUID workspaceId, UUID agentId, String newSecret, Duration grace) {
    return pool.preparedQuery(ROTATE_WEBHOOK_SECRET)
        .execute(Tuple.of(agentId, workspaceId, newSecret, grace.toSeconds()))
        .map(
            rows ->
                Rows.first(
                    rows, row -> row.getOffsetDateTime("webhook_secret_previous_expires_at")));
  }

  /** An agent's lifecycle row, any workspace (workers and tests). */
  public Future<Optional<AgentState>> find(UUID agentId) {
    return pool.preparedQuery(SELECT_AGENT_STATE)
        .execute(Tuple.of(agentId))
        .map(rows -> Rows.first(rows, AgentRepository::toState));
  }

  /**
   * Enables or disables an agent, any workspace. A running wake notices at its next heartbeat;
   * re-enabling an agent with work waiting sends a wake notification.
   *
   * @return false when there is no such (live) agent
   */
  public Future<Boolean> setEnabled(UUID agentId, boolean enabled, String reason) {
    return pool.preparedQuery(SET_ENABLED)
        .execute(Tuple.of(agentId, enabled, reason))
        .map(
            rows -> {
              if (rows.size() == 0) {
                return false;
              }
              if (rows.iterator().next().getBoolean("pending")) {
                notifier.wake(agentId);
              }
              return true;
            });
  }

  private static Future<WriteResult> nameTaken(Throwable err) {
    return AuthRepository.isUniqueViolation(err, "agents_workspace_name_uq")
        ? Future.succeededFuture(new WriteResult.NameTaken())
        : Future.failedFuture(err);
  }

  private static AgentView toView(Row row) {
    return new AgentView(
        row.getUUID("id"),
        row.getUUID("workspace_id"),
        row.getString("name"),
        AgentStatus.fromWire(row.getString("status")),
        row.getBoolean("is_enabled"),
        row.getString("disabled_reason"),
        row.getBigDecimal("budget_limit_usd"),
        row.getBigDecimal("budget_spent_usd"),
        row.getLong("event_seq"),
        row.getLong("inbox_seq"),
        row.getLong("consumed_seq"),
        row.getOffsetDateTime("created_at"),
        row.getOffsetDateTime("updated_at"),
        row.getOffsetDateTime("deleted_at"),
        PermissionMode.fromWire(row.getString("permission_mode")).orElseThrow());
  }

  private static AgentState toState(Row row) {
    return new AgentState(
        row.getUUID("id"),
        row.getUUID("workspace_id"),
        row.getString("name"),
        AgentStatus.fromWire(row.getString("status")),
        row.getBoolean("is_enabled"),
        row.getString("disabled_reason"),
        row.getUUID("wake_id"),
        row.getOffsetDateTime("lease_expires_at"),
        row.getLong("event_seq"),
        row.getLong("inbox_seq"),
        row.getLong("consumed_seq"));
  }
}
