package org.openpincery.bench;

import java.util.List;
import java.util.Locale;

/** The figures of one {@link MixBench} run, printed. */
final class MixReport {

  private MixReport() {}

  static void print(
      ReplyOverhead.Summary s,
      PoissonLoad.Counts load,
      long[] postNanos,
      long postsUnanswered,
      double drainSeconds,
      double offeredPerSecond,
      double seconds,
      long wakes,
      List<String> modelCalls,
      CpuMeter.Sample before,
      CpuMeter.Sample after) {
    System.out.printf(
        Locale.ROOT,
        "%nLoad over the measured %.0f s: %d arrivals scheduled (%.1f/s; nominal %.1f/s), %d sent;"
            + " answered 202 %d (some possibly after the window), other statuses %d, errors %d;"
            + " %d skipped (over %d requests already in flight); %d left unanswered when the"
            + " client stopped waiting (at most %d s after the load stopped)%n"
            + "  POST /api/agents/:id/messages, scheduled → answered: p50 %.1f ms, p99 %.1f ms,"
            + " max %.1f ms%n",
        seconds,
        load.scheduled(),
        load.scheduled() / seconds,
        offeredPerSecond,
        load.sent(),
        load.accepted(),
        load.otherStatus(),
        load.errors(),
        load.skipped(),
        MixBench.MAX_IN_FLIGHT,
        postsUnanswered,
        MixBench.DRAIN_SECONDS,
        percentile(postNanos, 0.50),
        percentile(postNanos, 0.99),
        percentile(postNanos, 1.0));
    System.out.printf(
        Locale.ROOT,
        "Messages accepted in the window: %d; answered %d (load stopped, then %.1f s to drain);"
            + " unanswered %d%s%n",
        s.messages(),
        s.answered(),
        drainSeconds,
        s.messages() - s.answered(),
        s.messages() == s.answered()
            ? ""
            : String.format(
                Locale.ROOT,
                " (the oldest waiting %.0f s: a backlog)",
                s.oldestUnansweredSeconds()));
    System.out.printf(
        Locale.ROOT,
        "Platform overhead per message → reply (everything but the model): p50 %.1f ms, p99 %.1f"
            + " ms, max %.1f ms%n"
            + "  message → reply: p50 %.1f ms, p99 %.1f ms; model time inside it: mean %.1f ms%n",
        s.p50(),
        s.p99(),
        s.max(),
        s.latencyP50(),
        s.latencyP99(),
        s.meanModel());
    System.out.printf(
        Locale.ROOT,
        "Throughput: offered %.1f messages/s, accepted %.1f/s, answered %.1f/s (messages whose"
            + " reply came inside the window)%n"
            + "Wakes started in the window: %d (%.2f messages per wake); messages found their"
            + " agent: %s%n",
        load.scheduled() / seconds,
        s.messages() / seconds,
        s.answeredInWindow() / seconds,
        wakes,
        wakes == 0 ? 0.0 : (double) s.messages() / wakes,
        s.found());
    System.out.println("Overhead over the window, by acceptance time:");
    s.slices().forEach(System.out::println);
    System.out.println("Model calls (whole run, warm-up included):");
    modelCalls.forEach(System.out::println);
    double wall = (after.nanoTime() - before.nanoTime()) / 1e9;
    double perMessage = 1000.0 / Math.max(1, s.messages());
    System.out.printf(
        Locale.ROOT,
        "CPU over the window, in cores busy (ms per accepted message):%n"
            + "  platform JVM (every tier) %.2f (%.2f ms), PostgreSQL %s, bench JVM (load and"
            + " model) %.2f (%.2f ms); the machine %.2f of %d cores%n",
        (after.platform() - before.platform()) / wall,
        (after.platform() - before.platform()) * perMessage,
        Double.isNaN(after.postgres())
            ? "n/a (the server is not on this machine)"
            : String.format(
                Locale.ROOT,
                "%.2f (%.2f ms)",
                (after.postgres() - before.postgres()) / wall,
                (after.postgres() - before.postgres()) * perMessage),
        (after.bench() - before.bench()) / wall,
        (after.bench() - before.bench()) * perMessage,
        (after.machine() - before.machine()) / wall,
        Runtime.getRuntime().availableProcessors());
  }

  private static double percentile(long[] sorted, double p) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    return sorted[(int) Math.min(sorted.length - 1, Math.floor(p * sorted.length))] / 1e6;
  }
}
