package org.openpincery.store;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.openpincery.model.StorableText;
import org.openpincery.notify.Notifier;

/** Timers agents set for themselves, and the scheduler's firing of the due ones. */
public final class TimerRepository {

  // Fenced: only a wake that owns the agent sets its timers. On an agent deleted while its wake
  // still runs, the timer is born cancelled: the wake goes on to its end (it sees the agent
  // disabled at its next heartbeat) and nothing fires into the deleted agent's log. The share lock
  // makes a concurrent delete wait for this insert, or this insert see the delete (see
  // AgentRepository's delete).
  private static final String SET_TIMER =
      """
      INSERT INTO timers (agent_id, due_at, note, created_by_wake, cancelled_at)
      SELECT a.id, $3, $4, $2, CASE WHEN a.deleted_at IS NOT NULL THEN now() END FROM agents a
       WHERE a.id = $1 AND a.wake_id = $2 AND a.status = 'awake'
         FOR SHARE
      RETURNING id, due_at
      """;

  // An operator's timer on a live agent of the workspace. The share lock orders it with a
  // concurrent delete exactly as SET_TIMER is (the delete cancels it, or it sees the delete).
  private static final String ADD_TIMER =
      """
      INSERT INTO timers (agent_id, due_at, note)
      SELECT a.id, $3, $4 FROM agents a
       WHERE a.id = $1 AND a.workspace_id = $2 AND a.deleted_at IS NULL
         FOR SHARE
      RETURNING id, due_at, note, created_at, created_by_wake
      """;

  // Only the agent's own timer, and only while it is still pending.
  private static final String CANCEL_TIMER =
      """
      UPDATE timers SET cancelled_at = now()
       WHERE id = $2 AND agent_id = $1 AND fired_at IS NULL AND cancelled_at IS NULL
      """;

  // Served by timers_agent_idx (partial: live timers only).
  private static final String LIST_PENDING =
      """
      SELECT id, due_at, note, created_at, created_by_wake FROM timers
       WHERE agent_id = $1 AND fired_at IS NULL AND cancelled_at IS NULL
       ORDER BY due_at, id
      """;

  private static final String FIRE_DUE =
      """
      SELECT timer_id, agent_id, seq, pending FROM pincery_fire_due_timers($1)
      """;

  private static final String EXPIRE_APPROVALS =
      """
      SELECT approval_id, agent_id, seq, pending FROM pincery_expire_approvals($1)
      """;

  private final Pool pool;
  private final Notifier notifier;

  TimerRepository(Pool pool, Notifier notifier) {
    this.pool = pool;
    this.notifier = notifier;
  }

  /**
   * A pending timer: it fires at {@code dueAt} (the scheduler's next pass after it) as {@code
   * timer_fired} with its note. {@code createdByWake} is the wake whose {@code set_timer} made it
   * (null for a timer made otherwise).
   */
  public record Timer(
      UUID id, OffsetDateTime dueAt, String note, OffsetDateTime createdAt, UUID createdByWake) {}

  public record Fired(UUID timerId, UUID agentId, long seq) {}

  /** The outcome of setting a timer. */
  public sealed interface SetResult {
    record Set(UUID id, OffsetDateTime dueAt) implements SetResult {}

    record LeaseLost() implements SetResult {}
  }

  public Future<SetResult> set(UUID agentId, UUID wakeId, OffsetDateTime dueAt, String note) {
    // The note is the model's text: one PostgreSQL cannot store is kept escaped, not refused.
    String stored =
        note == null ? "" : StorableText.isStorable(note) ? note : StorableText.escape(note);
    return pool.preparedQuery(SET_TIMER)
        .execute(Tuple.of(agentId, wakeId, dueAt, stored))
        .map(
            rows ->
                Rows.<SetResult>first(
                        rows,
                        row ->
                            new SetResult.Set(row.getUUID("id"), row.getOffsetDateTime("due_at")))
                    .orElseGet(SetResult.LeaseLost::new));
  }

  /**
   * An operator's one-off timer on a live agent of the workspace ({@code createdByWake} null), on
   * {@code client} (the pool or a transaction's connection); empty when there is no such live
   * agent.
   *
   * @param note shown to the agent as the timer's note; stored as given (the caller checks it)
   */
  public Future<Optional<Timer>> add(
      SqlClient client, UUID workspaceId, UUID agentId, OffsetDateTime dueAt, String note) {
    return client
        .preparedQuery(ADD_TIMER)
        .execute(Tuple.of(agentId, workspaceId, dueAt, note))
        .map(rows -> Rows.first(rows, TimerRepository::toTimer));
  }

  /** False when the timer is not this agent's, or already fired or cancelled. */
  public Future<Boolean> cancel(UUID agentId, UUID timerId) {
    return pool.preparedQuery(CANCEL_TIMER)
        .execute(Tuple.of(agentId, timerId))
        .map(rows -> rows.rowCount() == 1);
  }

  /** The agent's timers that have neither fired nor been cancelled, soonest first. */
  public Future<List<Timer>> pending(UUID agentId) {
    return pool.preparedQuery(LIST_PENDING)
        .execute(Tuple.of(agentId))
        .map(
            rows -> {
              List<Timer> timers = new ArrayList<>(rows.size());
              rows.forEach(row -> timers.add(toTimer(row)));
              return timers;
            });
  }

  /** Fires up to {@code limit} due timers (the scheduler's batch). */
  public Future<List<Fired>> fireDue(int limit) {
    return pool.preparedQuery(FIRE_DUE)
        .execute(Tuple.of(limit))
        .map(
            rows -> {
              List<Fired> fired = new ArrayList<>(rows.size());
              for (Row row : rows) {
                UUID agent = row.getUUID("agent_id");
                notifier.appended(agent, row.getLong("seq"));
                if (row.getBoolean("pending")) {
                  notifier.wake(agent);
                }
                fired.add(new Fired(row.getUUID("timer_id"), agent, row.getLong("seq")));
              }
              return fired;
            });
  }

  /**
   * Expires up to {@code limit} approval requests past their expiry (V18), each with its {@code
   * approval_decided} event (decision {@code expired}), which wakes the agent to answer the call as
   * not approved. Returns how many expired.
   */
  public Future<Integer> expireApprovals(int limit) {
    return pool.preparedQuery(EXPIRE_APPROVALS)
        .execute(Tuple.of(limit))
        .map(
            rows -> {
              for (Row row : rows) {
                UUID agent = row.getUUID("agent_id");
                notifier.appended(agent, row.getLong("seq"));
                if (row.getBoolean("pending")) {
                  notifier.wake(agent);
                }
              }
              return rows.size();
            });
  }

  private static Timer toTimer(Row row) {
    return new Timer(
        row.getUUID("id"),
        row.getOffsetDateTime("due_at"),
        row.getString("note"),
        row.getOffsetDateTime("created_at"),
        row.getUUID("created_by_wake"));
  }
}
