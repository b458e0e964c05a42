package org.openpincery.store;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.openpincery.model.StorableText;
import org.openpincery.model.TerminationReason;
import org.openpincery.notify.Notifier;

/**
 * The agent lifecycle: asleep → awake → maintenance → asleep (ARCHITECTURE.md §4).
 *
 * <p>Every transition is one compare-and-set statement on the agent row whose "no row matched"
 * outcome is returned as a value ({@code LeaseLost}, {@code AlreadyAwake}, …), never thrown. Every
 * write of a wake is fenced by its {@code wake_id}. Leases are on database time.
 */
public final class LifecycleRepository {

  // pincery_claim (V1): CAS asleep -> awake + wake_start event, one transaction; says why it lost.
  private static final String CLAIM =
      """
      SELECT outcome, wake_id, lease_expires_at, inbox_seq, consumed_seq
        FROM pincery_claim($1, $2, $3)
      """;

  // pincery_claim_pending (V1): FOR UPDATE SKIP LOCKED over the pending partial index, so
  // concurrent workers take different agents instead of queueing on the same rows.
  private static final String CLAIM_PENDING =
      """
      SELECT agent_id, wake_id, lease_expires_at, inbox_seq, consumed_seq
        FROM pincery_claim_pending($1, $2, $3)
      """;

  // The fence is wake_id: zero rows means the wake was taken away. Returns the inbox head so the
  // wake sees new input, and is_enabled so it stops when an operator disables the agent.
  private static final String HEARTBEAT =
      """
      UPDATE agents
         SET lease_expires_at = now() + $3 * interval '1 millisecond'
       WHERE id = $1 AND wake_id = $2
      RETURNING lease_expires_at, inbox_seq, is_enabled
      """;

  // pincery_end_wake (V13): wake_end event + awake -> maintenance (or asleep, $6 false) +
  // consumed_seq, fenced.
  private static final String END_WAKE =
      """
      SELECT seq, consumed_seq, pending FROM pincery_end_wake($1, $2, $3, $4, $5, $6)
      """;

  private static final String FINISH_MAINTENANCE =
      """
      UPDATE agents
         SET status = 'asleep', wake_id = NULL, lease_owner = NULL, lease_expires_at = NULL,
             updated_at = now()
       WHERE id = $1 AND wake_id = $2 AND status = 'maintenance'
      RETURNING (is_enabled AND inbox_seq > consumed_seq) AS pending
      """;

  // pincery_reap_expired (V1): wake_abandoned event + back to asleep; SKIP LOCKED so several
  // schedulers can reap at once without blocking each other or reaping one lease twice.
  private static final String REAP_EXPIRED_LEASES =
      """
      SELECT agent_id, wake_id, phase, pending FROM pincery_reap_expired($1)
      """;

  // Takes unclaimed maintenance passes (a wake that ended, or the reaper re-queueing a pass whose
  // worker died, leaves lease_owner NULL) up to the worker's free slots; SKIP LOCKED so several
  // maintenance workers take different agents. Each take counts (V9: a third expired take ends
  // the pass).
  private static final String CLAIM_MAINTENANCE =
      """
      UPDATE agents a
         SET lease_owner = $1, lease_expires_at = now() + $2 * interval '1 millisecond',
             maintenance_attempts = a.maintenance_attempts + 1, updated_at = now()
       WHERE a.id IN (SELECT id FROM agents
                       WHERE status = 'maintenance' AND lease_owner IS NULL
                       ORDER BY id
                       LIMIT $3
                         FOR NO KEY UPDATE SKIP LOCKED)
      RETURNING a.id, a.wake_id, a.event_seq
      """;

  // pincery_complete_maintenance (V4): the pass's model call recorded with its result.
  private static final String COMPLETE_MAINTENANCE =
      """
      SELECT version, pending FROM pincery_complete_maintenance($1, $2, $3, $4, $5, $6, $7, $8)
      """;

  // Read-only scan for the catch-up after a (re)connect; served by agents_pending_idx.
  private static final String FIND_PENDING =
      """
      SELECT id FROM agents
       WHERE status = 'asleep' AND is_enabled AND has_pending
         AND (wake_retry_at IS NULL OR wake_retry_at <= now())
       ORDER BY id
       LIMIT $1
      """;

  // The queue as gauges see it; each count is served by a partial index (agents_pending_idx,
  // agents_awake_idx), so it costs little however many agents sleep. Agents in a model-error
  // back-off are not pending work a new worker could take (autoscaling must not chase them).
  private static final String QUEUE_DEPTH =
      """
      SELECT (SELECT count(*) FROM agents
               WHERE status = 'asleep' AND is_enabled AND has_pending
                 AND (wake_retry_at IS NULL OR wake_retry_at <= now())) AS pending,
             (SELECT count(*) FROM agents WHERE status = 'awake') AS awake,
             (SELECT count(*) FROM agents WHERE status = 'maintenance') AS maintenance,
             (SELECT count(*) FROM approvals WHERE status = 'pending') AS approvals_pending
      """;

  private final Pool pool;
  private final Notifier notifier;

  public LifecycleRepository(Pool pool, Notifier notifier) {
    this.pool = pool;
    this.notifier = notifier;
  }

  /** Starts a wake on one agent: CAS asleep → awake with a fresh wake id and lease. */
  public Future<ClaimResult> claim(UUID agentId, String owner, Duration lease) {
    return pool.preparedQuery(CLAIM)
        .execute(Tuple.of(agentId, owner, lease.toMillis()))
        .map(
            rows -> {
              Row row = rows.iterator().next();
              return switch (row.getString("outcome")) {
                case "claimed" -> (ClaimResult) claimed(agentId, row);
                case "already_awake" -> new ClaimResult.AlreadyAwake(row.getUUID("wake_id"));
                case "disabled" -> new ClaimResult.Disabled();
                case "not_found" -> new ClaimResult.NotFound();
                default ->
                    throw new IllegalStateException("claim outcome " + row.getString("outcome"));
              };
            });
  }

  /** Starts wakes on up to {@code limit} agents with pending work, in one statement. */
  public Future<List<ClaimResult.Claimed>> claimPending(String owner, Duration lease, int limit) {
    return pool.preparedQuery(CLAIM_PENDING)
        .execute(Tuple.of(owner, lease.toMillis(), limit))
        .map(
            rows -> {
              List<ClaimResult.Claimed> claimed = new ArrayList<>(rows.size());
              rows.forEach(row -> claimed.add(claimed(row.getUUID("agent_id"), row)));
              return claimed;
            });
  }

  private static ClaimResult.Claimed claimed(UUID agentId, Row row) {
    return new ClaimResult.Claimed(
        agentId,
        row.getUUID("wake_id"),
        row.getOffsetDateTime("lease_expires_at"),
        row.getLong("inbox_seq"),
        row.getLong("consumed_seq"));
  }

  /** Extends the lease of a running wake or maintenance pass. */
  public Future<HeartbeatResult> heartbeat(UUID agentId, UUID wakeId, Duration lease) {
    return pool.preparedQuery(HEARTBEAT)
        .execute(Tuple.of(agentId, wakeId, lease.toMillis()))
        .map(
            rows -> {
              if (rows.size() == 0) {
                return (HeartbeatResult) new HeartbeatResult.LeaseLost();
              }
              Row row = rows.iterator().next();
              return new HeartbeatResult.Extended(
                  row.getOffsetDateTime("lease_expires_at"),
                  row.getLong("inbox_seq"),
                  row.getBoolean("is_enabled"));
            });
  }

  /**
   * Ends a wake: appends {@code wake_end}, moves to maintenance under a fresh lease, and marks
   * waking events up to {@code seenSeq} consumed — only what the model was actually shown.
   */
  public Future<EndWakeResult> endWake(
      UUID agentId,
      UUID wakeId,
      long seenSeq,
      TerminationReason reason,
      Duration maintenanceLease) {
    return endWake(agentId, wakeId, seenSeq, reason, maintenanceLease, true);
  }

  /**
   * Ends a wake as {@link #endWake(UUID, UUID, long, TerminationReason, Duration)}, or, with {@code
   * maintain} false (a wake that made no model call: nothing for maintenance to learn), straight
   * back to asleep, with a wake notification when its input is still pending.
   */
  public Future<EndWakeResult> endWake(
      UUID agentId,
      UUID wakeId,
      long seenSeq,
      TerminationReason reason,
      Duration maintenanceLease,
      boolean maintain) {
    return pool.preparedQuery(END_WAKE)
        .execute(
            Tuple.of(
                agentId, wakeId, seenSeq, reason.wire(), maintenanceLease.toMillis(), maintain))
        .map(
            rows -> {
              if (rows.size() == 0) {
                return (EndWakeResult) new EndWakeResult.LeaseLost();
              }
              Row row = rows.iterator().next();
              long seq = row.getLong("seq");
              notifier.appended(agentId, seq);
              if (maintain) {
                notifier.maintenance(agentId);
              } else if (Boolean.TRUE.equals(row.getBoolean("pending"))) {
                notifier.wake(agentId);
              }
              return new EndWakeResult.Ended(seq, row.getLong("consumed_seq"));
            });
  }

  /** Ends maintenance: back to asleep, and a wake notification if work is already waiting. */
  public Future<FinishResult> finishMaintenance(UUID agentId, UUID wakeId) {
    return pool.preparedQuery(FINISH_MAINTENANCE)
        .execute(Tuple.of(agentId, wakeId))
        .map(rows -> finished(agentId, rows));
  }

  /**
   * Ends maintenance with its result: projection version n+1 (or the previous values again, with
   * {@code keptPrevious}, when the model's answer was unusable), its event, and back to asleep.
   */
  public Future<FinishResult> finishMaintenance(
      UUID agentId,
      UUID wakeId,
      String identity,
      String workList,
      String summary,
      boolean keptPrevious,
      io.vertx.core.json.JsonObject detail) {
    return completeMaintenance(
        agentId, wakeId, identity, workList, summary, keptPrevious, detail, null);
  }

  /** A maintenance pass taken by a worker: the wake it follows and the event head then. */
  public record MaintenanceClaim(UUID agentId, UUID wakeId, long eventSeq) {}

  /** Takes up to {@code limit} agents whose maintenance no worker has taken yet. */
  public Future<List<MaintenanceClaim>> claimMaintenance(String owner, Duration lease, int limit) {
    return pool.preparedQuery(CLAIM_MAINTENANCE)
        .execute(Tuple.of(owner, lease.toMillis(), limit))
        .map(
            rows -> {
              List<MaintenanceClaim> claims = new ArrayList<>(rows.size());
              rows.forEach(
                  row ->
                      claims.add(
                          new MaintenanceClaim(
                              row.getUUID("id"),
                              row.getUUID("wake_id"),
                              row.getLong("event_seq"))));
              return claims;
            });
  }

  /**
   * Ends a maintenance pass with its result and its model call ({@code call} may be null when no
   * call was made), in one transaction fenced by the wake. The projection is the model's rewrite of
   * untrusted text: a field PostgreSQL cannot store is kept {@link StorableText#escape escaped},
   * named in the event's {@code escaped} array, rather than failing the pass.
   */
  public Future<FinishResult> completeMaintenance(
      UUID agentId,
      UUID wakeId,
      String identity,
      String workList,
      String summary,
      boolean keptPrevious,
      io.vertx.core.json.JsonObject detail,
      ModelCallRepository.ModelCall call) {
    List<String> escaped = new ArrayList<>();
    String storedIdentity = storable("identity", identity, escaped);
    String storedWorkList = storable("work_list", workList, escaped);
    String storedSummary = storable("summary", summary, escaped);
    io.vertx.core.json.JsonObject storedDetail = detail;
    if (!escaped.isEmpty()) {
      storedDetail = detail == null ? new io.vertx.core.json.JsonObject() : detail.copy();
      storedDetail.put("escaped", new io.vertx.core.json.JsonArray(escaped));
    }
    if (!StorableText.isStorable(storedDetail)) {
      storedDetail = (io.vertx.core.json.JsonObject) StorableText.escapeJson(storedDetail);
    }
    return pool.preparedQuery(COMPLETE_MAINTENANCE)
        .execute(
            Tuple.tuple()
                .addUUID(agentId)
                .addUUID(wakeId)
                .addString(storedIdentity)
                .addString(storedWorkList)
                .addString(storedSummary)
                .addBoolean(keptPrevious)
                .addValue(storedDetail)
                .addValue(call == null ? null : call.storable().toJson()))
        .map(rows -> finished(agentId, rows));
  }

  private static String storable(String field, String value, List<String> escaped) {
    if (StorableText.isStorable(value)) {
      return value;
    }
    escaped.add(field);
    return StorableText.escape(value);
  }

  // No row: the pass no longer owned the agent. Otherwise asleep, and woken again if work waits.
  private FinishResult finished(UUID agentId, io.vertx.sqlclient.RowSet<Row> rows) {
    if (rows.size() == 0) {
      return new FinishResult.LeaseLost();
    }
    boolean pending = rows.iterator().next().getBoolean("pending");
    if (pending) {
      notifier.wake(agentId);
    }
    return new FinishResult.Finished(pending);
  }

  /**
   * Ends up to {@code limit} wakes whose lease has expired, puts maintenance passes whose worker's
   * lease expired back in the queue (or ends one taken three times without finishing).
   */
  public Future<List<Reaped>> reapExpired(int limit) {
    return pool.preparedQuery(REAP_EXPIRED_LEASES)
        .execute(Tuple.of(limit))
        .map(
            rows -> {
              List<Reaped> reaped = new ArrayList<>(rows.size());
              for (Row row : rows) {
                Reaped r =
                    new Reaped(
                        row.getUUID("agent_id"),
                        row.getUUID("wake_id"),
                        row.getString("phase"),
                        row.getBoolean("pending"));
                if (r.pendingWork()) {
                  notifier.wake(r.agentId());
                }
                if (r.requeued()) {
                  notifier.maintenance(r.agentId());
                }
                reaped.add(r);
              }
              return reaped;
            });
  }

  /**
   * The sweeper's pass: sends a wake notification for every agent with pending work that no one has
   * claimed, in case the notification that should have woken it was lost. Returns how many.
   */
  public Future<Integer> nudgePending(int limit) {
    return findPending(limit)
        .map(
            ids -> {
              ids.forEach(notifier::wake);
              return ids.size();
            });
  }

  /**
   * How many agents wait for a wake (asleep, enabled, with pending input), are awake, and wait for
   * or are in maintenance.
   *
   * @param approvalsPending gated calls waiting for a person's decision (V18)
   */
  public record QueueDepth(long pending, long awake, long maintenance, long approvalsPending) {}

  /** The queue's depth now (read only). */
  public Future<QueueDepth> queueDepth() {
    return pool.query(QUEUE_DEPTH)
        .execute()
        .map(
            rows -> {
              Row row = rows.iterator().next();
              return new QueueDepth(
                  row.getLong("pending"),
                  row.getLong("awake"),
                  row.getLong("maintenance"),
                  row.getLong("approvals_pending"));
            });
  }

  /** Agents that are asleep, enabled and have pending work (read only; no claim). */
  public Future<List<UUID>> findPending(int limit) {
    return pool.preparedQuery(FIND_PENDING)
        .execute(Tuple.of(limit))
        .map(
            rows -> {
              List<UUID> ids = new ArrayList<>(rows.size());
              rows.forEach(row -> ids.add(row.getUUID("id")));
              return ids;
            });
  }
}
