package org.openpincery.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.openpincery.config.Env;
import org.openpincery.wake.sandbox.Sandbox;
import org.openpincery.wake.sandbox.SandboxConfig;

/**
 * Sandbox overhead: {@code true} run through the whole chain (setpriv, prlimit, bubblewrap,
 * /bin/sh) with the default limits, one call after another, wall time per call as the caller sees
 * it.
 *
 * <p>Usage: {@code ./pincery bench sandbox [calls]} (default 500)
 */
public final class SandboxBench {

  private SandboxBench() {}

  public static void main(String[] args) throws Exception {
    int calls = args.length > 0 ? Integer.parseInt(args[0]) : 500;
    Path root = Files.createTempDirectory("pincery-sandbox-bench");
    Files.setPosixFilePermissions(
        root, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
    Map<String, String> env = new HashMap<>(System.getenv());
    env.put("OPEN_PINCERY_SANDBOX", "bubblewrap");
    env.put("OPEN_PINCERY_SANDBOX_ROOT", root.resolve("work").toString());
    Sandbox sandbox = Sandbox.probe(SandboxConfig.from(Env.of(env)));
    UUID agent = UUID.randomUUID();
    for (int i = 0; i < 20; i++) {
      sandbox.run(agent, "true", Map.of()); // warm-up
    }
    long[] nanos = new long[calls];
    for (int i = 0; i < calls; i++) {
      long t0 = System.nanoTime();
      Sandbox.Result r = sandbox.run(agent, "true", Map.of());
      nanos[i] = System.nanoTime() - t0;
      if (r.exitCode() != 0) {
        throw new IllegalStateException("true failed: " + r.stderr());
      }
    }
    Arrays.sort(nanos);
    System.out.printf(
        Locale.ROOT,
        "shell `true` through %s, %d calls: p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms%n",
        sandbox.profile(),
        calls,
        nanos[calls / 2] / 1e6,
        nanos[(int) (calls * 0.9)] / 1e6,
        nanos[(int) (calls * 0.99)] / 1e6,
        nanos[calls - 1] / 1e6);
  }
}
