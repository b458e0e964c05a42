package org.openpincery.bench;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.openpincery.bench.peers.Cell;
import org.openpincery.bench.peers.DriverRun;
import org.openpincery.bench.peers.PeerInstall;
import org.openpincery.bench.peers.PeerSystem;
import org.openpincery.bench.peers.PeersReport;
import org.openpincery.bench.peers.PgbenchCeiling;
import org.openpincery.bench.peers.ProcStat;
import org.openpincery.config.Env;
import org.openpincery.config.Logging;
import org.openpincery.db.DatabaseUrl;

/**
 * This project's wake path side by side with PostgreSQL job queues, against one PostgreSQL (fsync
 * and synchronous_commit on): per round, every system in turn on a fresh database — its driver
 * process (bench/peers/README.md: READY, {@code RUN closed <producers> <seconds>} at each producer
 * count, one {@code RUN drain <jobs>}, QUIT), or pgbench running one bare wake's statements (the
 * ceiling). CPU of the driver's process tree and of the server's processes is read from /proc
 * around each cell; peak RSS (VmHWM) of the driver before QUIT. Prints progress, then Markdown
 * tables of medians over rounds; writes every cell as a JSON line to
 * bench/target/peers/results-&lt;UTC timestamp&gt;.jsonl.
 *
 * <p>Usage: {@code ./pincery bench peers [seconds-per-cell] [rounds] [producers-list]
 * [systems-list]} (defaults 5, 3, {@code 1,4,16,64}, every system). Environment: {@code
 * PEER_CONCURRENCY} (jobs at once in every system, default 32), {@code PEERS_DRAIN_JOBS} (default
 * 2000).
 */
public final class PeersBench {

  private PeersBench() {}

  public static void main(String[] args) throws Exception {
    Logging.configure(Env.of(System.getenv()));
    int seconds;
    int rounds;
    int[] producers;
    try {
      seconds = Integer.parseInt(args.length > 0 ? args[0] : "5");
      rounds = Integer.parseInt(args.length > 1 ? args[1] : "3");
      producers =
          Arrays.stream((args.length > 2 ? args[2] : "1,4,16,64").split(","))
              .mapToInt(Integer::parseInt)
              .toArray();
      if (seconds < 1 || rounds < 1 || Arrays.stream(producers).anyMatch(n -> n < 1)) {
        throw new NumberFormatException("each must be at least 1");
      }
    } catch (NumberFormatException e) {
      System.err.println(
          "usage: ./pincery bench peers [seconds-per-cell] [rounds] [producers,…] [systems,…]"
              + " (whole numbers of at least 1): "
              + e.getMessage());
      System.exit(2);
      return;
    }
    String java =
        ProcessHandle.current()
            .info()
            .command()
            .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    List<PeerSystem> systems;
    try {
      systems = choose(PeerSystem.all(java), args.length > 3 ? args[3] : null);
    } catch (IllegalArgumentException e) {
      System.err.println("./pincery bench peers: " + e.getMessage());
      System.exit(2);
      return;
    }
    int concurrency = Integer.parseInt(System.getenv().getOrDefault("PEER_CONCURRENCY", "32"));
    int drainJobs = Integer.parseInt(System.getenv().getOrDefault("PEERS_DRAIN_JOBS", "2000"));

    System.out.println("Preparing the peers:");
    Map<String, Optional<String>> toolchains = new HashMap<>();
    List<PeerSystem> ready = new ArrayList<>();
    for (PeerSystem s : systems) {
      Optional<String> skip = toolchains.computeIfAbsent(s.toolchain(), PeerInstall::prepare);
      if (skip.isPresent()) {
        System.out.printf("  skipping %s: %s%n", s.id(), skip.get());
      } else {
        ready.add(s);
      }
    }
    Path results =
        Path.of(
            "bench/target/peers/results-"
                + DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")
                    .format(ZonedDateTime.now(ZoneOffset.UTC))
                + ".jsonl");
    Files.createDirectories(results.getParent());
    List<Cell> cells = new ArrayList<>();
    try (BenchDatabase server = BenchDatabase.start()) {
      long postmaster = ProcStat.postmaster(server.freshDatabase("peers_probe")).orElse(-1);
      System.out.printf(
          Locale.ROOT,
          "%nPostgreSQL %s, %d cores, fsync on, synchronous_commit on; %d s per cell, %d rounds,"
              + " producers %s, concurrency %d, drain %d jobs; PostgreSQL CPU %s%n",
          server.version(),
          Runtime.getRuntime().availableProcessors(),
          seconds,
          rounds,
          Arrays.toString(producers),
          concurrency,
          drainJobs,
          postmaster > 0 ? "from /proc (postmaster " + postmaster + ")" : "unknown (not local)");
      for (int round = 1; round <= rounds; round++) {
        for (PeerSystem s : ready) {
          DatabaseUrl url = server.freshDatabase("peers_" + s.id().replace('-', '_'));
          System.out.printf("round %d: %s%n", round, s.id());
          List<Cell> got;
          try {
            got =
                s.toolchain().equals("pgbench")
                    ? PgbenchCeiling.run(url, producers, seconds, round, postmaster)
                    : DriverRun.run(
                        s,
                        env(s, url, concurrency, producers, drainJobs),
                        producers,
                        seconds,
                        drainJobs,
                        round,
                        postmaster);
          } catch (Exception e) {
            System.out.printf("  %s failed in round %d: %s%n", s.id(), round, e.getMessage());
            continue;
          }
          for (Cell c : got) {
            System.out.printf(
                Locale.ROOT,
                "  %-6s %4d: %8.0f jobs/s, p50 %s ms, p99 %s ms%n",
                c.mode(),
                c.producers(),
                c.jobs() / c.seconds(),
                c.p50Ms() == null ? "—" : c.p50Ms(),
                c.p99Ms() == null ? "—" : c.p99Ms());
            Files.writeString(
                results,
                c.json().encode() + "\n",
                StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
          }
          cells.addAll(got);
        }
      }
    }
    new PeersReport(cells, System.out)
        .print(ready.stream().map(PeerSystem::id).toList(), producers, drainJobs);
    System.out.println();
    System.out.println("Raw results: " + results);
  }

  private static List<PeerSystem> choose(List<PeerSystem> all, String list) {
    if (list == null || list.isBlank() || list.equals("all")) {
      return all;
    }
    List<PeerSystem> chosen = new ArrayList<>();
    for (String id : list.split(",")) {
      chosen.add(
          all.stream()
              .filter(s -> s.id().equals(id.trim()))
              .findFirst()
              .orElseThrow(
                  () ->
                      new IllegalArgumentException(
                          "unknown system '"
                              + id
                              + "' (known: "
                              + String.join(", ", all.stream().map(PeerSystem::id).toList())
                              + ")")));
    }
    return chosen;
  }

  private static Map<String, String> env(
      PeerSystem s, DatabaseUrl url, int concurrency, int[] producers, int drainJobs) {
    String user = url.user() == null ? "postgres" : url.user();
    String auth = enc(user) + (url.password() == null ? "" : ":" + enc(url.password())) + "@";
    return Map.of(
        "PEER_DATABASE_URL",
        "postgres://" + auth + url.host() + ":" + url.port() + "/" + url.database(),
        "PEER_CONCURRENCY",
        Integer.toString(concurrency),
        "PEER_SYSTEM",
        s.id(),
        "PEER_AGENTS",
        Integer.toString(Arrays.stream(producers).max().orElse(1)),
        "PEER_DRAIN_JOBS",
        Integer.toString(drainJobs));
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }
}
