package org.openpincery.store;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.openpincery.model.ScheduleSpec;
import org.openpincery.notify.Notifier;

/** Operators' recurring schedules, and the scheduler's firing of the due ones. */
public final class ScheduleRepository {

  private static final String COLUMNS =
      "id, agent_id, every_seconds, cron, note, next_fire_at, last_fired_at, created_at";

  // Only on a live agent of the caller's workspace.
  private static final String CREATE =
      "INSERT INTO schedules (agent_id, every_seconds, cron, note, next_fire_at, created_by)"
          + " SELECT a.id, $3, $4, $5, $6, $7 FROM agents a"
          + " WHERE a.id = $1 AND a.workspace_id = $2 AND a.deleted_at IS NULL"
          + " RETURNING "
          + COLUMNS;

  private static final String LIST =
      "SELECT s."
          + COLUMNS.replace(", ", ", s.")
          + " FROM schedules s JOIN agents a ON a.id = s.agent_id"
          + " WHERE s.agent_id = $1 AND a.workspace_id = $2"
          + " AND s.deleted_at IS NULL ORDER BY s.created_at, s.id";

  private static final String DELETE =
      """
      UPDATE schedules s SET deleted_at = now()
        FROM agents a
       WHERE s.id = $3 AND s.agent_id = $1 AND a.id = s.agent_id AND a.workspace_id = $2
         AND s.deleted_at IS NULL
      """;

  // The scheduler's batch: due schedules of live agents, locked so that concurrent schedulers
  // take different ones; agents in id order, the order every batch writer locks them in.
  private static final String CLAIM_DUE =
      """
      SELECT s.id, s.agent_id, s.every_seconds, s.cron, s.note, s.next_fire_at
        FROM schedules s JOIN agents a ON a.id = s.agent_id
       WHERE s.deleted_at IS NULL AND s.next_fire_at <= now() AND a.deleted_at IS NULL
       ORDER BY s.agent_id, s.next_fire_at
       LIMIT $1
         FOR UPDATE OF s SKIP LOCKED
      """;

  private static final String FIRE =
      """
      SELECT seq, pending FROM pincery_append_event($1, 'timer_fired', 'schedule', NULL, $2, NULL,
          NULL, NULL, NULL, $3, NULL)
      """;

  // A cron expression that never fires again ends its schedule.
  private static final String ADVANCE =
      """
      UPDATE schedules SET next_fire_at = coalesce($2::timestamptz, next_fire_at),
             last_fired_at = now(),
             deleted_at = CASE WHEN $2::timestamptz IS NULL THEN now() END
       WHERE id = $1
      """;

  private final Pool pool;
  private final Notifier notifier;

  ScheduleRepository(Pool pool, Notifier notifier) {
    this.pool = pool;
    this.notifier = notifier;
  }

  public record Schedule(
      UUID id,
      UUID agentId,
      Integer everySeconds,
      String cron,
      String note,
      OffsetDateTime nextFireAt,
      OffsetDateTime lastFiredAt,
      OffsetDateTime createdAt) {

    public ScheduleSpec spec() {
      return everySeconds != null ? ScheduleSpec.every(everySeconds) : ScheduleSpec.cron(cron);
    }

    public JsonObject toJson() {
      return new JsonObject()
          .put("id", id.toString())
          .put("agent_id", agentId.toString())
          .put("every_seconds", everySeconds)
          .put("cron", cron)
          .put("note", note)
          .put("next_fire_at", nextFireAt.toString())
          .put("last_fired_at", lastFiredAt == null ? null : lastFiredAt.toString())
          .put("created_at", createdAt.toString());
    }
  }

  /** Creates a schedule; empty when the agent is not a live agent of the workspace. */
  public Future<Optional<Schedule>> create(
      UUID workspaceId,
      UUID agentId,
      Integer everySeconds,
      String cron,
      String note,
      Instant firstFire,
      UUID createdBy) {
    return create(pool, workspaceId, agentId, everySeconds, cron, note, firstFire, createdBy);
  }

  /** {@link #create(UUID, UUID, Integer, String, String, Instant, UUID)} on {@code client}. */
  public Future<Optional<Schedule>> create(
      SqlClient client,
      UUID workspaceId,
      UUID agentId,
      Integer everySeconds,
      String cron,
      String note,
      Instant firstFire,
      UUID createdBy) {
    return client
        .preparedQuery(CREATE)
        .execute(
            Tuple.tuple()
                .addUUID(agentId)
                .addUUID(workspaceId)
                .addInteger(everySeconds)
                .addString(cron)
                .addString(note)
                .addOffsetDateTime(firstFire.atOffset(ZoneOffset.UTC))
                .addUUID(createdBy))
        .map(rows -> Rows.first(rows, ScheduleRepository::toSchedule));
  }

  public Future<List<Schedule>> list(UUID workspaceId, UUID agentId) {
    return pool.preparedQuery(LIST)
        .execute(Tuple.of(agentId, workspaceId))
        .map(
            rows -> {
              List<Schedule> out = new ArrayList<>(rows.size());
              rows.forEach(r -> out.add(toSchedule(r)));
              return out;
            });
  }

  /** False when there is no such live schedule on a live agent of the workspace. */
  public Future<Boolean> delete(UUID workspaceId, UUID agentId, UUID scheduleId) {
    return pool.preparedQuery(DELETE)
        .execute(Tuple.of(agentId, workspaceId, scheduleId))
        .map(rows -> rows.rowCount() == 1);
  }

  /**
   * Fires up to {@code limit} due schedules in one transaction: each appends {@code timer_fired}
   * (waking its agent) and moves on to its next time after now (a missed period fires once).
   * Returns how many fired.
   */
  public Future<Integer> fireDue(int limit) {
    List<Fired> fired = new ArrayList<>();
    return pool.withTransaction(
            conn ->
                conn.preparedQuery(CLAIM_DUE)
                    .execute(Tuple.of(limit))
                    .compose(
                        rows -> {
                          Future<Void> chain = Future.succeededFuture();
                          for (Row row : rows) {
                            chain =
                                chain.compose(
                                    v -> fire(conn, row).map(f -> fired.add(f)).mapEmpty());
                          }
                          return chain.map(v -> rows.size());
                        }))
        .onSuccess(
            n ->
                fired.forEach(
                    f -> {
                      notifier.appended(f.agentId(), f.seq());
                      if (f.pending()) {
                        notifier.wake(f.agentId());
                      }
                    }));
  }

  private record Fired(UUID agentId, long seq, boolean pending) {}

  private static Future<Fired> fire(SqlConnection conn, Row row) {
    UUID id = row.getUUID("id");
    UUID agent = row.getUUID("agent_id");
    OffsetDateTime due = row.getOffsetDateTime("next_fire_at");
    Integer every = row.getInteger("every_seconds");
    ScheduleSpec spec =
        every != null ? ScheduleSpec.every(every) : ScheduleSpec.cron(row.getString("cron"));
    OffsetDateTime next =
        spec.nextAfter(due.toInstant(), Instant.now())
            .map(i -> i.atOffset(ZoneOffset.UTC))
            .orElse(null);
    JsonObject payload =
        new JsonObject().put("schedule_id", id.toString()).put("due_at", due.toString());
    return conn.preparedQuery(FIRE)
        .execute(Tuple.of(agent, row.getString("note"), payload))
        .compose(
            rows -> {
              Row f = rows.iterator().next();
              Fired fired = new Fired(agent, f.getLong("seq"), f.getBoolean("pending"));
              return conn.preparedQuery(ADVANCE).execute(Tuple.of(id, next)).map(v -> fired);
            });
  }

  private static Schedule toSchedule(Row r) {
    return new Schedule(
        r.getUUID("id"),
        r.getUUID("agent_id"),
        r.getInteger("every_seconds"),
        r.getString("cron"),
        r.getString("note"),
        r.getOffsetDateTime("next_fire_at"),
        r.getOffsetDateTime("last_fired_at"),
        r.getOffsetDateTime("created_at"));
  }
}
