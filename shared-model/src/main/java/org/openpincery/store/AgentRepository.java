package org.openpincery.store;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.Optional;
import java.util.UUID;
import org.openpincery.model.AgentState;
import org.openpincery.model.AgentStatus;
import org.openpincery.notify.Notifier;

/** Workspaces and agents: creation, lookup, enable and disable. */
public final class AgentRepository {

  private static final String INSERT_WORKSPACE =
      """
      INSERT INTO workspaces (name) VALUES ($1) RETURNING id
      """;

  private static final String INSERT_AGENT =
      """
      INSERT INTO agents (workspace_id, name, webhook_secret, budget_limit_usd)
      VALUES ($1, $2, $3, $4)
      RETURNING id
      """;

  private static final String SELECT_AGENT =
      """
      SELECT id, workspace_id, name, status, is_enabled, disabled_reason, wake_id,
             lease_expires_at, event_seq, inbox_seq, consumed_seq
        FROM agents
       WHERE id = $1
      """;

  // Re-enabling clears the reason; the RETURNING says whether work was left waiting meanwhile.
  private static final String SET_ENABLED =
      """
      UPDATE agents
         SET is_enabled = $2,
             disabled_reason = CASE WHEN $2 THEN NULL ELSE $3 END,
             updated_at = now()
       WHERE id = $1 AND deleted_at IS NULL
      RETURNING (is_enabled AND status = 'asleep' AND inbox_seq > consumed_seq) AS pending
      """;

  private final Pool pool;
  private final Notifier notifier;

  public AgentRepository(Pool pool, Notifier notifier) {
    this.pool = pool;
    this.notifier = notifier;
  }

  public Future<UUID> createWorkspace(String name) {
    return pool.preparedQuery(INSERT_WORKSPACE)
        .execute(Tuple.of(name))
        .map(rows -> rows.iterator().next().getUUID("id"));
  }

  /**
   * Creates an agent, asleep and enabled.
   *
   * @param budgetLimitUsd {@code null} for an explicitly unlimited budget
   */
  public Future<UUID> createAgent(
      UUID workspaceId, String name, String webhookSecret, java.math.BigDecimal budgetLimitUsd) {
    return pool.preparedQuery(INSERT_AGENT)
        .execute(Tuple.of(workspaceId, name, webhookSecret, budgetLimitUsd))
        .map(rows -> rows.iterator().next().getUUID("id"));
  }

  public Future<Optional<AgentState>> find(UUID agentId) {
    return pool.preparedQuery(SELECT_AGENT)
        .execute(Tuple.of(agentId))
        .map(
            rows ->
                rows.size() == 0 ? Optional.empty() : Optional.of(toState(rows.iterator().next())));
  }

  /**
   * Enables or disables an agent. A running wake notices at its next heartbeat; re-enabling an
   * agent with work waiting sends a wake notification.
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
