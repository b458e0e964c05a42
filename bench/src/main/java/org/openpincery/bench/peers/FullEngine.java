package org.openpincery.bench.peers;

import java.sql.Array;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.openpincery.bench.BenchEngine;
import org.openpincery.db.DatabaseUrl;
import org.openpincery.testkit.ScriptedModelServer;

/**
 * {@code pincery-full}: the full cycle of EngineBench — the real wake worker and maintenance worker
 * with the scripted model answering at once (one tool call, a reply, the maintenance JSON). A job
 * ends when the maintenance pass has written the agent's new projection and put it to sleep.
 */
final class FullEngine extends PinceryEngine {

  // The lag on the database's clock: each wake_start after the message_received before it.
  private static final String LAGS =
      """
      SELECT (extract(epoch FROM s.created_at - m.created_at) * 1e9)::bigint
        FROM events s
        CROSS JOIN LATERAL (SELECT e.created_at FROM events e
                             WHERE e.agent_id = s.agent_id AND e.seq < s.seq
                               AND e.event_type = 'message_received'
                             ORDER BY e.seq DESC LIMIT 1) m
       WHERE s.event_type = 'wake_start' AND s.agent_id = ANY(?)
         AND s.created_at >= ?::timestamptz
      """;

  private final ScriptedModelServer model;

  private FullEngine(DatabaseUrl url, ScriptedModelServer model, int concurrency) {
    super(
        url,
        BenchEngine.open(
            url,
            model.baseUrl(),
            Map.of(
                "WAKE_CONCURRENCY", Integer.toString(concurrency),
                "MAINTENANCE_CONCURRENCY", Integer.toString(concurrency)),
            32));
    this.model = model;
  }

  static FullEngine open(DatabaseUrl url, int concurrency) {
    return new FullEngine(
        url,
        ScriptedModelServer.start().withoutRecording().otherwise(BenchEngine::answer),
        concurrency);
  }

  @Override
  void startWorkers() {
    engine.deployWorkers(jobs()::finished);
  }

  @Override
  void stopWorkers() {
    engine.undeployWorkers();
  }

  @Override
  long[] latenciesFromDatabase(List<UUID> agents, String sinceDb) throws SQLException {
    try (PreparedStatement ps = reads().prepareStatement(LAGS)) {
      Array ids = reads().createArrayOf("uuid", agents.toArray());
      ps.setArray(1, ids);
      ps.setString(2, sinceDb);
      List<Long> lags = new ArrayList<>();
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          lags.add(rs.getLong(1));
        }
      }
      return lags.stream().mapToLong(Long::longValue).toArray();
    }
  }

  @Override
  String latencySource() {
    return "database clock: wake_start.created_at − message_received.created_at";
  }

  @Override
  public void close() {
    super.close();
    model.close();
  }
}
