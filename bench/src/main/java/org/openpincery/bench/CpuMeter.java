package org.openpincery.bench;

import com.sun.management.OperatingSystemMXBean;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * CPU seconds used so far by the platform's process, by the PostgreSQL server's processes, by this
 * JVM and by the whole machine, read from {@code /proc} (Linux; 100 clock ticks per second, the
 * kernel's USER_HZ on every mainstream distribution). Two samples give the use over the time
 * between them.
 */
final class CpuMeter {

  private static final double TICK_SECONDS = 0.01;
  private static final OperatingSystemMXBean OS =
      (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

  /**
   * CPU seconds at one instant.
   *
   * @param postgres NaN when no PostgreSQL process descends from this JVM (an external server given
   *     by {@code DATABASE_URL})
   */
  record Sample(long nanoTime, double platform, double postgres, double bench, double machine) {}

  private final long platformPid;
  private final long postmasterPid;

  /**
   * @param postmasterPid the PostgreSQL server's postmaster on this machine, or -1 when it is not
   *     here (then its CPU is not measured)
   */
  CpuMeter(long platformPid, long postmasterPid) {
    this.platformPid = platformPid;
    this.postmasterPid = postmasterPid;
  }

  /**
   * The postmaster of the server a connection is open to, when that server runs on this machine:
   * the parent of the connection's backend.
   */
  static long postmasterOf(long backendPid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + backendPid + "/stat"));
      if (!stat.contains("(postgres)")) {
        return -1;
      }
      return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[1]);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  Sample sample() {
    double postgres = Double.NaN;
    // The postmaster and its children (backends, WAL writer, checkpointer, autovacuum). A backend
    // that has exited is counted in the postmaster's cutime/cstime (it reaps them), so summing
    // every live process's own and reaped-children time keeps the total monotonic.
    var postmaster = postmasterPid < 0 ? null : ProcessHandle.of(postmasterPid).orElse(null);
    if (postmaster != null) {
      postgres = processSeconds(postmasterPid);
      for (ProcessHandle p : postmaster.descendants().toList()) {
        postgres += processSeconds(p.pid());
      }
    }
    return new Sample(
        System.nanoTime(),
        processSeconds(platformPid),
        postgres,
        OS.getProcessCpuTime() / 1e9,
        machineBusySeconds());
  }

  // utime + stime + cutime + cstime of one process; 0 once it is gone.
  private static double processSeconds(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      // The command name (field 2) is in parentheses and may hold spaces: count from after it.
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      long ticks =
          Long.parseLong(f[11])
              + Long.parseLong(f[12])
              + Long.parseLong(f[13])
              + Long.parseLong(f[14]);
      return ticks * TICK_SECONDS;
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  // Busy time of the whole machine (user + nice + system + irq + softirq).
  private static double machineBusySeconds() {
    try {
      List<String> lines = Files.readAllLines(Path.of("/proc/stat"));
      String[] f = lines.get(0).trim().split("\\s+");
      long ticks =
          Long.parseLong(f[1])
              + Long.parseLong(f[2])
              + Long.parseLong(f[3])
              + Long.parseLong(f[6])
              + Long.parseLong(f[7]);
      return ticks * TICK_SECONDS;
    } catch (IOException | RuntimeException e) {
      return Double.NaN;
    }
  }
}
