package org.openpincery.wake.sandbox;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openpincery.config.ConfigException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one shell command for an agent, confined (ARCHITECTURE.md §7).
 *
 * <p>The chain is {@code setpriv} (drop to the sandbox uid when the worker is root, so that process
 * limits hold; die with the worker) → {@code prlimit} (CPU, memory, file size, open files,
 * processes) → {@code bwrap} (new user, pid, network, ipc, uts and cgroup namespaces — no network
 * at all, loopback included; system directories read-only; a private {@code /tmp}; the agent's own
 * work directory at {@code /work}; dies with its parent) → {@code /bin/sh -c}. The environment is
 * scrubbed in the process builder (values never appear on a command line). The wall clock is
 * enforced here: past it the chain is killed, and with it the sandbox's whole pid namespace.
 */
public final class Sandbox {

  private static final Logger LOG = LoggerFactory.getLogger(Sandbox.class);
  private static final String PATH = "/usr/local/bin:/usr/bin:/bin";
  private static final long TMP_BYTES = 64L * 1024 * 1024;

  private final SandboxConfig config;
  private final boolean root;
  private final String profile;
  private final String unavailable;

  private Sandbox(SandboxConfig config, boolean root, String profile, String unavailable) {
    this.config = config;
    this.root = root;
    this.profile = profile;
    this.unavailable = unavailable;
  }

  /** Finds out what this machine allows; fails start-up only when bubblewrap was required. */
  public static Sandbox probe(SandboxConfig config) {
    boolean root = "root".equals(System.getProperty("user.name"));
    if (config.mode().equals("none")) {
      LOG.warn(
          "{}=none: shell commands run UNSANDBOXED (only resource limits apply); every call's"
              + " event says so",
          SandboxConfig.MODE);
      return new Sandbox(config, root, "none (unsandboxed by operator choice)", null);
    }
    String why = trial(config, root);
    if (why == null) {
      return new Sandbox(config, root, "bubblewrap" + (root ? " uid " + config.uid() : ""), null);
    }
    if (config.mode().equals("bubblewrap")) {
      throw new ConfigException(SandboxConfig.MODE, "bubblewrap cannot run here: " + why);
    }
    LOG.warn(
        "the shell sandbox is unavailable ({}); the shell tool is refused. Install bubblewrap, or set"
            + " {}=none to run commands unsandboxed",
        why,
        SandboxConfig.MODE);
    return new Sandbox(config, root, "unavailable", why);
  }

  // A real sandboxed `true`: the only test of whether namespaces, setpriv and prlimit work here.
  private static String trial(SandboxConfig config, boolean root) {
    try {
      Path dir = Files.createTempDirectory("pincery-sandbox-probe");
      try {
        prepare(dir, config, root);
        Sandbox candidate = new Sandbox(config, root, "probe", null);
        Result r = candidate.exec(dir, "true", Map.of());
        return r.exitCode() == 0 ? null : "a trial command failed: " + r.stderr().strip();
      } finally {
        try (Stream<Path> files = Files.walk(dir)) {
          files.sorted((a, b) -> b.compareTo(a)).forEach(p -> p.toFile().delete());
        }
      }
    } catch (IOException e) {
      return e.getMessage();
    }
  }

  /** What confines calls, for {@code /ready} and every call's event. */
  public String profile() {
    return unavailable == null ? profile : "unavailable: " + unavailable;
  }

  public SandboxConfig config() {
    return config;
  }

  /** Whether the shell may run at all. */
  public boolean usable() {
    return unavailable == null;
  }

  /** One call's outcome. Output is capped; the flags say when it was cut. */
  public record Result(
      int exitCode,
      String stdout,
      String stderr,
      boolean stdoutTruncated,
      boolean stderrTruncated,
      boolean timedOut,
      long durationMillis) {}

  /** The agent's work directory, created on first use, owned by the sandbox uid, mode 0700. */
  public Path workDir(UUID agentId) throws IOException {
    Path dir = config.root().resolve(agentId.toString());
    prepare(dir, config, root);
    return dir;
  }

  /** Bytes under the agent's work directory (the cap is checked before each call). */
  public long workDirSize(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
    }
  }

  private static void prepare(Path dir, SandboxConfig config, boolean root) throws IOException {
    if (dir.getParent() != null && Files.notExists(dir.getParent())) {
      // Traversable by the sandbox uid (to bind a work directory), not listable.
      Files.createDirectories(dir.getParent());
      Files.setPosixFilePermissions(dir.getParent(), PosixFilePermissions.fromString("rwx--x--x"));
    }
    Files.createDirectories(dir);
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
    if (root) {
      Files.setAttribute(dir, "unix:uid", config.uid());
      Files.setAttribute(dir, "unix:gid", config.uid());
    }
  }

  /** Runs {@code command} with {@code env} (already resolved) in the agent's work directory. */
  public Result run(UUID agentId, String command, Map<String, String> env) throws IOException {
    if (!usable()) {
      throw new IllegalStateException("the sandbox is unavailable: " + unavailable);
    }
    return exec(workDir(agentId), command, env);
  }

  private Result exec(Path workDir, String command, Map<String, String> env) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add("setpriv");
    if (root) {
      cmd.add("--reuid=" + config.uid());
      cmd.add("--regid=" + config.uid());
      cmd.add("--clear-groups");
    }
    cmd.addAll(List.of("--pdeathsig", "KILL", "--", "prlimit"));
    cmd.add("--cpu=" + config.cpuSeconds());
    cmd.add("--data=" + config.memoryBytes());
    cmd.add("--fsize=" + config.fileSizeBytes());
    cmd.add("--nofile=" + config.openFiles());
    if (root) {
      // RLIMIT_NPROC counts every process of the real uid: meaningful only for the sandbox uid.
      cmd.add("--nproc=" + config.processes());
    }
    cmd.add("--");
    boolean confined = !config.mode().equals("none");
    if (confined) {
      cmd.addAll(
          List.of(
              "bwrap",
              "--unshare-all",
              "--die-with-parent",
              "--new-session",
              "--ro-bind",
              "/usr",
              "/usr",
              "--ro-bind-try",
              "/bin",
              "/bin",
              "--ro-bind-try",
              "/sbin",
              "/sbin",
              "--ro-bind-try",
              "/lib",
              "/lib",
              "--ro-bind-try",
              "/lib64",
              "/lib64",
              "--ro-bind-try",
              "/etc/alternatives",
              "/etc/alternatives",
              "--ro-bind-try",
              "/etc/ld.so.cache",
              "/etc/ld.so.cache",
              "--proc",
              "/proc",
              "--dev",
              "/dev",
              "--size",
              Long.toString(TMP_BYTES),
              "--tmpfs",
              "/tmp",
              "--bind",
              workDir.toString(),
              "/work",
              "--chdir",
              "/work",
              // The namespace's own root (where /etc and the mount points live) read-only too:
              // only /work and the private /tmp are writable.
              "--remount-ro",
              "/",
              "--"));
    }
    cmd.addAll(List.of("/bin/sh", "-c", command));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    if (!confined) {
      pb.directory(workDir.toFile());
    }
    Map<String, String> environment = pb.environment();
    environment.clear();
    environment.put("PATH", PATH);
    environment.put("HOME", confined ? "/work" : workDir.toString());
    environment.put("TMPDIR", confined ? "/tmp" : workDir.toString());
    environment.put("LANG", "C.UTF-8");
    environment.putAll(env);
    long start = System.nanoTime();
    Process p = pb.start();
    p.getOutputStream().close();
    Capture out = new Capture(p.getInputStream(), config.outputBytes());
    Capture err = new Capture(p.getErrorStream(), config.outputBytes());
    boolean timedOut = false;
    try {
      if (!p.waitFor(config.wallClock().toMillis(), TimeUnit.MILLISECONDS)) {
        timedOut = true;
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        p.waitFor();
      }
      out.thread.join();
      err.thread.join();
    } catch (InterruptedException e) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while the command ran", e);
    }
    return new Result(
        p.exitValue(),
        out.text(),
        err.text(),
        out.truncated,
        err.truncated,
        timedOut,
        (System.nanoTime() - start) / 1_000_000);
  }

  /** Keeps the first {@code cap} bytes of a stream and drains the rest. */
  private static final class Capture {
    private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
    private final Thread thread;
    private volatile boolean truncated;

    Capture(InputStream in, int cap) {
      this.thread =
          Thread.ofVirtual()
              .start(
                  () -> {
                    byte[] buf = new byte[8192];
                    try (in) {
                      int n;
                      while ((n = in.read(buf)) >= 0) {
                        int room = cap - kept.size();
                        if (room > 0) {
                          kept.write(buf, 0, Math.min(room, n));
                        }
                        if (n > room) {
                          truncated = true;
                        }
                      }
                    } catch (IOException e) {
                      // the process was killed: keep what was read
                    }
                  });
    }

    String text() {
      return kept.toString(StandardCharsets.UTF_8);
    }
  }
}
