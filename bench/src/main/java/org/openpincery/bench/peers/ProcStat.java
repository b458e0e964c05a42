package org.openpincery.bench.peers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.OptionalLong;
import java.util.stream.Stream;
import org.openpincery.db.DatabaseUrl;

/**
 * CPU time and peak memory of processes, from /proc (Linux). CPU is in clock ticks ({@link
 * #ticksPerSecond()}, {@code getconf CLK_TCK}, 100 unless it says otherwise); a process's ticks are
 * its own user + system time plus that of its children it has waited for, so time of a child that
 * exited during a measurement still counts.
 */
public final class ProcStat {

  private static final long TICKS_PER_SECOND = clockTicks();

  private ProcStat() {}

  /** Clock ticks per second. */
  public static long ticksPerSecond() {
    return TICKS_PER_SECOND;
  }

  /** utime + stime + cutime + cstime of one process, or 0 when it is gone. */
  public static long ticks(long pid) {
    String[] f = fields(pid);
    return f == null ? 0 : at(f, 14) + at(f, 15) + at(f, 16) + at(f, 17);
  }

  /** Ticks of {@code root} and every live descendant. */
  public static long treeTicks(ProcessHandle root) {
    return ticks(root.pid()) + root.descendants().mapToLong(p -> ticks(p.pid())).sum();
  }

  /**
   * Ticks of a PostgreSQL server: the postmaster (whose children's time includes every backend that
   * has exited) plus each live child (backends, checkpointer, WAL writer, …).
   */
  public static long serverTicks(long postmaster) {
    long sum = ticks(postmaster);
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      for (Path p : procs.toList()) {
        String name = p.getFileName().toString();
        if (name.chars().allMatch(Character::isDigit)) {
          String[] f = fields(Long.parseLong(name));
          if (f != null && at(f, 4) == postmaster) {
            sum += at(f, 14) + at(f, 15) + at(f, 16) + at(f, 17);
          }
        }
      }
    } catch (IOException e) {
      return -1;
    }
    return sum;
  }

  /** Peak resident set (VmHWM) of a process in KiB, or -1 when unreadable. */
  public static long peakRssKib(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith("VmHWM:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (IOException | RuntimeException e) {
      // gone
    }
    return -1;
  }

  /**
   * The postmaster of the server at {@code url}, when it runs on this machine: the parent of this
   * connection's backend, checked to be a {@code postgres} process.
   */
  public static OptionalLong postmaster(DatabaseUrl url) {
    try (Connection c = DriverManager.getConnection(url.jdbcUrl(), url.user(), url.password());
        ResultSet rs = c.createStatement().executeQuery("SELECT pg_backend_pid()")) {
      rs.next();
      String[] f = fields(rs.getLong(1));
      if (f == null) {
        return OptionalLong.empty();
      }
      long parent = at(f, 4);
      String comm = Files.readString(Path.of("/proc", Long.toString(parent), "comm")).trim();
      return comm.startsWith("postgres") ? OptionalLong.of(parent) : OptionalLong.empty();
    } catch (SQLException | IOException e) {
      return OptionalLong.empty();
    }
  }

  // /proc/<pid>/stat split after "(comm)": index 0 is field 3 (state).
  private static String[] fields(long pid) {
    try {
      String s = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      return s.substring(s.lastIndexOf(')') + 2).trim().split("\\s+");
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  private static long at(String[] f, int field) {
    return Long.parseLong(f[field - 3]);
  }

  private static long clockTicks() {
    try {
      Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes()).trim();
      p.waitFor();
      return Long.parseLong(out);
    } catch (IOException | RuntimeException e) {
      return 100;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 100;
    }
  }
}
