package org.openpincery.bench;

import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.openpincery.db.DatabaseUrl;

/**
 * Appends the memory bench's corpus through the product's own append function ({@code
 * pincery_append_event}: the agent's row lock, gapless seq, hash chain, and the memory trigger of
 * V21 on the insert), {@code batch} events of one agent per transaction, {@code callers}
 * connections in parallel, each taking whole agents in turn.
 */
final class MemoryFill {

  // One transaction per call: the drafts in order, each through pincery_append_event (V1), which
  // the memory trigger (V21) sees as an ordinary insert. Returns each draft's position and seq.
  private static final String APPEND_MANY =
      """
      SELECT i.n, a.seq
        FROM unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[])
             WITH ORDINALITY AS i(event_type, source, content, tool_name, tool_input, tool_output,
                                  payload, n)
       CROSS JOIN LATERAL pincery_append_event(?::uuid, i.event_type, i.source, NULL, i.content,
             i.tool_name, i.tool_input::jsonb, i.tool_output, NULL, i.payload::jsonb, NULL) a
      """;

  /** What a fill did: events appended, seconds, and the seq each planted fact got. */
  record Result(long events, double seconds, Map<MemoryFacts.Instance, Long> plantedSeqs) {
    double perSecond() {
      return events / seconds;
    }
  }

  private MemoryFill() {}

  /** Appends the histories of agents {@code from} (inclusive) to {@code to} (exclusive). */
  static Result run(
      DatabaseUrl url,
      MemoryCorpus corpus,
      List<UUID> agentIds,
      int from,
      int to,
      int callers,
      int batch,
      AtomicLong progress)
      throws Exception {
    AtomicInteger next = new AtomicInteger(from);
    Map<MemoryFacts.Instance, Long> seqs = new ConcurrentHashMap<>();
    AtomicLong appended = new AtomicLong();
    ExecutorService pool = Executors.newFixedThreadPool(callers);
    long start = System.nanoTime();
    try {
      List<Future<?>> running = new ArrayList<>();
      for (int c = 0; c < callers; c++) {
        running.add(
            pool.submit(
                () -> {
                  try (Connection conn =
                          DriverManager.getConnection(url.jdbcUrl(), url.user(), url.password());
                      PreparedStatement st = conn.prepareStatement(APPEND_MANY)) {
                    for (int agent = next.getAndIncrement();
                        agent < to;
                        agent = next.getAndIncrement()) {
                      appendAgent(
                          conn,
                          st,
                          corpus,
                          agent,
                          agentIds.get(agent),
                          batch,
                          seqs,
                          appended,
                          progress);
                    }
                  }
                  return null;
                }));
      }
      for (Future<?> f : running) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    return new Result(appended.get(), (System.nanoTime() - start) / 1e9, seqs);
  }

  private static void appendAgent(
      Connection conn,
      PreparedStatement st,
      MemoryCorpus corpus,
      int agent,
      UUID agentId,
      int batch,
      Map<MemoryFacts.Instance, Long> seqs,
      AtomicLong appended,
      AtomicLong progress)
      throws SQLException {
    List<MemoryCorpus.Draft> history = corpus.history(agent);
    Map<Integer, MemoryFacts.Instance> plantedAt = new java.util.HashMap<>();
    for (MemoryCorpus.Planted p : corpus.planted()) {
      if (p.agent() == agent) {
        plantedAt.put(p.position(), p.fact());
      }
    }
    for (int offset = 0; offset < history.size(); offset += batch) {
      List<MemoryCorpus.Draft> chunk =
          history.subList(offset, Math.min(history.size(), offset + batch));
      st.setArray(1, texts(conn, chunk, MemoryCorpus.Draft::type));
      st.setArray(2, texts(conn, chunk, MemoryCorpus.Draft::source));
      st.setArray(3, texts(conn, chunk, MemoryCorpus.Draft::content));
      st.setArray(4, texts(conn, chunk, MemoryCorpus.Draft::toolName));
      st.setArray(5, texts(conn, chunk, MemoryCorpus.Draft::toolInput));
      st.setArray(6, texts(conn, chunk, MemoryCorpus.Draft::toolOutput));
      st.setArray(7, texts(conn, chunk, MemoryCorpus.Draft::payload));
      st.setObject(8, agentId);
      int rows = 0;
      try (ResultSet rs = st.executeQuery()) {
        while (rs.next()) {
          rows++;
          MemoryFacts.Instance fact = plantedAt.get(offset + rs.getInt(1) - 1);
          if (fact != null) {
            seqs.put(fact, rs.getLong(2));
          }
        }
      }
      if (rows != chunk.size()) {
        throw new IllegalStateException(
            "appended " + rows + " of " + chunk.size() + " events for agent " + agentId);
      }
      appended.addAndGet(rows);
      progress.addAndGet(rows);
    }
  }

  private static Array texts(
      Connection conn,
      List<MemoryCorpus.Draft> chunk,
      java.util.function.Function<MemoryCorpus.Draft, String> column)
      throws SQLException {
    Object[] values = new Object[chunk.size()];
    for (int i = 0; i < values.length; i++) {
      values[i] = column.apply(chunk.get(i));
    }
    return conn.createArrayOf("text", values);
  }
}
