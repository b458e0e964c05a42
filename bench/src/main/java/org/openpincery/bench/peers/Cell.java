package org.openpincery.bench.peers;

import io.vertx.core.json.JsonObject;

/**
 * One measured cell: a system, a mode, a producer count (drain: the job count), one round.
 *
 * @param seconds the run's measured time
 * @param p50Ms latency p50 in ms (see {@code latency}), null when none was measured
 * @param p99Ms latency p99 in ms, null when none was measured
 * @param latency what the latency is (enqueue → start, or pgbench's transaction latency)
 * @param driverCpuMs CPU of the driver's process tree during the cell, ms (-1: unknown)
 * @param serverCpuMs CPU of the PostgreSQL server's processes during the cell, ms (-1: unknown)
 * @param peakRssMib the driver's peak resident set (VmHWM) before QUIT, MiB (-1: unknown)
 */
public record Cell(
    String system,
    String mode,
    int producers,
    int round,
    long jobs,
    double seconds,
    Double p50Ms,
    Double p99Ms,
    Double maxMs,
    String latency,
    double driverCpuMs,
    double serverCpuMs,
    double peakRssMib) {

  public double perSecond() {
    return jobs / seconds;
  }

  Cell withPeakRss(double mib) {
    return new Cell(
        system,
        mode,
        producers,
        round,
        jobs,
        seconds,
        p50Ms,
        p99Ms,
        maxMs,
        latency,
        driverCpuMs,
        serverCpuMs,
        mib);
  }

  /** The JSON line written to the results file. */
  public JsonObject json() {
    return new JsonObject()
        .put("system", system)
        .put("mode", mode)
        .put("producers", producers)
        .put("round", round)
        .put("jobs", jobs)
        .put("seconds", seconds)
        .put("per_second", perSecond())
        .put("latency_p50_ms", p50Ms)
        .put("latency_p99_ms", p99Ms)
        .put("latency_max_ms", maxMs)
        .put("latency", latency)
        .put("driver_cpu_ms", driverCpuMs)
        .put("postgres_cpu_ms", serverCpuMs)
        .put("peak_rss_mib", peakRssMib);
  }
}
