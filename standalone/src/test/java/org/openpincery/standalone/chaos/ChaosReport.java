package org.openpincery.standalone.chaos;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The figures of a chaos run as docs/reliability.md lists them: HTTP, kills and recoveries. */
final class ChaosReport {

  private ChaosReport() {}

  static void http(Report report, ChaosTraffic traffic, long[] outage) {
    Map<Integer, Long> byStatus = new java.util.TreeMap<>();
    traffic.answers.forEach(a -> byStatus.merge(a.status(), 1L, Long::sum));
    report.line("HTTP answers by status (-1: no answer)", byStatus.toString());
    report.line(
        "retried requests", "" + traffic.answers.stream().filter(a -> a.attempt() == 2).count());
    report.line(
        "PostgreSQL restart: down (s) / until gateway+ingress ready (s) / until all tiers ready (s)",
        secs(outage[1] - outage[0])
            + " / "
            + secs(outage[2] - outage[0])
            + " / "
            + secs(outage[3] - outage[0]));
    long last503 =
        traffic.answers.stream()
            .filter(a -> a.status() == 503)
            .mapToLong(a -> a.sentAtMillis())
            .max()
            .orElse(0);
    report.line(
        "last 503 relative to gateway+ingress ready again (s)",
        last503 == 0 ? "no 503" : secs(last503 - outage[2]));
  }

  static void kills(
      Report report,
      List<MultiProcessChaosTest.Kill> kills,
      List<ChaosAudit.Orphan> orphans,
      long[] outage) {
    Map<String, List<Long>> readyByKind = new java.util.TreeMap<>();
    kills.forEach(
        k ->
            readyByKind
                .computeIfAbsent(k.kind(), x -> new ArrayList<>())
                .add(k.readyAt() - k.killedAt()));
    report.line("kills (kill -9)", "" + kills.size());
    readyByKind.forEach(
        (kind, list) ->
            report.line(
                "  " + kind + ": kills, kill to /ready p50 / p99 / max (s)",
                list.size()
                    + ", "
                    + secs(pct(list, 50))
                    + " / "
                    + secs(pct(list, 99))
                    + " / "
                    + secs(pct(list, 100))));
    List<Long> reaped = new ArrayList<>();
    List<Long> rewoken = new ArrayList<>();
    List<String> late = new ArrayList<>();
    long bound =
        (MultiProcessChaosTest.WAKE_LEASE_SECONDS + MultiProcessChaosTest.REAP_SECONDS) * 1000L;
    for (ChaosAudit.Orphan o : orphans) {
      for (MultiProcessChaosTest.Kill k : kills) {
        if (o.owner() != null && o.owner().startsWith("wake@" + k.pid() + "@")) {
          long reap = o.abandonedAt().toEpochMilli() - k.killedAt();
          reaped.add(reap);
          if (reap > bound) {
            // Was PostgreSQL away between the kill and the reap (the reaper cannot run then)?
            boolean outageBetween =
                outage[0] < o.abandonedAt().toEpochMilli() && outage[3] > k.killedAt();
            late.add(secs(reap) + (outageBetween ? " (database restarted meanwhile)" : ""));
          }
          if (o.nextWakeStart() != null) {
            rewoken.add(o.nextWakeStart().toEpochMilli() - k.killedAt());
          }
        }
      }
    }
    report.line("wakes orphaned by a killed wake worker", "" + reaped.size());
    report.line(
        "  reaped later than lease + reap interval (" + secs(bound) + " s)",
        late.size() + " " + late);
    report.line(
        "  kill to wake_abandoned p50 / p99 / max (s)",
        secs(pct(reaped, 50)) + " / " + secs(pct(reaped, 99)) + " / " + secs(pct(reaped, 100)));
    report.line(
        "  kill to the agent's next wake_start p50 / p99 / max (s) [" + rewoken.size() + "]",
        secs(pct(rewoken, 50)) + " / " + secs(pct(rewoken, 99)) + " / " + secs(pct(rewoken, 100)));
  }

  static long pct(List<Long> values, int p) {
    if (values.isEmpty()) {
      return 0;
    }
    List<Long> sorted = values.stream().sorted().toList();
    int rank = (int) Math.ceil(p / 100.0 * sorted.size());
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
  }

  static String secs(long millis) {
    return String.format(java.util.Locale.ROOT, "%.1f", millis / 1000.0);
  }

  /** The figures of a run, in the order docs/reliability.md lists them. */
  static final class Report {
    private final StringBuilder text = new StringBuilder();

    void line(String what, String value) {
      text.append(what).append(": ").append(value).append('\n');
    }

    void write(Path file) throws java.io.IOException {
      Files.createDirectories(file.getParent());
      Files.writeString(file, text.toString());
      System.out.print(text);
    }
  }
}
