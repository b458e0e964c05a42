package org.openpincery.store;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * An agent's past as the control plane draws it: every version of its projections, and its wakes
 * (when each ran, how it ended, what it cost). Read-only; callers check the agent belongs to the
 * caller's workspace first.
 */
public final class HistoryRepository {

  // Newest first, keyset-paged on the primary key (agent_id, version).
  private static final String PAGE_PROJECTIONS =
      """
      SELECT version, wake_id, identity, work_list, summary, created_at
        FROM projections
       WHERE agent_id = $1 AND ($2::integer IS NULL OR version < $2)
       ORDER BY version DESC
       LIMIT $3
      """;

  // There is no wakes table: a wake is the span of the log from its wake_start to the first
  // wake_end or wake_abandoned with the same wake_id (one wake per agent at a time, so that end
  // follows its start closely and the forward scan on events_pk is short; a running wake has none
  // yet). Its cost is every model call it made, maintenance included (model_calls_agent_wake_idx).
  // Keyset-paged backwards on the seq of wake_start.
  private static final String PAGE_WAKES =
      """
      SELECT s.seq AS start_seq, s.wake_id, s.created_at AS started_at,
             e.created_at AS ended_at, e.event_type AS end_event, e.termination_reason,
             coalesce(c.cost_usd, 0) AS cost_usd, coalesce(c.calls, 0) AS model_calls,
             coalesce(c.input_tokens, 0) AS input_tokens,
             coalesce(c.output_tokens, 0) AS output_tokens
        FROM events s
        LEFT JOIN LATERAL (
             SELECT x.created_at, x.event_type, x.termination_reason
               FROM events x
              WHERE x.agent_id = s.agent_id AND x.seq > s.seq AND x.wake_id = s.wake_id
                AND x.event_type IN ('wake_end', 'wake_abandoned')
              ORDER BY x.seq
              LIMIT 1) e ON true
        LEFT JOIN LATERAL (
             SELECT sum(m.cost_usd) AS cost_usd, count(*) AS calls,
                    sum(m.input_tokens) AS input_tokens, sum(m.output_tokens) AS output_tokens
               FROM model_calls m
              WHERE m.agent_id = s.agent_id AND m.wake_id = s.wake_id) c ON true
       WHERE s.agent_id = $1 AND s.event_type = 'wake_start'
         AND ($2::bigint IS NULL OR s.seq < $2)
       ORDER BY s.seq DESC
       LIMIT $3
      """;

  private final Pool pool;

  HistoryRepository(Pool pool) {
    this.pool = pool;
  }

  /**
   * One version of an agent's projections; {@code wakeId} is the wake whose maintenance wrote it.
   */
  public record ProjectionVersion(
      int version,
      UUID wakeId,
      String identity,
      String workList,
      String summary,
      OffsetDateTime createdAt) {}

  /**
   * One wake.
   *
   * @param startSeq the seq of its {@code wake_start} event (the paging cursor)
   * @param endedAt null while it runs
   * @param endEvent {@code wake_end}, {@code wake_abandoned}, or null while it runs
   * @param terminationReason the typed reason it ended with, or null while it runs
   * @param costUsd dollars of all its model calls, maintenance included
   */
  public record Wake(
      long startSeq,
      UUID wakeId,
      OffsetDateTime startedAt,
      OffsetDateTime endedAt,
      String endEvent,
      String terminationReason,
      BigDecimal costUsd,
      long modelCalls,
      long inputTokens,
      long outputTokens) {}

  /** Versions newest first: at most {@code limit}, below {@code beforeVersion} when given. */
  public Future<List<ProjectionVersion>> projections(
      UUID agentId, Integer beforeVersion, int limit) {
    return pool.preparedQuery(PAGE_PROJECTIONS)
        .execute(Tuple.of(agentId, beforeVersion, limit))
        .map(
            rows -> {
              List<ProjectionVersion> out = new ArrayList<>(rows.size());
              for (Row r : rows) {
                out.add(
                    new ProjectionVersion(
                        r.getInteger("version"),
                        r.getUUID("wake_id"),
                        r.getString("identity"),
                        r.getString("work_list"),
                        r.getString("summary"),
                        r.getOffsetDateTime("created_at")));
              }
              return out;
            });
  }

  /** Wakes newest first: at most {@code limit}, started before the seq {@code beforeSeq}. */
  public Future<List<Wake>> wakes(UUID agentId, Long beforeSeq, int limit) {
    return pool.preparedQuery(PAGE_WAKES)
        .execute(Tuple.of(agentId, beforeSeq, limit))
        .map(
            rows -> {
              List<Wake> out = new ArrayList<>(rows.size());
              for (Row r : rows) {
                out.add(
                    new Wake(
                        r.getLong("start_seq"),
                        r.getUUID("wake_id"),
                        r.getOffsetDateTime("started_at"),
                        r.getOffsetDateTime("ended_at"),
                        r.getString("end_event"),
                        r.getString("termination_reason"),
                        r.getBigDecimal("cost_usd"),
                        r.getLong("model_calls"),
                        r.getLong("input_tokens"),
                        r.getLong("output_tokens")));
              }
              return out;
            });
  }
}
