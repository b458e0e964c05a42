package org.openpincery.bench;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.openpincery.config.DatabaseConfig;
import org.openpincery.db.DatabaseUrl;
import org.openpincery.db.SchemaMigrator;
import org.openpincery.model.NewEvent;
import org.openpincery.model.TerminationReason;
import org.openpincery.store.AppendResult;
import org.openpincery.store.ClaimResult;
import org.openpincery.store.EndWakeResult;
import org.openpincery.store.FinishResult;
import org.openpincery.store.Store;

/**
 * The store against its ceiling: the same SQL driven by pgbench on the same server.
 *
 * <p>Workloads: {@code append} (one {@code message_received} per op, with the store's NOTIFYs) and
 * {@code cycle} (claim → end wake → finish maintenance, three round trips per op). Each runs with
 * 1, 4 and 16 concurrent callers, each caller on its own agent. PostgreSQL runs with fsync and
 * synchronous_commit on (an embedded server in a temporary directory, or {@code DATABASE_URL}).
 *
 * <p>Usage: {@code ./pincery bench store [seconds-per-round]}
 */
public final class StoreBench {

  private static final int[] CALLERS = {1, 4, 16};
  private static final int ROUNDS = 3;

  public static void main(String[] args) throws Exception {
    org.openpincery.config.Logging.configure(org.openpincery.config.Env.of(System.getenv()));
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    try (BenchDatabase server = BenchDatabase.start()) {
      DatabaseUrl url = server.freshDatabase("pincery_bench");
      SchemaMigrator.migrate(url);
      Vertx vertx = Vertx.vertx();
      Store store = Store.open(vertx, new DatabaseConfig(url, 16, "store-bench"));
      try {
        List<UUID> agents = Pgbench.agents(store, url, 16);
        System.out.printf(
            Locale.ROOT,
            "PostgreSQL %s, fsync=on, synchronous_commit=on, median of %d alternating rounds of %d s%n%n",
            server.version(),
            ROUNDS,
            seconds);
        System.out.println(
            "| workload | callers | store ops/s | store p50 ms | store p99 ms | pgbench ops/s | store / pgbench |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|");
        for (String workload : List.of("append", "cycle")) {
          for (int callers : CALLERS) {
            Function<UUID, Future<?>> op =
                workload.equals("append") ? appendOp(store) : cycleOp(store);
            run(agents.subList(0, callers), op, 2); // warm-up
            // Alternate the two sides and keep each side's median round, so drift in the disk's
            // fsync speed during the run lands on both.
            List<Result> rounds = new ArrayList<>();
            List<Double> ceilings = new ArrayList<>();
            for (int round = 0; round < ROUNDS; round++) {
              rounds.add(run(agents.subList(0, callers), op, seconds));
              ceilings.add(Pgbench.run(url, workload, callers, seconds, false).tps());
            }
            rounds.sort(java.util.Comparator.comparingDouble(Result::opsPerSecond));
            ceilings.sort(Double::compare);
            Result r = rounds.get(ROUNDS / 2);
            double ceiling = ceilings.get(ROUNDS / 2);
            System.out.printf(
                Locale.ROOT,
                "| %s | %d | %.0f | %.2f | %.2f | %.0f | %.0f %% |%n",
                workload,
                callers,
                r.opsPerSecond(),
                r.p50Ms(),
                r.p99Ms(),
                ceiling,
                100 * r.opsPerSecond() / ceiling);
          }
        }
      } finally {
        store.closeAsync().await(30, TimeUnit.SECONDS);
        vertx.close().await(30, TimeUnit.SECONDS);
      }
    }
  }

  private static Function<UUID, Future<?>> appendOp(Store store) {
    return agent ->
        store
            .events()
            .append(agent, NewEvent.messageReceived("bench", "hello"))
            .map(
                r -> {
                  if (!(r instanceof AppendResult.Appended)) {
                    throw new IllegalStateException("append: " + r);
                  }
                  return r;
                });
  }

  private static Function<UUID, Future<?>> cycleOp(Store store) {
    Duration lease = Duration.ofSeconds(30);
    return agent ->
        store
            .lifecycle()
            .claim(agent, "bench", lease)
            .compose(
                c -> {
                  if (!(c instanceof ClaimResult.Claimed claimed)) {
                    return Future.failedFuture("claim: " + c);
                  }
                  return store
                      .lifecycle()
                      .endWake(
                          agent,
                          claimed.wakeId(),
                          claimed.inboxSeq(),
                          TerminationReason.COMPLETED,
                          lease)
                      .compose(
                          e ->
                              e instanceof EndWakeResult.Ended
                                  ? store.lifecycle().finishMaintenance(agent, claimed.wakeId())
                                  : Future.failedFuture("end: " + e))
                      .map(
                          f -> {
                            if (!(f instanceof FinishResult.Finished)) {
                              throw new IllegalStateException("finish: " + f);
                            }
                            return f;
                          });
                });
  }

  private record Result(long ops, double seconds, long[] latenciesNanos) {
    double opsPerSecond() {
      return ops / seconds;
    }

    double p50Ms() {
      return percentile(0.50);
    }

    double p99Ms() {
      return percentile(0.99);
    }

    private double percentile(double p) {
      if (latenciesNanos.length == 0) {
        return Double.NaN;
      }
      return latenciesNanos[
              (int) Math.min(latenciesNanos.length - 1, Math.floor(p * latenciesNanos.length))]
          / 1e6;
    }
  }

  /** Each caller runs ops back to back on its own agent until the deadline. */
  private static Result run(List<UUID> agents, Function<UUID, Future<?>> op, int seconds)
      throws Exception {
    long start = System.nanoTime();
    long deadline = start + TimeUnit.SECONDS.toNanos(seconds);
    List<Future<List<Long>>> callers = new ArrayList<>();
    for (UUID agent : agents) {
      Promise<List<Long>> done = Promise.promise();
      loop(agent, op, deadline, new ArrayList<>(), done);
      callers.add(done.future());
    }
    List<Long> all = new ArrayList<>();
    for (var c : callers) {
      all.addAll(c.toCompletionStage().toCompletableFuture().get(seconds + 60L, TimeUnit.SECONDS));
    }
    double elapsed = (System.nanoTime() - start) / 1e9;
    long[] sorted = all.stream().mapToLong(Long::longValue).toArray();
    Arrays.sort(sorted);
    return new Result(sorted.length, elapsed, sorted);
  }

  private static void loop(
      UUID agent,
      Function<UUID, Future<?>> op,
      long deadline,
      List<Long> latencies,
      Promise<List<Long>> done) {
    long t0 = System.nanoTime();
    if (t0 >= deadline) {
      done.complete(latencies);
      return;
    }
    op.apply(agent)
        .onComplete(
            ar -> {
              if (ar.failed()) {
                done.fail(ar.cause());
                return;
              }
              latencies.add(System.nanoTime() - t0);
              loop(agent, op, deadline, latencies, done);
            });
  }
}
