package org.openpincery.bench.peers;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.ToDoubleFunction;

/**
 * The peers benchmark's Markdown tables: per mode, system × producers → median over rounds (and
 * min–max of throughput), then this project ÷ each other system.
 */
public final class PeersReport {

  private final List<Cell> cells;
  private final PrintStream out;

  public PeersReport(List<Cell> cells, PrintStream out) {
    this.cells = cells;
    this.out = out;
  }

  public void print(List<String> systems, int[] producers, int drainJobs) {
    out.println();
    out.println("### Closed loop (each producer enqueues one job and waits for it)");
    table(systems, "closed", producers);
    ratios(systems, "closed", producers);
    out.println();
    out.printf(Locale.ROOT, "### Drain (%d jobs enqueued, then the workers start)%n", drainJobs);
    table(systems, "drain", new int[] {drainJobs});
    ratios(systems, "drain", new int[] {drainJobs});
    out.println();
    out.println("Latency measured as:");
    Map<String, String> kinds = new LinkedHashMap<>();
    cells.forEach(c -> kinds.putIfAbsent(c.system(), c.latency()));
    kinds.forEach((s, k) -> out.printf("- %s: %s%n", s, k));
  }

  private void table(List<String> systems, String mode, int[] producers) {
    out.println();
    out.println(
        "| system | "
            + (mode.equals("drain") ? "jobs" : "producers")
            + " | jobs/s median (min–max) | p50 ms | p99 ms | CPU ms/job driver |"
            + " CPU ms/job PostgreSQL | peak RSS MiB |");
    out.println("|---|---:|---:|---:|---:|---:|---:|---:|");
    for (String system : systems) {
      if (mode.equals("drain") && system.equals("pgbench")) {
        out.println("| pgbench | — | no drain mode | | | | | |");
        continue;
      }
      for (int n : producers) {
        List<Cell> of = of(system, mode, n);
        if (of.isEmpty()) {
          continue;
        }
        List<Double> rates = of.stream().map(Cell::perSecond).sorted().toList();
        out.printf(
            Locale.ROOT,
            "| %s | %d | %.0f (%.0f–%.0f) | %s | %s | %s | %s | %s |%n",
            system,
            n,
            median(rates),
            rates.getFirst(),
            rates.getLast(),
            fmt(median(of, c -> c.p50Ms() == null ? Double.NaN : c.p50Ms()), 2),
            fmt(median(of, c -> c.p99Ms() == null ? Double.NaN : c.p99Ms()), 2),
            fmt(median(of, c -> c.driverCpuMs() < 0 ? Double.NaN : c.driverCpuMs() / c.jobs()), 3),
            fmt(median(of, c -> c.serverCpuMs() < 0 ? Double.NaN : c.serverCpuMs() / c.jobs()), 3),
            fmt(median(of, c -> c.peakRssMib() < 0 ? Double.NaN : c.peakRssMib()), 0));
      }
    }
  }

  private void ratios(List<String> systems, String mode, int[] producers) {
    List<String> ours = systems.stream().filter(s -> s.startsWith("pincery-")).toList();
    List<String> rows = new ArrayList<>();
    for (String us : ours) {
      for (String other : systems) {
        // One ratio between this project's own two systems (bare ÷ full), not its inverse too.
        boolean inverse = other.startsWith("pincery-") && us.compareTo(other) > 0;
        if (other.equals(us) || inverse || (mode.equals("drain") && other.equals("pgbench"))) {
          continue;
        }
        StringBuilder row = new StringBuilder("| " + us + " ÷ " + other + " |");
        for (int n : producers) {
          double a = rate(us, mode, n);
          double b = rate(other, mode, n);
          row.append(
              Double.isNaN(a) || Double.isNaN(b)
                  ? " — |"
                  : b == 0 ? " — (0 jobs) |" : " " + fmt(a / b, 2) + " |");
        }
        rows.add(row.toString());
      }
    }
    if (rows.isEmpty()) {
      return;
    }
    out.println();
    StringBuilder head = new StringBuilder("| jobs/s ratio (medians) |");
    StringBuilder rule = new StringBuilder("|---|");
    for (int n : producers) {
      head.append(mode.equals("drain") ? " " + n + " jobs |" : " " + n + " producers |");
      rule.append("---:|");
    }
    out.println(head);
    out.println(rule);
    rows.forEach(out::println);
  }

  private double rate(String system, String mode, int n) {
    List<Cell> of = of(system, mode, n);
    return of.isEmpty() ? Double.NaN : median(of, Cell::perSecond);
  }

  private List<Cell> of(String system, String mode, int n) {
    return cells.stream()
        .filter(c -> c.system().equals(system) && c.mode().equals(mode) && c.producers() == n)
        .toList();
  }

  /** Median of the values that are not NaN; NaN when there are none. */
  static double median(List<Cell> of, ToDoubleFunction<Cell> value) {
    return median(of.stream().map(value::applyAsDouble).filter(Double::isFinite).sorted().toList());
  }

  private static double median(List<Double> sorted) {
    List<Double> s = sorted.stream().filter(Objects::nonNull).sorted().toList();
    if (s.isEmpty()) {
      return Double.NaN;
    }
    int m = s.size() / 2;
    return s.size() % 2 == 1 ? s.get(m) : (s.get(m - 1) + s.get(m)) / 2;
  }

  private static String fmt(double v, int digits) {
    return Double.isNaN(v) ? "—" : String.format(Locale.ROOT, "%." + digits + "f", v);
  }
}
