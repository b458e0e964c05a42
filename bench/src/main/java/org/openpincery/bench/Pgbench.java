package org.openpincery.bench;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.openpincery.db.DatabaseUrl;
import org.openpincery.store.Store;

/**
 * pgbench as the ceiling of a workload: the store's own SQL (a script under {@code /pgbench/} on
 * the classpath) on the same server, one agent per pgbench client. Shared by {@link StoreBench} and
 * the peers benchmark.
 */
public final class Pgbench {

  private static final Pattern TPS =
      Pattern.compile("tps = ([0-9.]+) \\(without initial connection time\\)");
  private static final Pattern PROCESSED =
      Pattern.compile("number of transactions actually processed: ([0-9]+)");
  private static final String STAT_MARK = "PINCERY_SHELL_STAT ";

  private Pgbench() {}

  /**
   * One pgbench run.
   *
   * @param tps transactions per second (without initial connection time)
   * @param transactions transactions completed
   * @param latencyMicros per-transaction latency in µs, sorted (empty unless asked for)
   * @param cpuTicks user + system CPU of the pgbench process, in clock ticks ({@code getconf
   *     CLK_TCK}, usually 100 per second), or -1 when it could not be read
   */
  public record Run(double tps, long transactions, long[] latencyMicros, long cpuTicks) {}

  /** Whether a {@code pgbench} executable is on the PATH. */
  public static boolean available() {
    return Stream.of(System.getenv().getOrDefault("PATH", "").split(":"))
        .anyMatch(dir -> Files.isExecutable(Path.of(dir, "pgbench")));
  }

  /**
   * Creates a workspace and {@code n} agents, and the table {@code bench_agents(client_id,
   * agent_id)} that maps pgbench's {@code :client_id} (0 … n-1) to its own agent.
   *
   * @return the agents, in client order
   */
  public static List<UUID> agents(Store store, DatabaseUrl url, int n) throws Exception {
    UUID ws = store.agents().createWorkspace("bench").await(30, TimeUnit.SECONDS);
    List<UUID> agents = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      agents.add(
          store
              .agents()
              .createAgent(ws, "bench-" + i, "bench-secret", BigDecimal.ZERO)
              .await(30, TimeUnit.SECONDS));
    }
    try (Connection c = DriverManager.getConnection(url.jdbcUrl(), url.user(), url.password())) {
      c.createStatement()
          .execute("CREATE TABLE bench_agents (client_id int PRIMARY KEY, agent_id uuid NOT NULL)");
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO bench_agents VALUES (?, ?)")) {
        for (int i = 0; i < n; i++) {
          ps.setInt(1, i);
          ps.setObject(2, agents.get(i));
          ps.addBatch();
        }
        ps.executeBatch();
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    return agents;
  }

  /**
   * Runs {@code /pgbench/<script>.sql} with {@code clients} clients ({@code -j min(clients, 2)},
   * prepared protocol, like the store) for {@code seconds}.
   *
   * @param latencies whether to log every transaction ({@code -l}) and return its latencies
   * @throws IllegalStateException with pgbench's output when it fails
   */
  public static Run run(DatabaseUrl url, String script, int clients, int seconds, boolean latencies)
      throws IOException, InterruptedException {
    Path dir = Files.createTempDirectory("pincery-pgbench");
    Path file = dir.resolve(script + ".sql");
    try (var in = Pgbench.class.getResourceAsStream("/pgbench/" + script + ".sql")) {
      Files.writeString(file, new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
    List<String> cmd = new ArrayList<>();
    // A shell around pgbench reads its own children's CPU (cutime + cstime) once pgbench exits.
    cmd.addAll(
        List.of(
            "sh",
            "-c",
            "\"$@\"; s=$?; echo; echo " + STAT_MARK + "$(cat /proc/$$/stat); exit $s",
            "sh"));
    cmd.addAll(
        List.of(
            "pgbench",
            "-n",
            "-M",
            "prepared",
            "-c",
            Integer.toString(clients),
            "-j",
            Integer.toString(Math.min(clients, 2)),
            "-T",
            Integer.toString(seconds),
            "-f",
            file.toString(),
            "-h",
            url.host(),
            "-p",
            Integer.toString(url.port()),
            "-U",
            url.user() == null ? "postgres" : url.user()));
    if (latencies) {
      cmd.addAll(List.of("-l", "--log-prefix=" + dir.resolve("tx")));
    }
    cmd.add(url.database());
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    if (url.password() != null) {
      pb.environment().put("PGPASSWORD", url.password());
    }
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor();
    try {
      Matcher m = TPS.matcher(out);
      if (p.exitValue() != 0 || !m.find()) {
        throw new IllegalStateException("pgbench failed:\n" + out);
      }
      Matcher n = PROCESSED.matcher(out);
      long transactions = n.find() ? Long.parseLong(n.group(1)) : -1;
      return new Run(
          Double.parseDouble(m.group(1)),
          transactions,
          latencies ? readLatencies(dir) : new long[0],
          childTicks(out));
    } finally {
      try (Stream<Path> files = Files.list(dir)) {
        for (Path f : files.toList()) {
          Files.deleteIfExists(f);
        }
      }
      Files.deleteIfExists(dir);
    }
  }

  // pgbench -l lines: client_id transaction_no latency_µs script_no epoch_s epoch_µs
  private static long[] readLatencies(Path dir) throws IOException {
    List<Long> all = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.filter(x -> x.getFileName().toString().startsWith("tx")).toList()) {
        for (String line : Files.readAllLines(f)) {
          String[] fields = line.trim().split("\\s+");
          if (fields.length >= 3) {
            all.add(Long.parseLong(fields[2]));
          }
        }
      }
    }
    long[] sorted = all.stream().mapToLong(Long::longValue).toArray();
    Arrays.sort(sorted);
    return sorted;
  }

  // /proc/<shell>/stat: after "comm)", field 3 is state; cutime and cstime are fields 16 and 17.
  private static long childTicks(String out) {
    int at = out.lastIndexOf(STAT_MARK);
    if (at < 0) {
      return -1;
    }
    String line = out.substring(at + STAT_MARK.length()).lines().findFirst().orElse("");
    int close = line.lastIndexOf(')');
    if (close < 0) {
      return -1;
    }
    String[] f = line.substring(close + 2).trim().split("\\s+");
    // f[0] is field 3 (state), so field k is f[k - 3].
    return Long.parseLong(f[16 - 3]) + Long.parseLong(f[17 - 3]);
  }
}
