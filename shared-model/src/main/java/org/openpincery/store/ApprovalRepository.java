package org.openpincery.store;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.openpincery.model.Approval;
import org.openpincery.model.Capability;
import org.openpincery.notify.Notifier;

/**
 * Approvals of gated tool calls (V18, docs/api.md "Supervision"): the operator's side — read a
 * workspace's requests and decide one, once. Requests are written by a wake's step ({@link
 * WakeRepository.ApprovalChange}); the scheduler expires them ({@code pincery_expire_approvals}).
 */
public final class ApprovalRepository {

  // The API's shape of a request: the row and its agent's name.
  static final String APPROVAL_COLUMNS =
      """
      p.id, p.workspace_id, p.agent_id, a.name AS agent_name, p.wake_id, p.call_id, p.tool_name,
      p.capability, p.arguments, p.status, p.requested_at, p.expires_at, p.decided_by,
      p.decided_at, p.note, p.execution, p.settled_at, p.result_ok
      """;

  private static final String GET =
      "SELECT "
          + APPROVAL_COLUMNS
          + " FROM approvals p JOIN agents a ON a.id = p.agent_id"
          + " WHERE p.id = $1 AND ($2::uuid IS NULL OR p.workspace_id = $2)";

  // A page newest first: the newest $5 requests before the cursor $4 (a requested_at), extended to
  // every request of the last page's oldest instant — the requests one step made share their
  // requested_at (its transaction's now()), so a page never ends between them and the cursor
  // (that instant) never skips one. Served by approvals_workspace_idx (a status) or
  // approvals_agent_idx (an agent).
  private static final String FILTER =
      """
      p.workspace_id = $1 AND ($2::text IS NULL OR p.status = $2)
        AND ($3::uuid IS NULL OR p.agent_id = $3)
        AND ($4::timestamptz IS NULL OR p.requested_at < $4)
      """;

  private static final String LIST =
      "WITH page AS (SELECT p.requested_at FROM approvals p WHERE "
          + FILTER
          + " ORDER BY p.requested_at DESC LIMIT $5)"
          + " SELECT "
          + APPROVAL_COLUMNS
          + " FROM approvals p JOIN agents a ON a.id = p.agent_id WHERE "
          + FILTER
          + " AND p.requested_at >= (SELECT min(requested_at) FROM page)"
          + " ORDER BY p.requested_at DESC, p.id";

  // pincery_decide_approval (V18) for a request of the workspace only: the filtered subquery runs
  // first, so another workspace's request is never locked or touched (no row back: not found).
  // Row-level security hides it too when the pool is scoped.
  private static final String DECIDE =
      """
      SELECT d.outcome, d.agent_id, d.seq, d.pending, d.status, d.decided_by, d.decided_at,
             (SELECT coalesce(u.name, u.email) FROM users u WHERE u.id = d.decided_by) AS decider
        FROM (SELECT id FROM approvals WHERE id = $1 AND workspace_id = $5) p
       CROSS JOIN LATERAL pincery_decide_approval(p.id, $2, $3, $4) d
      """;

  private final Pool pool;
  private final Notifier notifier;

  ApprovalRepository(Pool pool, Notifier notifier) {
    this.pool = pool;
    this.notifier = notifier;
  }

  /** An operator's decision on a pending request. */
  public enum Decision {
    APPROVED("approved"),
    DENIED("denied");

    private final String wire;

    Decision(String wire) {
      this.wire = wire;
    }

    public String wire() {
      return wire;
    }
  }

  /** The outcome of {@link #decide}. Only {@link Decided} and {@link Expired} wrote anything. */
  public sealed interface DecideResult {
    /**
     * Decided now: an {@code approval_decided} event at {@code seq} of the agent's log.
     *
     * @param pending whether that event left the agent with work a worker may claim now
     */
    record Decided(Approval approval, long seq, boolean pending) implements DecideResult {}

    /**
     * It was past its expiry: it is now recorded {@code expired}, with its {@code approval_decided}
     * event (decision {@code expired}) at {@code seq}; the decision asked for was not taken.
     */
    record Expired(Approval approval, long seq, boolean pending) implements DecideResult {}

    /**
     * Decided before (by a person, or expired): nothing written.
     *
     * @param decidedBy null for an expiry
     * @param decidedByName that person's name (their email when they have none), or null
     */
    record AlreadyDecided(
        String status, UUID decidedBy, String decidedByName, OffsetDateTime decidedAt)
        implements DecideResult {}

    /** The request's agent was deleted: nothing written, it stays pending until it expires. */
    record AgentDeleted() implements DecideResult {}

    /** No request of the workspace has that id. */
    record NotFound() implements DecideResult {}
  }

  /**
   * Decides the workspace's pending request {@code approvalId}, once (pincery_decide_approval,
   * V18): the request's row is locked, so of two deciders racing exactly one decides and the other
   * gets {@link DecideResult.AlreadyDecided}. After the commit, listeners are told of the new event
   * and, when it left the agent pending, that it has work.
   *
   * @param note at most {@link Approval#MAX_NOTE_CHARS} characters, or null
   */
  public Future<DecideResult> decide(
      UUID workspaceId, UUID approvalId, UUID userId, Decision decision, String note) {
    Tuple params = Tuple.of(approvalId, userId, decision.wire(), note, workspaceId);
    return pool.withTransaction(
            conn ->
                conn.preparedQuery(DECIDE)
                    .execute(params)
                    .compose(
                        rows -> {
                          if (rows.size() == 0) {
                            return Future.succeededFuture(
                                (DecideResult) new DecideResult.NotFound());
                          }
                          Row row = rows.iterator().next();
                          return switch (row.getString("outcome")) {
                            case "decided", "expired" ->
                                read(conn, approvalId, workspaceId)
                                    .map(approval -> decided(row, approval.orElseThrow()));
                            case "already_decided" ->
                                Future.succeededFuture(
                                    new DecideResult.AlreadyDecided(
                                        row.getString("status"),
                                        row.getUUID("decided_by"),
                                        row.getString("decider"),
                                        row.getOffsetDateTime("decided_at")));
                            case "agent_deleted" ->
                                Future.succeededFuture(new DecideResult.AgentDeleted());
                            default -> Future.succeededFuture(new DecideResult.NotFound());
                          };
                        }))
        .onSuccess(this::notifyDecided);
  }

  private static DecideResult decided(Row row, Approval approval) {
    long seq = row.getLong("seq");
    boolean pending = Boolean.TRUE.equals(row.getBoolean("pending"));
    return "expired".equals(row.getString("outcome"))
        ? new DecideResult.Expired(approval, seq, pending)
        : new DecideResult.Decided(approval, seq, pending);
  }

  // After the commit, never inside it (see Notifier).
  private void notifyDecided(DecideResult result) {
    switch (result) {
      case DecideResult.Decided d -> notify(d.approval().agentId(), d.seq(), d.pending());
      case DecideResult.Expired e -> notify(e.approval().agentId(), e.seq(), e.pending());
      default -> {}
    }
  }

  private void notify(UUID agentId, long seq, boolean pending) {
    notifier.appended(agentId, seq);
    if (pending) {
      notifier.wake(agentId);
    }
  }

  /** A request of the workspace, whatever its status. */
  public Future<Optional<Approval>> get(UUID workspaceId, UUID approvalId) {
    return read(pool, approvalId, workspaceId);
  }

  /** A request of any workspace (workers; in a scoped store, of the scope's workspaces). */
  public Future<Optional<Approval>> get(UUID approvalId) {
    return read(pool, approvalId, null);
  }

  private static Future<Optional<Approval>> read(
      SqlClient client, UUID approvalId, UUID workspaceId) {
    return client
        .preparedQuery(GET)
        .execute(Tuple.of(approvalId, workspaceId))
        .map(rows -> Rows.first(rows, ApprovalRepository::toApproval));
  }

  /**
   * A page of the workspace's requests, newest first.
   *
   * @param status one of {@link Approval#STATUSES}, or null for all
   * @param agentId only this agent's, or null for every agent's
   * @param limit at least 1; a page holds {@code limit} requests, or a few more when the last of
   *     them were requested in the same instant (one step's requests stay on one page)
   * @param before only requests made before this instant (the {@code requestedAt} of the last
   *     request of the previous page), or null for the newest
   */
  public Future<List<Approval>> list(
      UUID workspaceId, String status, UUID agentId, int limit, OffsetDateTime before) {
    return pool.preparedQuery(LIST)
        .execute(Tuple.of(workspaceId, status, agentId, before, limit))
        .map(rows -> Rows.all(rows, ApprovalRepository::toApproval));
  }

  static Approval toApproval(Row row) {
    Object arguments = row.getValue("arguments");
    return new Approval(
        row.getUUID("id"),
        row.getUUID("workspace_id"),
        row.getUUID("agent_id"),
        row.getString("agent_name"),
        row.getUUID("wake_id"),
        row.getString("call_id"),
        row.getString("tool_name"),
        Capability.fromWire(row.getString("capability")).orElseThrow(),
        arguments instanceof JsonObject o
            ? o
            : arguments == null ? null : new JsonObject().put("value", arguments),
        row.getString("status"),
        row.getOffsetDateTime("requested_at"),
        row.getOffsetDateTime("expires_at"),
        row.getUUID("decided_by"),
        row.getOffsetDateTime("decided_at"),
        row.getString("note"),
        row.getString("execution"),
        row.getOffsetDateTime("settled_at"),
        row.getBoolean("result_ok"));
  }
}
