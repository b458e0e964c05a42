package org.openpincery.bench.peers;

import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.openpincery.bench.Pgbench;
import org.openpincery.config.DatabaseConfig;
import org.openpincery.db.DatabaseUrl;
import org.openpincery.db.SchemaMigrator;
import org.openpincery.store.Store;

/**
 * The ceiling: pgbench running {@code /pgbench/bare-wake.sql} (the statements of one bare wake, as
 * the {@code pincery-bare} driver runs them) on a freshly migrated database, one agent per client,
 * closed loop ({@code -M prepared -c N -j min(N,2) -T seconds}). Its latency is pgbench's
 * per-transaction latency (the whole bare wake), not enqueue → start; it has no drain mode.
 */
public final class PgbenchCeiling {

  static final String LATENCY = "pgbench transaction latency (one whole bare wake)";

  private PgbenchCeiling() {}

  /** One round at every producer count; CPU of pgbench itself and of the server (when local). */
  public static List<Cell> run(
      DatabaseUrl url, int[] producers, int seconds, int round, long postmaster) throws Exception {
    SchemaMigrator.migrate(url);
    int max = Arrays.stream(producers).max().orElse(1);
    Vertx vertx = Vertx.vertx();
    try (Store store = Store.open(vertx, new DatabaseConfig(url, 4, "pgbench-setup"))) {
      Pgbench.agents(store, url, max);
    } finally {
      vertx.close().await();
    }
    double tickMs = 1000.0 / ProcStat.ticksPerSecond();
    List<Cell> cells = new ArrayList<>();
    for (int n : producers) {
      long pg0 = postmaster > 0 ? ProcStat.serverTicks(postmaster) : -1;
      Pgbench.Run r = Pgbench.run(url, "bare-wake", n, seconds, true);
      long pg1 = postmaster > 0 ? ProcStat.serverTicks(postmaster) : -1;
      long[] lat = r.latencyMicros();
      cells.add(
          new Cell(
              "pgbench",
              "closed",
              n,
              round,
              r.transactions(),
              r.transactions() / r.tps(),
              percentileMs(lat, 0.50),
              percentileMs(lat, 0.99),
              lat.length == 0 ? null : lat[lat.length - 1] / 1000.0,
              LATENCY,
              r.cpuTicks() < 0 ? -1 : r.cpuTicks() * tickMs,
              pg0 < 0 ? -1 : (pg1 - pg0) * tickMs,
              -1));
    }
    return cells;
  }

  private static Double percentileMs(long[] sortedMicros, double p) {
    if (sortedMicros.length == 0) {
      return null;
    }
    int i = (int) Math.min(sortedMicros.length - 1, Math.floor(p * sortedMicros.length));
    return sortedMicros[i] / 1000.0;
  }
}
