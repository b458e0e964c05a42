package org.openpincery.bench.peers;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openpincery.model.NewEvent;
import org.openpincery.store.AppendResult;

/**
 * The two modes of the peers protocol (bench/peers/README.md, PEERS-PROTOCOL) on a {@link
 * PinceryEngine}: {@code closed} (each producer owns one agent: appends one message through the
 * store, as the gateway does, waits until the agent is asleep again, repeats) and {@code drain} (J
 * agents with one pending message each, then the workers start; timed until all are asleep).
 */
final class JobRuns {

  private static final long JOB_TIMEOUT_SECONDS = 120;

  private final PinceryEngine engine;
  private final String system;

  JobRuns(PinceryEngine engine, String system) {
    this.engine = engine;
    this.system = system;
  }

  /**
   * Closed loop on {@code agents} (one producer each) for {@code seconds}, or until {@code maxJobs}
   * jobs have started when {@code seconds} is 0.
   *
   * @return the protocol's result line
   */
  JsonObject closed(List<UUID> agents, int seconds, long maxJobs) throws Exception {
    String since = engine.databaseNow();
    long start = System.nanoTime();
    long deadline = seconds > 0 ? start + TimeUnit.SECONDS.toNanos(seconds) : Long.MAX_VALUE;
    AtomicLong budget = new AtomicLong(maxJobs);
    List<Future<List<Long>>> producers = new ArrayList<>();
    try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
      for (UUID agent : agents) {
        producers.add(
            threads.submit(
                () -> {
                  List<Long> lags = new ArrayList<>();
                  while (System.nanoTime() < deadline && budget.getAndDecrement() > 0) {
                    Jobs.Job job = engine.jobs().begin(agent);
                    append(agent);
                    job.appendedNanos = System.nanoTime();
                    job.done.get(JOB_TIMEOUT_SECONDS, TimeUnit.SECONDS);
                    lags.add(job.latencyNanos());
                  }
                  return lags;
                }));
      }
      List<Long> lags = new ArrayList<>();
      for (var p : producers) {
        lags.addAll(p.get());
      }
      double elapsed = (System.nanoTime() - start) / 1e9;
      return result("closed", agents.size(), lags.size(), elapsed, lags, agents, since);
    }
  }

  /** Drain: {@code agents.size()} agents, one pending message each, then the workers start. */
  JsonObject drain(List<UUID> agents) throws Exception {
    engine.stopWorkers();
    String since = engine.databaseNow();
    List<Jobs.Job> jobs = new ArrayList<>(agents.size());
    for (int from = 0; from < agents.size(); from += 200) {
      List<io.vertx.core.Future<AppendResult>> batch = new ArrayList<>();
      for (UUID agent : agents.subList(from, Math.min(agents.size(), from + 200))) {
        Jobs.Job job = engine.jobs().begin(agent);
        jobs.add(job);
        batch.add(
            engine
                .producers()
                .events()
                .append(agent, NewEvent.messageReceived("bench", "job"))
                .onSuccess(r -> job.appendedNanos = System.nanoTime()));
      }
      io.vertx.core.Future.all(batch)
          .toCompletionStage()
          .toCompletableFuture()
          .get(60, TimeUnit.SECONDS);
    }
    long start = System.nanoTime();
    engine.startWorkers();
    List<Long> lags = new ArrayList<>(jobs.size());
    for (Jobs.Job job : jobs) {
      job.done.get(JOB_TIMEOUT_SECONDS * 5, TimeUnit.SECONDS);
      lags.add(job.latencyNanos());
    }
    double elapsed = (System.nanoTime() - start) / 1e9;
    return result("drain", agents.size(), jobs.size(), elapsed, lags, agents, since);
  }

  private void append(UUID agent) throws Exception {
    AppendResult r =
        engine
            .producers()
            .events()
            .append(agent, NewEvent.messageReceived("bench", "job"))
            .toCompletionStage()
            .toCompletableFuture()
            .get(JOB_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    if (!(r instanceof AppendResult.Appended)) {
      throw new IllegalStateException("append to " + agent + ": " + r);
    }
  }

  private JsonObject result(
      String mode,
      int producers,
      long jobs,
      double seconds,
      List<Long> driverLags,
      List<UUID> agents,
      String since)
      throws Exception {
    long[] fromDb = engine.latenciesFromDatabase(agents, since);
    long[] lags =
        fromDb != null
            ? fromDb
            : driverLags.stream().mapToLong(Long::longValue).filter(l -> l >= 0).toArray();
    Arrays.sort(lags);
    return new JsonObject()
        .put("system", system)
        .put("mode", mode)
        .put("producers", producers)
        .put("jobs", jobs)
        .put("seconds", round(seconds, 3))
        .put("per_second", round(jobs / seconds, 1))
        .put("latency_p50_ms", percentileMs(lags, 0.50))
        .put("latency_p99_ms", percentileMs(lags, 0.99))
        .put("latency_max_ms", lags.length == 0 ? null : round(lags[lags.length - 1] / 1e6, 3))
        .put("latency_source", engine.latencySource());
  }

  private static Double percentileMs(long[] sorted, double p) {
    if (sorted.length == 0) {
      return null;
    }
    int i = (int) Math.min(sorted.length - 1, Math.floor(p * sorted.length));
    return round(sorted[i] / 1e6, 3);
  }

  private static double round(double v, int digits) {
    double f = Math.pow(10, digits);
    return Math.round(v * f) / f;
  }
}
