package org.openpincery.standalone.chaos;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * What the chaos run left behind, read from the event logs, {@code model_calls}, {@code timers} and
 * {@code agents} alone: every finding is a list of concrete rows, so a failure names them.
 */
final class ChaosAudit {

  private ChaosAudit() {}

  /** A waking event that no recorded wake model call of its agent shows. */
  record Unseen(UUID agent, long seq, String type, String needle) {}

  // The text that proves a waking event reached the model: a message's or an agent message's
  // content, a timer's label "[timer: note]", a webhook's token (its body is shown as JSON).
  private static final String UNSEEN_INPUTS =
      """
      SELECT e.agent_id, e.seq, e.event_type, x.needle
        FROM events e
        CROSS JOIN LATERAL (SELECT CASE e.event_type
                 WHEN 'timer_fired' THEN '[timer: ' || e.content || ']'
                 WHEN 'webhook_received' THEN e.payload->'body'->>'token'
                 ELSE e.content END AS needle) x
       WHERE e.event_type IN ('message_received', 'webhook_received', 'agent_message_received',
                              'timer_fired')
         AND NOT EXISTS (SELECT 1 FROM model_calls m
                          WHERE m.agent_id = e.agent_id AND m.purpose = 'wake'
                            AND strpos(m.request::text, x.needle) > 0)
       ORDER BY e.agent_id, e.seq
      """;

  static List<Unseen> unseenInputs(Connection c) throws SQLException {
    List<Unseen> out = new ArrayList<>();
    try (Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(UNSEEN_INPUTS)) {
      while (rs.next()) {
        out.add(
            new Unseen(
                rs.getObject(1, UUID.class), rs.getLong(2), rs.getString(3), rs.getString(4)));
      }
    }
    return out;
  }

  /** Events written under a wake_id after that wake was abandoned (its lease lost). */
  static List<String> eventsAfterAbandon(Connection c) throws SQLException {
    return strings(
        c,
        """
        SELECT a.agent_id || ' wake ' || a.wake_id || ': ' || e.event_type || ' at seq ' || e.seq
          FROM events a
          JOIN events e ON e.agent_id = a.agent_id AND e.wake_id = a.wake_id AND e.seq > a.seq
         WHERE a.event_type = 'wake_abandoned'
        """);
  }

  /** Model calls recorded under a wake_id after that wake was abandoned. */
  static List<String> modelCallsAfterAbandon(Connection c) throws SQLException {
    return strings(
        c,
        """
        SELECT a.agent_id || ' wake ' || a.wake_id || ': model call ' || m.id || ' ('
               || m.purpose || ') at ' || m.created_at || ', abandoned at ' || a.created_at
          FROM events a
          JOIN model_calls m ON m.agent_id = a.agent_id AND m.wake_id = a.wake_id
                             AND m.created_at > a.created_at
         WHERE a.event_type = 'wake_abandoned'
        """);
  }

  /** Wake history of every agent, from wake_start, wake_end and wake_abandoned in seq order. */
  record Wakes(
      int started,
      int ended,
      int abandonedAwake,
      int abandonedMaintenance,
      List<String> overlaps,
      List<String> leftOpen,
      List<Orphan> orphans) {}

  /** A wake whose worker vanished: when it started, who ran it, when it was reaped. */
  record Orphan(
      UUID agent,
      UUID wake,
      String owner,
      Instant lastEvent,
      Instant abandonedAt,
      Instant nextWakeStart) {}

  static Wakes wakes(Connection c) throws SQLException {
    int started = 0;
    int ended = 0;
    int abandonedAwake = 0;
    int abandonedMaintenance = 0;
    List<String> overlaps = new ArrayList<>();
    List<String> leftOpen = new ArrayList<>();
    List<Orphan> orphans = new ArrayList<>();
    Map<UUID, String> owners = new HashMap<>();
    Map<UUID, Instant> lastEventOf = lastEventPerWake(c);
    UUID agent = null;
    UUID open = null;
    Orphan pending = null;
    try (Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                """
                SELECT agent_id, seq, event_type, wake_id, created_at,
                       payload->>'owner', payload->>'phase'
                  FROM events
                 WHERE event_type IN ('wake_start', 'wake_end', 'wake_abandoned')
                 ORDER BY agent_id, seq
                """)) {
      while (rs.next()) {
        UUID a = rs.getObject(1, UUID.class);
        if (!a.equals(agent)) {
          if (open != null) {
            leftOpen.add(agent + " wake " + open);
          }
          agent = a;
          open = null;
          pending = null;
        }
        String type = rs.getString(3);
        UUID wake = rs.getObject(4, UUID.class);
        Instant at = rs.getTimestamp(5).toInstant();
        switch (type) {
          case "wake_start" -> {
            started++;
            owners.put(wake, rs.getString(6));
            if (open != null) {
              overlaps.add(
                  a
                      + ": wake "
                      + wake
                      + " started at seq "
                      + rs.getLong(2)
                      + " while "
                      + open
                      + " ran");
            }
            open = wake;
            if (pending != null) {
              orphans.add(
                  new Orphan(
                      pending.agent(),
                      pending.wake(),
                      pending.owner(),
                      pending.lastEvent(),
                      pending.abandonedAt(),
                      at));
              pending = null;
            }
          }
          case "wake_end" -> {
            ended++;
            if (wake.equals(open)) {
              open = null;
            }
          }
          default -> {
            if ("maintenance".equals(rs.getString(7))) {
              abandonedMaintenance++;
            } else {
              abandonedAwake++;
              if (wake.equals(open)) {
                open = null;
              }
              pending = new Orphan(a, wake, owners.get(wake), lastEventOf.get(wake), at, null);
            }
          }
        }
      }
      if (open != null) {
        leftOpen.add(agent + " wake " + open);
      }
      if (pending != null) {
        orphans.add(pending);
      }
    }
    return new Wakes(
        started, ended, abandonedAwake, abandonedMaintenance, overlaps, leftOpen, orphans);
  }

  // The newest event a wake wrote itself (wake_abandoned is the reaper's): near its worker's end.
  private static Map<UUID, Instant> lastEventPerWake(Connection c) throws SQLException {
    Map<UUID, Instant> out = new HashMap<>();
    try (Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT wake_id, max(created_at) FROM events WHERE wake_id IS NOT NULL"
                    + " AND event_type <> 'wake_abandoned' GROUP BY wake_id")) {
      while (rs.next()) {
        out.put(rs.getObject(1, UUID.class), rs.getTimestamp(2).toInstant());
      }
    }
    return out;
  }

  /** Timers that did not fire exactly once (fired_at set, not cancelled, one timer_fired). */
  static List<String> timersNotFiredOnce(Connection c) throws SQLException {
    return strings(
        c,
        """
        SELECT t.id || ' (' || t.note || '): fired_at ' || coalesce(t.fired_at::text, 'null')
               || ', cancelled_at ' || coalesce(t.cancelled_at::text, 'null') || ', '
               || n.fired || ' timer_fired events'
          FROM timers t
          CROSS JOIN LATERAL (SELECT count(*) AS fired FROM events e
                               WHERE e.agent_id = t.agent_id AND e.event_type = 'timer_fired'
                                 AND e.payload->>'timer_id' = t.id::text) n
         WHERE t.fired_at IS NULL OR t.cancelled_at IS NOT NULL OR n.fired <> 1
        """);
  }

  /** Agents not asleep, or with waking input never shown ({@code inbox_seq > consumed_seq}). */
  static List<String> stuckAgents(Connection c) throws SQLException {
    return strings(
        c,
        """
        SELECT name || ': ' || status || ', inbox_seq ' || inbox_seq || ', consumed_seq '
               || consumed_seq || ', lease until ' || coalesce(lease_expires_at::text, '-')
          FROM agents
         WHERE status <> 'asleep' OR inbox_seq > consumed_seq
        """);
  }

  /** How many rows of {@code sql} (one count column) with one text parameter. */
  static long count(Connection c, String sql, String... params) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < params.length; i++) {
        ps.setString(i + 1, params[i]);
      }
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  /** Per text, how many events of the type carry it (content, or a webhook's body token). */
  static Map<String, Long> occurrences(Connection c, String eventType, String column)
      throws SQLException {
    Map<String, Long> out = new HashMap<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT " + column + ", count(*) FROM events WHERE event_type = ? GROUP BY 1")) {
      ps.setString(1, eventType);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.put(rs.getString(1), rs.getLong(2));
        }
      }
    }
    return out;
  }

  static List<String> strings(Connection c, String sql) throws SQLException {
    List<String> out = new ArrayList<>();
    try (Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      while (rs.next()) {
        out.add(rs.getString(1));
      }
    }
    return out;
  }
}
