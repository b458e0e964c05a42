package org.openpincery.bench.peers;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One system's driver in one round: start, READY, {@code closed} at each producer count, one {@code
 * drain}, peak RSS, QUIT. CPU of the driver's process tree and of the server is sampled right
 * before each command is written and right after its answer is read.
 */
public final class DriverRun {

  private DriverRun() {}

  /**
   * @param postmaster the server's postmaster pid, or -1 when its CPU cannot be read
   * @return the round's cells, each with the driver's peak RSS
   */
  public static List<Cell> run(
      PeerSystem system,
      Map<String, String> env,
      int[] producers,
      int seconds,
      int drainJobs,
      int round,
      long postmaster)
      throws IOException {
    Path log = Path.of("bench/target/peers/logs", system.id() + "-round" + round + ".log");
    List<Cell> cells = new ArrayList<>();
    long peakKib;
    try (DriverProcess driver = DriverProcess.start(system, env, log)) {
      for (int n : producers) {
        cells.add(measure(driver, system.id(), "closed", n, seconds, round, postmaster));
      }
      cells.add(measure(driver, system.id(), "drain", drainJobs, seconds, round, postmaster));
      peakKib = ProcStat.peakRssKib(driver.handle().pid());
    } catch (IOException e) {
      throw new IOException(e.getMessage() + " (driver log: " + log + ")", e);
    }
    double mib = peakKib < 0 ? -1 : peakKib / 1024.0;
    return cells.stream().map(c -> c.withPeakRss(mib)).toList();
  }

  private static Cell measure(
      DriverProcess driver,
      String system,
      String mode,
      int n,
      int seconds,
      int round,
      long postmaster)
      throws IOException {
    double tickMs = 1000.0 / ProcStat.ticksPerSecond();
    long d0 = ProcStat.treeTicks(driver.handle());
    long pg0 = postmaster > 0 ? ProcStat.serverTicks(postmaster) : -1;
    JsonObject r = driver.run(mode, n, seconds);
    long d1 = ProcStat.treeTicks(driver.handle());
    long pg1 = postmaster > 0 ? ProcStat.serverTicks(postmaster) : -1;
    long jobs = r.getLong("jobs");
    boolean none = jobs == 0; // a driver reports latency 0 for no jobs: "none", not fast
    return new Cell(
        system,
        mode,
        n,
        round,
        jobs,
        r.getDouble("seconds"),
        none ? null : r.getDouble("latency_p50_ms"),
        none ? null : r.getDouble("latency_p99_ms"),
        none ? null : r.getDouble("latency_max_ms"),
        r.getString(
            "latency_source",
            String.format(Locale.ROOT, "enqueue committed → handler started (driver's clock)")),
        (d1 - d0) * tickMs,
        pg0 < 0 ? -1 : (pg1 - pg0) * tickMs,
        -1);
  }
}
