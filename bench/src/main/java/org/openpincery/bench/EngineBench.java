package org.openpincery.bench;

import com.sun.management.OperatingSystemMXBean;
import io.vertx.core.Future;
import java.lang.management.ManagementFactory;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.openpincery.db.DatabaseUrl;
import org.openpincery.db.SchemaMigrator;
import org.openpincery.model.NewEvent;
import org.openpincery.store.Store;
import org.openpincery.testkit.ScriptedModelServer;
import org.openpincery.wake.WakeWorkerConfig;

/**
 * The wake engine end to end, with a model that answers at once: full cycles (message → wake with
 * one tool call → reply → sleep → maintenance → asleep) per second, message → wake claimed latency,
 * and what sleeping agents cost an idle worker process.
 *
 * <p>Usage: {@code ./pincery bench engine [agents] [rounds]} (defaults 1000 and 5).
 */
public final class EngineBench {

  private static final OperatingSystemMXBean OS =
      (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

  private EngineBench() {}

  public static void main(String[] args) throws Exception {
    int agents = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    try (BenchDatabase server = BenchDatabase.start();
        ScriptedModelServer model =
            ScriptedModelServer.start().withoutRecording().otherwise(BenchEngine::answer)) {
      DatabaseUrl url = server.freshDatabase("pincery_engine_bench");
      SchemaMigrator.migrate(url);
      System.out.printf(
          "PostgreSQL %s, %d cores, fsync on, synchronous_commit on%n",
          server.version(), Runtime.getRuntime().availableProcessors());

      BenchEngine engine =
          BenchEngine.open(url, model.baseUrl(), Map.of("MAINTENANCE_CONCURRENCY", "32"), 32);
      Store store = engine.store();
      WakeWorkerConfig wakeConfig = engine.wakeConfig();
      engine.deployWorkers(agent -> {});

      UUID workspace = store.agents().createWorkspace("bench").await();
      List<UUID> ids = createAgents(store, workspace, 0, 100);
      idle("100 sleeping agents", url);
      ids.addAll(createAgents(store, workspace, 100, agents - 100));

      System.out.printf(
          "%nThroughput: %d agents, one message each per round, wake concurrency %d%n",
          agents, wakeConfig.concurrency());
      for (int r = 1; r <= rounds; r++) {
        long commits0 =
            stat(
                url, "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()");
        long syncs0 = stat(url, "SELECT wal_sync FROM pg_stat_wal");
        long cpu0 = OS.getProcessCpuTime();
        long busy0 = machineBusyJiffies();
        long t0 = System.nanoTime();
        runRound(store, ids, r, sql -> stat(url, sql));
        double seconds = (System.nanoTime() - t0) / 1e9;
        long commits =
            stat(url, "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()")
                - commits0;
        long syncs = stat(url, "SELECT wal_sync FROM pg_stat_wal") - syncs0;
        double jvmMs = (OS.getProcessCpuTime() - cpu0) / 1e6 / ids.size();
        double machineMs = (machineBusyJiffies() - busy0) * 10.0 / ids.size();
        System.out.printf(
            Locale.ROOT,
            "round %d: %d cycles in %.2f s = %.0f cycles/s; per cycle %.1f transactions, %.2f WAL"
                + " fsyncs, CPU %.1f ms (this JVM: workers and model %.1f ms; the rest, mostly"
                + " PostgreSQL: %.1f ms)%n",
            r,
            ids.size(),
            seconds,
            ids.size() / seconds,
            (double) commits / ids.size(),
            (double) syncs / ids.size(),
            machineMs,
            jvmMs,
            machineMs - jvmMs);
      }

      profileRound(server, store, url, ids, rounds + 1);
      latency(store, url, ids);
      bulkAgents(url, workspace, 100_000 - agents);
      idle("100,000 sleeping agents", url);

      engine.close();
    }
  }

  // Light load: a message every 20 ms to a different sleeping agent; the lag is measured on the
  // database's clock, from the message's commit to its wake_start.
  private static void latency(Store store, DatabaseUrl url, List<UUID> ids) throws Exception {
    int messages = Math.min(500, ids.size());
    long before = stat(url, "SELECT count(*) FROM projections");
    String startedAt = text(url, "SELECT now()::text");
    for (int i = 0; i < messages; i++) {
      store.events().append(ids.get(i), NewEvent.messageReceived("person", "ping")).await();
      Thread.sleep(20);
    }
    while (stat(url, "SELECT count(*) FROM projections") < before + messages) {
      Thread.sleep(20);
    }
    String lags =
        text(
            url,
            "WITH starts AS (SELECT agent_id, seq, created_at FROM events"
                + " WHERE event_type = 'wake_start' AND created_at > '"
                + startedAt
                + "'::timestamptz),"
                + " lags AS (SELECT extract(epoch FROM s.created_at - (SELECT e.created_at FROM events e"
                + "   WHERE e.agent_id = s.agent_id AND e.seq < s.seq AND e.event_type = 'message_received'"
                + "   ORDER BY e.seq DESC LIMIT 1)) * 1000 AS ms FROM starts s)"
                + " SELECT format('%s wakes: p50 %s ms, p99 %s ms, max %s ms', count(*),"
                + " round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 2),"
                + " round(percentile_cont(0.99) WITHIN GROUP (ORDER BY ms)::numeric, 2),"
                + " round(max(ms)::numeric, 2)) FROM lags");
    System.out.printf("%nMessage committed → wake claimed (one message every 20 ms): %s%n", lags);
  }

  // What an idle worker process costs: heap after a full GC, and CPU over 10 s with nothing to do.
  private static void idle(String label, DatabaseUrl url) throws Exception {
    Thread.sleep(2000);
    System.gc();
    long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    long cpu0 = OS.getProcessCpuTime();
    long t0 = System.nanoTime();
    Thread.sleep(10_000);
    double cpu = (OS.getProcessCpuTime() - cpu0) / (double) (System.nanoTime() - t0) * 100;
    System.out.printf(
        Locale.ROOT,
        "%nIdle with %s (%d agents in the table): heap after GC %.1f MiB, process CPU %.2f %% of one core%n",
        label,
        stat(url, "SELECT count(*) FROM agents"),
        heap / 1048576.0,
        cpu);
  }

  // One more round with per-statement tracking on (nested statements too), not counted in the
  // throughput rounds: tracking costs the server CPU of its own.
  private static void profileRound(
      BenchDatabase server, Store store, DatabaseUrl url, List<UUID> ids, int round)
      throws Exception {
    try {
      server.trackStatements("all");
      text(url, "SELECT 'x' FROM (SELECT 1) t WHERE false UNION ALL SELECT 'x'");
      stats.createStatement().execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
      stats.createStatement().execute("SELECT pg_stat_statements_reset()");
    } catch (SQLException e) {
      System.out.println("(no per-statement profile: " + e.getMessage() + ")");
      return;
    }
    runRound(store, ids, round, sql -> stat(url, sql));
    topStatements(url, ids.size());
    server.trackStatements("none");
  }

  // The server's time per cycle by statement (top-level and inside functions).
  private static void topStatements(DatabaseUrl url, long cycles) {
    try {
      String top =
          text(
              url,
              "SELECT string_agg(format('%8s ms/cycle %8s calls/cycle  %s', round((total_exec_time / "
                  + cycles
                  + ")::numeric, 3), round((calls::numeric / "
                  + cycles
                  + "), 2), left(regexp_replace(query, '\\s+', ' ', 'g'), 110)), E'\\n'"
                  + " ORDER BY total_exec_time DESC) FROM (SELECT * FROM pg_stat_statements"
                  + " WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())"
                  + " ORDER BY total_exec_time DESC LIMIT 15) t");
      System.out.printf(
          "%nServer time by statement (one more round with tracking on, nested statements included):%n%s%n",
          top);
    } catch (SQLException e) {
      System.out.println("(pg_stat_statements not available: " + e.getMessage() + ")");
    }
  }

  // Busy time of the whole machine (user + nice + system + irq + softirq), in 10 ms jiffies.
  private static long machineBusyJiffies() throws java.io.IOException {
    String[] f =
        java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/stat"))
            .get(0)
            .trim()
            .split("\\s+");
    return Long.parseLong(f[1])
        + Long.parseLong(f[2])
        + Long.parseLong(f[3])
        + Long.parseLong(f[6])
        + Long.parseLong(f[7]);
  }

  private static List<UUID> createAgents(Store store, UUID workspace, int from, int n) {
    List<Future<UUID>> created = new ArrayList<>(n);
    for (int i = from; i < from + n; i++) {
      created.add(store.agents().createAgent(workspace, "agent-" + i, "bench-secret", null));
    }
    Future.all(created).await();
    return new ArrayList<>(created.stream().map(Future::result).toList());
  }

  // Benchmark set-up only: many sleeping agents at once.
  private static void bulkAgents(DatabaseUrl url, UUID workspace, int n) throws SQLException {
    try (Connection c = connect(url);
        Statement st = c.createStatement()) {
      st.executeUpdate(
          "INSERT INTO agents (workspace_id, name, webhook_secret) SELECT '"
              + workspace
              + "', 'sleeper-' || g, 'bench-secret' FROM generate_series(1, "
              + n
              + ") g");
      st.execute("ANALYZE agents");
    }
  }

  private static Connection stats;

  // One connection for the bench's own reads, opened once: polling must not add connects.
  /** One number a query on the benchmark's database gives. */
  interface Count {
    long of(String sql) throws Exception;
  }

  /**
   * Sends each agent one message of round {@code r} and waits until every agent has had its full
   * cycle (r projections each, so far) and is asleep again.
   */
  static void runRound(Store store, List<UUID> ids, int r, Count count) throws Exception {
    List<Future<?>> sent = new ArrayList<>(ids.size());
    for (UUID id : ids) {
      sent.add(store.events().append(id, NewEvent.messageReceived("person", "round " + r)));
    }
    Future.all(sent).await();
    long target = (long) r * ids.size();
    while (count.of("SELECT count(*) FROM projections") < target
        || count.of("SELECT count(*) FROM agents WHERE status <> 'asleep'") > 0) {
      Thread.sleep(20);
    }
  }

  private static synchronized long stat(DatabaseUrl url, String sql) throws SQLException {
    return Long.parseLong(text(url, sql));
  }

  private static synchronized String text(DatabaseUrl url, String sql) throws SQLException {
    if (stats == null) {
      stats = connect(url);
    }
    try (ResultSet rs = stats.createStatement().executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }

  private static Connection connect(DatabaseUrl url) throws SQLException {
    return DriverManager.getConnection(url.jdbcUrl(), url.user(), url.password());
  }
}
