package org.openpincery.bench;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * An open-loop load of operator messages: one Poisson process at {@code perSecond} arrivals per
 * second over all agents, each arrival sent to an agent drawn uniformly (the superposition of one
 * Poisson process per agent at {@code perSecond / agents}), as an authenticated {@code POST
 * /api/agents/:id/messages}. Arrivals are scheduled on their own clock: a slow API does not slow
 * the offered load, it makes requests wait (their latency counts from the scheduled instant). Past
 * {@code maxInFlight} unanswered requests an arrival is counted as skipped rather than queued
 * without bound.
 *
 * <p>Counts are kept per phase (0 warm-up, 1 measured, set by {@link #phase}).
 */
final class PoissonLoad {

  private static final long QUEUE_TIMEOUT_MILLIS = 600_000;
  private static final long ANSWER_TIMEOUT_MILLIS = 30_000;
  // Columns of counts[phase], in the order of Counts.
  private static final int SCHEDULED = 0;
  private static final int SENT = 1;
  private static final int ACCEPTED = 2;
  private static final int OTHER_STATUS = 3;
  private static final int ERRORS = 4;
  private static final int SKIPPED = 5;

  /**
   * What the client saw of the arrivals scheduled in one phase: {@code sent} = {@code scheduled} −
   * {@code skipped}; {@code accepted} are the 202 answers, whenever they came.
   */
  record Counts(
      long scheduled, long sent, long accepted, long otherStatus, long errors, long skipped) {}

  private final HttpClient client;
  private final int port;
  private final String token;
  private final List<String> agents;
  private final double perSecond;
  private final int maxInFlight;
  private final Buffer body = Buffer.buffer("{\"content\":\"What timers do you have?\"}");
  private final AtomicLong inFlight = new AtomicLong();
  private final Map<String, AtomicLong> errors = new ConcurrentHashMap<>();
  private final AtomicLong[][] counts = new AtomicLong[2][6];
  private long[] latencies = new long[1 << 16];
  private int latencyCount;
  private volatile int phase;
  private volatile boolean stopped;
  private Thread thread;

  PoissonLoad(
      Vertx vertx,
      int port,
      String token,
      List<String> agents,
      double perSecond,
      int connections,
      int maxInFlight) {
    this.client =
        vertx.createHttpClient(
            new HttpClientOptions().setKeepAlive(true).setPipelining(false),
            new PoolOptions().setHttp1MaxSize(connections));
    this.port = port;
    this.token = token;
    this.agents = agents;
    this.perSecond = perSecond;
    this.maxInFlight = maxInFlight;
    for (AtomicLong[] row : counts) {
      Arrays.setAll(row, i -> new AtomicLong());
    }
  }

  /** Starts sending on a thread of its own. */
  void start() {
    thread = Thread.ofPlatform().name("mix-load").start(this::generate);
  }

  /** From now on, arrivals count in {@code p}. */
  void phase(int p) {
    phase = p;
  }

  /**
   * Stops scheduling arrivals and waits (at most {@code timeoutSeconds}) for the requests in
   * flight.
   *
   * @return the requests still unanswered when the wait ended
   */
  long stop(long timeoutSeconds) throws InterruptedException {
    stopped = true;
    thread.join();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
    while (inFlight.get() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    return inFlight.get();
  }

  /** Failed requests by cause (both phases), for the report. */
  Map<String, Long> errors() {
    Map<String, Long> copy = new TreeMap<>();
    errors.forEach((k, v) -> copy.put(k, v.get()));
    return copy;
  }

  /** Requests sent and not yet answered. */
  long inFlight() {
    return inFlight.get();
  }

  Counts counts(int p) {
    AtomicLong[] c = counts[p];
    return new Counts(
        c[SCHEDULED].get(),
        c[SENT].get(),
        c[ACCEPTED].get(),
        c[OTHER_STATUS].get(),
        c[ERRORS].get(),
        c[SKIPPED].get());
  }

  /** Scheduled → answered of the measured phase's requests, sorted, in nanoseconds. */
  synchronized long[] measuredLatencies() {
    long[] sorted = Arrays.copyOf(latencies, latencyCount);
    Arrays.sort(sorted);
    return sorted;
  }

  private void generate() {
    SplittableRandom random = new SplittableRandom();
    double meanGapNanos = 1e9 / perSecond;
    long next = System.nanoTime();
    while (!stopped) {
      // Exponential gaps: Poisson arrivals.
      next += (long) (-Math.log(1 - random.nextDouble()) * meanGapNanos);
      long wait = next - System.nanoTime();
      if (wait > 0) {
        LockSupport.parkNanos(wait);
      }
      if (stopped) {
        return;
      }
      int p = phase;
      counts[p][SCHEDULED].incrementAndGet();
      if (inFlight.get() >= maxInFlight) {
        counts[p][SKIPPED].incrementAndGet();
        continue;
      }
      inFlight.incrementAndGet();
      counts[p][SENT].incrementAndGet();
      send(agents.get(random.nextInt(agents.size())), next, p);
    }
  }

  private void send(String agent, long scheduled, int p) {
    client
        .request(
            MessageBench.authenticatedPost(port, "/api/agents/" + agent + "/messages", token)
                // Waiting for a connection is the backlog, measured as latency (bounded by
                // maxInFlight), not an error; but a sent request that the API leaves silent for
                // 30 s ends as an error, counted by its cause, rather than holding its slot.
                .setConnectTimeout(QUEUE_TIMEOUT_MILLIS)
                .setIdleTimeout(ANSWER_TIMEOUT_MILLIS))
        .compose(req -> req.send(body))
        .compose(resp -> resp.body().map(b -> resp.statusCode()))
        .onComplete(
            ar -> {
              inFlight.decrementAndGet();
              if (ar.failed()) {
                counts[p][ERRORS].incrementAndGet();
                errors
                    .computeIfAbsent(String.valueOf(ar.cause()), k -> new AtomicLong())
                    .incrementAndGet();
                return;
              }
              counts[p][ar.result() == 202 ? ACCEPTED : OTHER_STATUS].incrementAndGet();
              if (p == 1) {
                record(System.nanoTime() - scheduled);
              }
            });
  }

  private synchronized void record(long nanos) {
    if (latencyCount == latencies.length) {
      latencies = Arrays.copyOf(latencies, latencies.length * 2);
    }
    latencies[latencyCount++] = nanos;
  }
}
