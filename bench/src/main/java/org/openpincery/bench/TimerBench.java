package org.openpincery.bench;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.openpincery.config.DatabaseConfig;
import org.openpincery.config.Env;
import org.openpincery.db.DatabaseUrl;
import org.openpincery.db.SchemaMigrator;
import org.openpincery.scheduler.SchedulerConfig;
import org.openpincery.scheduler.SchedulerVerticle;
import org.openpincery.store.Store;

/**
 * Timer lateness: {@code timers} timers over {@code agents} agents, all due within the same minute,
 * fired by {@code schedulers} scheduler instances (default settings); lateness is {@code fired_at −
 * due_at} on the database's clock.
 *
 * <p>Usage: {@code ./pincery bench timers [timers] [agents] [schedulers]} (defaults 10000, 1000, 2)
 */
public final class TimerBench {

  private TimerBench() {}

  public static void main(String[] args) throws Exception {
    int timers = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
    int agentCount = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
    int schedulers = args.length > 2 ? Integer.parseInt(args[2]) : 2;
    try (BenchDatabase server = BenchDatabase.start()) {
      DatabaseUrl url = server.freshDatabase("pincery_timer_bench");
      SchemaMigrator.migrate(url);
      Vertx setup = Vertx.vertx();
      Store store = Store.open(setup, new DatabaseConfig(url, 16, "timer-bench"));
      UUID workspace = store.agents().createWorkspace("bench").await();
      List<Future<UUID>> created = new ArrayList<>();
      for (int i = 0; i < agentCount; i++) {
        created.add(store.agents().createAgent(workspace, "t" + i, "s", null));
      }
      Future.all(created).await();
      try (Connection c = connect(url);
          Statement st = c.createStatement()) {
        // Due at random moments of the minute that starts 10 s from now.
        st.executeUpdate(
            "INSERT INTO timers (agent_id, due_at, note)"
                + " SELECT (SELECT id FROM agents ORDER BY id OFFSET (g % "
                + agentCount
                + ") LIMIT 1),"
                + " date_trunc('second', now()) + interval '10 seconds' + random() * interval '60 seconds',"
                + " 'timer ' || g FROM generate_series(1, "
                + timers
                + ") g");
      }
      List<Vertx> running = new ArrayList<>();
      for (int i = 0; i < schedulers; i++) {
        Vertx vertx = Vertx.vertx();
        running.add(vertx);
        Store own = Store.open(vertx, new DatabaseConfig(url, 4, "scheduler-" + i));
        vertx
            .deployVerticle(
                new SchedulerVerticle(own, SchedulerConfig.from(Env.of(Map.of()))),
                SchedulerVerticle.deploymentOptions())
            .await();
      }
      while (scalar(url, "SELECT count(*) FROM timers WHERE fired_at IS NULL") > 0) {
        Thread.sleep(500);
      }
      System.out.printf(
          "%d timers over %d agents due within one minute, %d scheduler(s) (interval %d ms, batch %d),"
              + " PostgreSQL %s, fsync on%n%s%n%s%n",
          timers,
          agentCount,
          schedulers,
          SchedulerConfig.from(Env.of(Map.of())).timerInterval().toMillis(),
          SchedulerConfig.from(Env.of(Map.of())).batch(),
          server.version(),
          text(
              url,
              "SELECT format('lateness (fired_at - due_at): p50 %s ms, p99 %s ms, max %s ms',"
                  + " round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 1),"
                  + " round(percentile_cont(0.99) WITHIN GROUP (ORDER BY ms)::numeric, 1),"
                  + " round(max(ms)::numeric, 1)) FROM (SELECT extract(epoch FROM fired_at - due_at)"
                  + " * 1000 AS ms FROM timers) t"),
          text(
              url,
              "SELECT format('timer_fired events: %s (distinct timers: %s)', count(*),"
                  + " count(DISTINCT payload->>'timer_id')) FROM events WHERE event_type = 'timer_fired'"));
      for (Vertx v : running) {
        v.close().await();
      }
      setup.close().await();
    }
  }

  private static long scalar(DatabaseUrl url, String sql) throws Exception {
    return Long.parseLong(text(url, sql));
  }

  private static String text(DatabaseUrl url, String sql) throws Exception {
    try (Connection c = connect(url);
        ResultSet rs = c.createStatement().executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }

  private static Connection connect(DatabaseUrl url) throws Exception {
    return DriverManager.getConnection(url.jdbcUrl(), url.user(), url.password());
  }
}
