package org.openpincery.bench;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The platform's added latency per message → reply, computed after a run from the database's own
 * timestamps (one clock for every tier):
 *
 * <pre>
 * overhead = (reply.created_at − message.created_at) − model time between them
 * </pre>
 *
 * <ul>
 *   <li><b>The reply that answers a message</b> is the first {@code assistant_message} of its agent
 *       after the first step boundary that follows the message in the agent's log, a boundary being
 *       a {@code wake_start} (a new wake folds in every pending message before its first call) or a
 *       {@code tool_result} (a step that is not the last: its commit reads the inbox head, and the
 *       next call shows what arrived). A message that arrives while a wake's last call is running
 *       is not shown to that call: it is answered by the next wake, after maintenance. This holds
 *       for the bench's model, whose tool-call answers carry no text; in general a boundary is any
 *       committed step that does not end the wake.
 *   <li><b>Model time</b> is the part of the interval [message, reply] covered by the agent's model
 *       calls, wake and maintenance alike: each call is taken to span {@code [created_at −
 *       latency_ms, created_at]} of its {@code model_calls} row. An agent's calls never overlap
 *       (one wake or pass at a time, one call at a time), so the overlaps add up. Since a row is
 *       written just after its call returned, the span sits a few milliseconds late: a call
 *       entirely inside the interval counts in full, and a call already running when the message
 *       arrived counts at most those milliseconds too much.
 *   <li>{@code events.created_at} is the clock when the event was appended (inside its transaction,
 *       before the commit): the message's own commit is inside the interval, the reply's is not.
 * </ul>
 */
final class ReplyOverhead {

  // One row per message accepted since the warm-up began; the correlated subqueries each walk the
  // agent's log from the message through events_pk (agent_id, seq) and its model calls through
  // model_calls_agent_created_idx, so the cost grows with messages, not with the log.
  private static final String MESSAGES =
      """
      CREATE TEMP TABLE mix_messages AS
      WITH m AS (
          SELECT agent_id, seq, created_at AS at FROM events
           WHERE event_type = 'message_received' AND created_at >= ?::timestamptz
      ), s AS (
          SELECT m.*,
                 (SELECT x.event_type FROM events x
                   WHERE x.agent_id = m.agent_id AND x.seq < m.seq
                     AND x.event_type IN ('wake_start', 'wake_end', 'maintenance_completed',
                                          'maintenance_failed', 'wake_abandoned')
                   ORDER BY x.seq DESC LIMIT 1) AS before,
                 (SELECT x.seq FROM events x
                   WHERE x.agent_id = m.agent_id AND x.seq > m.seq
                     AND x.event_type IN ('wake_start', 'tool_result')
                   ORDER BY x.seq LIMIT 1) AS boundary
            FROM m
      ), r AS (
          SELECT s.*, a.seq AS reply_seq, a.created_at AS reply_at
            FROM s LEFT JOIN LATERAL (
                SELECT x.seq, x.created_at FROM events x
                 WHERE x.agent_id = s.agent_id AND x.seq > s.boundary
                   AND x.event_type = 'assistant_message'
                 ORDER BY x.seq LIMIT 1) a ON true
      )
      SELECT r.agent_id, r.seq, r.at, r.reply_seq, r.reply_at,
             CASE r.before WHEN 'wake_start' THEN 'a wake running'
                           WHEN 'wake_end' THEN 'maintenance running'
                           ELSE 'asleep' END AS found,
             extract(epoch FROM r.reply_at - r.at) * 1000 AS latency_ms,
             (SELECT coalesce(sum(greatest(0, extract(epoch FROM
                         least(c.created_at, r.reply_at)
                         - greatest(c.created_at - c.latency_ms * interval '1 millisecond', r.at)))),
                      0) * 1000
                FROM model_calls c
               WHERE c.agent_id = r.agent_id AND c.created_at > r.at
                 AND c.created_at < r.reply_at + interval '10 minutes') AS model_ms
        FROM r
      """;

  private static final String SUMMARY =
      """
      SELECT count(*), count(reply_at),
             percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_ms - model_ms),
             percentile_cont(0.99) WITHIN GROUP (ORDER BY latency_ms - model_ms),
             max(latency_ms - model_ms),
             percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_ms),
             percentile_cont(0.99) WITHIN GROUP (ORDER BY latency_ms),
             avg(model_ms),
             coalesce(max(extract(epoch FROM ?::timestamptz - at)) FILTER (WHERE reply_at IS NULL), 0)
        FROM mix_messages WHERE at >= ?::timestamptz AND at < ?::timestamptz
      """;

  /**
   * What the window's messages saw. Times in milliseconds, except the age of the oldest unanswered
   * message at the end of the run, in seconds; {@code answeredInWindow} counts the messages (the
   * warm-up's too) whose reply fell inside the window.
   */
  record Summary(
      long messages,
      long answered,
      double p50,
      double p99,
      double max,
      double latencyP50,
      double latencyP99,
      double meanModel,
      double oldestUnansweredSeconds,
      long answeredInWindow,
      String found,
      List<String> slices) {}

  private ReplyOverhead() {}

  /**
   * Measures the messages accepted in [{@code from}, {@code to}) (the database's clock), with
   * replies looked for among everything written until now; messages since {@code since} count for
   * the window's answered rate; a message still unanswered at {@code ended} (the run's end) has
   * waited since its acceptance.
   */
  static Summary measure(
      Connection c, String since, String from, String to, String ended, int slices)
      throws SQLException {
    try (Statement st = c.createStatement()) {
      st.execute("DROP TABLE IF EXISTS mix_messages");
    }
    try (PreparedStatement ps = c.prepareStatement(MESSAGES)) {
      ps.setString(1, since);
      ps.executeUpdate();
    }
    long messages;
    long answered;
    double[] v = new double[7];
    try (PreparedStatement ps = c.prepareStatement(SUMMARY)) {
      ps.setString(1, ended);
      ps.setString(2, from);
      ps.setString(3, to);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        messages = rs.getLong(1);
        answered = rs.getLong(2);
        for (int i = 0; i < v.length; i++) {
          v[i] = rs.getDouble(3 + i);
        }
      }
    }
    long answeredInWindow =
        count(
            c,
            "SELECT count(*) FROM mix_messages WHERE reply_at >= ?::timestamptz"
                + " AND reply_at < ?::timestamptz",
            from,
            to);
    return new Summary(
        messages,
        answered,
        v[0],
        v[1],
        v[2],
        v[3],
        v[4],
        v[5],
        v[6],
        answeredInWindow,
        found(c, from, to, messages),
        slices(c, from, to, slices));
  }

  // Which state each message found its agent in, as shares of the window's messages.
  private static String found(Connection c, String from, String to, long messages)
      throws SQLException {
    List<String> parts = new ArrayList<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT found, count(*) FROM mix_messages WHERE at >= ?::timestamptz"
                + " AND at < ?::timestamptz GROUP BY found ORDER BY found")) {
      ps.setString(1, from);
      ps.setString(2, to);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          parts.add(
              String.format(
                  Locale.ROOT,
                  "%s %.1f %%",
                  rs.getString(1),
                  100.0 * rs.getLong(2) / Math.max(1, messages)));
        }
      }
    }
    return String.join(", ", parts);
  }

  // The window cut into equal slices by acceptance time: how the overhead moves during the run.
  private static List<String> slices(Connection c, String from, String to, int n)
      throws SQLException {
    List<String> rows = new ArrayList<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            """
            SELECT width_bucket(extract(epoch FROM at - ?::timestamptz),
                                0, extract(epoch FROM ?::timestamptz - ?::timestamptz), ?) AS b,
                   min(extract(epoch FROM at - ?::timestamptz)), count(*), count(reply_at),
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_ms - model_ms),
                   percentile_cont(0.99) WITHIN GROUP (ORDER BY latency_ms - model_ms),
                   max(latency_ms - model_ms)
              FROM mix_messages WHERE at >= ?::timestamptz AND at < ?::timestamptz
             GROUP BY b ORDER BY b
            """)) {
      ps.setString(1, from);
      ps.setString(2, to);
      ps.setString(3, from);
      ps.setInt(4, n);
      ps.setString(5, from);
      ps.setString(6, from);
      ps.setString(7, to);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          rows.add(
              String.format(
                  Locale.ROOT,
                  "  from %6.0f s: %7d messages, %7d answered; overhead p50 %8.1f ms, p99 %8.1f"
                      + " ms, max %8.1f ms",
                  rs.getDouble(2),
                  rs.getLong(3),
                  rs.getLong(4),
                  rs.getDouble(5),
                  rs.getDouble(6),
                  rs.getDouble(7)));
        }
      }
    }
    return rows;
  }

  static long count(Connection c, String sql, String... args) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        ps.setString(i + 1, args[i]);
      }
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }
}
