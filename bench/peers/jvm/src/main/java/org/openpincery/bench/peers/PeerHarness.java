package org.openpincery.bench.peers;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The driver side of the {@code ./pincery bench peers} protocol (bench/peers/README.md), shared by
 * the JVM peers: READY after setup and warm-up; {@code RUN closed <producers> <seconds>} and {@code
 * RUN drain <jobs> 0} each answered by one JSON line; QUIT or end of input stops the driver. Stdout
 * carries protocol lines only (System.out is redirected to stderr for everything else).
 *
 * <p>Latency is enqueue committed (the enqueue call returned) to handler started, both read with
 * {@link System#nanoTime()} in this process, keyed by the job id the task data carries.
 */
public final class PeerHarness {

  /** What a peer provides; the harness owns the clock, the producers and the protocol. */
  public interface Driver {
    /** Installs the schema and starts the workers; handlers call {@code onStart.started(id)}. */
    void setup(StartListener onStart) throws Exception;

    /** Adds one job carrying {@code id}, due now; returns once it is committed. */
    void enqueue(long id) throws Exception;

    /** Adds many jobs at once (drain mode; the workers are stopped meanwhile). */
    void enqueueBacklog(long[] ids) throws Exception;

    void stopWorkers() throws Exception;

    void startWorkers() throws Exception;

    void close() throws Exception;
  }

  /** Called by a peer's handler first thing, with the id its job carries. */
  @FunctionalInterface
  public interface StartListener {
    void started(long id);
  }

  /** Jobs run at once, the same for every system (PEER_CONCURRENCY, default 32). */
  public static final int CONCURRENCY = intEnv("PEER_CONCURRENCY", 32);

  /** The producers' pool is sized for the largest producer count (PEER_PRODUCER_POOL, 64). */
  public static final int PRODUCER_POOL = intEnv("PEER_PRODUCER_POOL", 64);

  private static final int WARMUP_JOBS = 300;
  private static final int WARMUP_PRODUCERS = 4;

  /** Warm-up ends after WARMUP_JOBS jobs or this long (a polling peer may do few jobs). */
  private static final double WARMUP_SECONDS = 5;

  private static final long STRAGGLER_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(30);

  private static final PrintStream PROTOCOL = System.out;

  private final String system;
  private final Driver driver;
  private final AtomicLong nextId = new AtomicLong(1);
  private final ConcurrentHashMap<Long, CompletableFuture<Long>> started =
      new ConcurrentHashMap<>();

  private PeerHarness(String system, Driver driver) {
    this.system = system;
    this.driver = driver;
  }

  /** Runs the protocol on stdin/stdout; never returns (exits 0 on QUIT/EOF, 1 on error). */
  public static void serve(String system, Driver driver) {
    System.setOut(System.err); // library chatter must not reach the protocol stream
    new PeerHarness(system, driver).run();
  }

  /** A pool on PEER_DATABASE_URL ({@code postgres://user:pass@host:port/db}). */
  public static HikariDataSource dataSource(String name, int maxSize) {
    String url = System.getenv("PEER_DATABASE_URL");
    if (url == null || url.isBlank()) {
      throw new IllegalStateException("PEER_DATABASE_URL is not set");
    }
    URI uri = URI.create(url);
    HikariConfig config = new HikariConfig();
    config.setPoolName(name);
    int port = uri.getPort() < 0 ? 5432 : uri.getPort();
    config.setJdbcUrl("jdbc:postgresql://" + uri.getHost() + ":" + port + uri.getPath());
    String userInfo = uri.getRawUserInfo();
    if (userInfo != null) {
      String[] parts = userInfo.split(":", 2);
      config.setUsername(URLDecoder.decode(parts[0], StandardCharsets.UTF_8));
      if (parts.length == 2) {
        config.setPassword(URLDecoder.decode(parts[1], StandardCharsets.UTF_8));
      }
    }
    config.setMaximumPoolSize(maxSize);
    config.setMinimumIdle(Math.min(maxSize, 4));
    return new HikariDataSource(config);
  }

  public static void log(String message) {
    System.err.println("[" + System.getenv().getOrDefault("PEER_SYSTEM", "peer") + "] " + message);
  }

  private void started(long id) {
    long now = System.nanoTime();
    CompletableFuture<Long> f = started.get(id);
    if (f != null) {
      f.complete(now);
    }
  }

  private void run() {
    try {
      driver.setup(this::started);
      closed(WARMUP_PRODUCERS, WARMUP_SECONDS, WARMUP_JOBS);
      drain(50);
    } catch (Throwable e) {
      fail("setup: " + e, e);
    }
    PROTOCOL.println("READY");
    PROTOCOL.flush();
    try (BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        String[] words = line.trim().split("\\s+");
        if (words[0].isEmpty()) {
          continue;
        }
        if (words[0].equals("QUIT")) {
          break;
        }
        if (!words[0].equals("RUN") || words.length != 4) {
          fail("unknown command: " + line, null);
        }
        String json;
        try {
          json =
              switch (words[1]) {
                case "closed" ->
                    closed(
                        Integer.parseInt(words[2]), Double.parseDouble(words[3]), Long.MAX_VALUE);
                case "drain" -> drain(Integer.parseInt(words[2]));
                default -> {
                  fail("unknown mode: " + words[1], null);
                  yield null;
                }
              };
        } catch (Throwable e) {
          fail(words[1] + ": " + e, e);
          return;
        }
        PROTOCOL.println(json);
        PROTOCOL.flush();
      }
    } catch (Throwable e) {
      fail("protocol: " + e, e);
    }
    quit(0);
  }

  /** Closed loop: each producer enqueues, waits for its job's handler, repeats until the end. */
  private String closed(int producers, double seconds, long maxJobs) throws Exception {
    long t0 = System.nanoTime();
    long end = t0 + (long) (seconds * 1e9);
    AtomicLong issued = new AtomicLong();
    double[][] perProducer = new double[producers][]; // each written by its thread, read after join
    List<Thread> threads = new ArrayList<>();
    List<Throwable> errors = new ArrayList<>();
    for (int p = 0; p < producers; p++) {
      int index = p;
      Thread thread =
          Thread.ofPlatform()
              .name("producer-" + p)
              .start(
                  () -> {
                    double[] lat = new double[1024];
                    int n = 0;
                    try {
                      while (System.nanoTime() < end && issued.incrementAndGet() <= maxJobs) {
                        long id = nextId.getAndIncrement();
                        CompletableFuture<Long> f = new CompletableFuture<>();
                        started.put(id, f);
                        driver.enqueue(id);
                        long enqueuedAt = System.nanoTime();
                        long timeout = end - System.nanoTime() + STRAGGLER_TIMEOUT_NANOS;
                        long startNs =
                            f.get(Math.max(timeout, 1_000_000_000L), TimeUnit.NANOSECONDS);
                        started.remove(id);
                        if (startNs - end <= 0) {
                          if (n == lat.length) {
                            lat = Arrays.copyOf(lat, n * 2);
                          }
                          // The handler may start before this thread sees the insert's commit.
                          lat[n++] = Math.max(0, startNs - enqueuedAt) / 1e6;
                        }
                      }
                    } catch (TimeoutException e) {
                      synchronized (errors) {
                        errors.add(new IllegalStateException("closed: a job never started"));
                      }
                    } catch (Throwable e) {
                      synchronized (errors) {
                        errors.add(e);
                      }
                    }
                    perProducer[index] = Arrays.copyOf(lat, n);
                  });
      threads.add(thread);
    }
    for (Thread thread : threads) {
      thread.join();
    }
    if (!errors.isEmpty()) {
      Throwable first = errors.get(0);
      throw first instanceof Exception e ? e : new RuntimeException(first);
    }
    double[] all = Arrays.stream(perProducer).flatMapToDouble(Arrays::stream).toArray();
    int jobs = all.length;
    double elapsed = maxJobs == Long.MAX_VALUE ? seconds : (System.nanoTime() - t0) / 1e9;
    return result("closed", producers, jobs, elapsed, all);
  }

  /** Backlog drain: J jobs added with the workers stopped, then timed until all have started. */
  private String drain(int count) throws Exception {
    driver.stopWorkers();
    long[] ids = new long[count];
    List<CompletableFuture<Long>> futures = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      ids[i] = nextId.getAndIncrement();
      CompletableFuture<Long> f = new CompletableFuture<>();
      started.put(ids[i], f);
      futures.add(f);
    }
    driver.enqueueBacklog(ids);
    long enqueuedAt = System.nanoTime();
    long t0 = System.nanoTime();
    driver.startWorkers();
    double[] latencies = new double[count];
    for (int i = 0; i < count; i++) {
      long left = t0 + STRAGGLER_TIMEOUT_NANOS - System.nanoTime();
      long startNs;
      try {
        startNs = futures.get(i).get(Math.max(left, 1), TimeUnit.NANOSECONDS);
      } catch (TimeoutException e) {
        throw new IllegalStateException("drain: a job never started");
      }
      latencies[i] = Math.max(0, startNs - enqueuedAt) / 1e6;
      started.remove(ids[i]);
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    return result("drain", count, count, seconds, latencies);
  }

  private String result(String mode, int producers, int jobs, double seconds, double[] lat) {
    Arrays.sort(lat);
    return String.format(
        Locale.ROOT,
        "{\"system\":\"%s\",\"mode\":\"%s\",\"producers\":%d,\"jobs\":%d,\"seconds\":%.3f,"
            + "\"per_second\":%.1f,\"latency_p50_ms\":%.3f,\"latency_p99_ms\":%.3f,"
            + "\"latency_max_ms\":%.3f}",
        system,
        mode,
        producers,
        jobs,
        seconds,
        seconds > 0 ? jobs / seconds : 0.0,
        percentile(lat, 0.5),
        percentile(lat, 0.99),
        lat.length == 0 ? 0.0 : lat[lat.length - 1]);
  }

  private static double percentile(double[] sorted, double q) {
    if (sorted.length == 0) {
      return 0;
    }
    int rank = (int) Math.ceil(q * sorted.length) - 1;
    return sorted[Math.min(sorted.length - 1, Math.max(0, rank))];
  }

  private void fail(String message, Throwable e) {
    log(message);
    if (e != null) {
      e.printStackTrace(System.err);
    }
    String firstLine = message.lines().findFirst().orElse("error");
    PROTOCOL.println("{\"error\":\"" + jsonEscape(firstLine) + "\"}");
    PROTOCOL.flush();
    quit(1);
  }

  private void quit(int status) {
    try {
      driver.close();
    } catch (Throwable e) {
      log("close: " + e);
    }
    System.exit(status);
  }

  private static String jsonEscape(String s) {
    StringBuilder b = new StringBuilder();
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        default -> {
          if (c < 0x20) {
            b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.toString();
  }

  private static int intEnv(String name, int fallback) {
    String value = System.getenv(name);
    return value == null || value.isBlank() ? fallback : Integer.parseInt(value.trim());
  }
}
