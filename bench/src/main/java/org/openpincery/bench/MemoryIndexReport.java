package org.openpincery.bench;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import org.openpincery.db.DatabaseUrl;

/** The memory bench's tables about the index itself: the log's type mix and the index's size. */
final class MemoryIndexReport {

  private MemoryIndexReport() {}

  // The log's event types, their share, and the mean length of an index entry's text.
  static void mix(DatabaseUrl url, long events) throws SQLException {
    System.out.println("| event type | events | share | indexed | mean indexed chars |");
    System.out.println("|---|---:|---:|---:|---:|");
    try (Connection c = MemoryBench.connect(url);
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT e.event_type, e.n, coalesce(m.n, 0), m.chars FROM"
                    + " (SELECT event_type, count(*) AS n FROM events GROUP BY 1) e LEFT JOIN"
                    + " (SELECT event_type, count(*) AS n, avg(length(body)) AS chars"
                    + " FROM memory_entries GROUP BY 1) m USING (event_type) ORDER BY 2 DESC")) {
      while (rs.next()) {
        long n = rs.getLong(2);
        System.out.printf(
            Locale.ROOT,
            "| %s | %,d | %.1f %% | %,d | %s |%n",
            rs.getString(1),
            n,
            100.0 * n / events,
            rs.getLong(3),
            rs.getObject(4) == null ? "" : String.format(Locale.ROOT, "%.0f", rs.getDouble(4)));
      }
    }
    System.out.println();
  }

  // --- size -------------------------------------------------------------------------------------

  static void sizes(DatabaseUrl url, String title) throws Exception {
    System.out.println(title);
    System.out.println();
    System.out.println("| relation | size | bytes per entry |");
    System.out.println("|---|---:|---:|");
    long entries = Math.max(1, MemoryBench.scalar(url, "SELECT count(*) FROM memory_entries"));
    try (Connection c = MemoryBench.connect(url);
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT 'memory_entries (table)', pg_relation_size('memory_entries')"
                    + " UNION ALL SELECT 'memory_entries (TOAST)', coalesce(pg_total_relation_size(reltoastrelid), 0) FROM pg_class WHERE oid = 'memory_entries'::regclass"
                    + " UNION ALL (SELECT indexrelid::regclass::text, pg_relation_size(indexrelid) FROM pg_index WHERE indrelid = 'memory_entries'::regclass ORDER BY 1)"
                    + " UNION ALL SELECT 'memory_entries, total', pg_total_relation_size('memory_entries')"
                    + " UNION ALL SELECT 'events, total (for comparison)', pg_total_relation_size('events')")) {
      while (rs.next()) {
        long bytes = rs.getLong(2);
        System.out.printf(
            Locale.ROOT,
            "| %s | %s | %,.0f |%n",
            rs.getString(1),
            human(bytes),
            (double) bytes / entries);
      }
    }
    System.out.println();
  }

  private static String human(long bytes) {
    if (bytes >= 1L << 30) {
      return String.format(Locale.ROOT, "%.2f GiB", bytes / (double) (1L << 30));
    }
    if (bytes >= 1L << 20) {
      return String.format(Locale.ROOT, "%.1f MiB", bytes / (double) (1L << 20));
    }
    return String.format(Locale.ROOT, "%.0f kiB", bytes / 1024.0);
  }
}
