package org.openpincery.wake.sandbox;

import java.nio.file.Path;
import java.time.Duration;
import org.openpincery.config.ConfigException;
import org.openpincery.config.Env;

/**
 * How shell calls are confined and limited.
 *
 * @param mode {@code OPEN_PINCERY_SANDBOX}: {@code auto} (bubblewrap when it can run, else the
 *     shell is refused), {@code bubblewrap} (start-up fails without it), or {@code none}
 *     (unsandboxed, an explicit operator choice announced at start-up and on every call)
 * @param root {@code OPEN_PINCERY_SANDBOX_ROOT}: where each agent's work directory lives (default
 *     {@code <OPEN_PINCERY_DATA_DIR>/sandbox})
 * @param uid {@code OPEN_PINCERY_SANDBOX_UID}: the unprivileged uid (and gid) commands run as when
 *     the worker runs as root
 * @param wallClock {@code SHELL_TIMEOUT_SECONDS}
 * @param cpuSeconds {@code SHELL_CPU_SECONDS}
 * @param memoryBytes {@code SHELL_MEMORY_MB} (data segment: heap and anonymous memory)
 * @param fileSizeBytes {@code SHELL_FILE_SIZE_MB}: the largest file a command may write
 * @param openFiles {@code SHELL_OPEN_FILES}
 * @param processes {@code SHELL_PROCESSES}: processes of the sandbox uid at once
 * @param outputBytes {@code SHELL_OUTPUT_BYTES}: kept of stdout and of stderr each
 * @param workDirBytes {@code SHELL_WORKDIR_MB}: a call is refused while the work directory is over
 */
public record SandboxConfig(
    String mode,
    Path root,
    int uid,
    Duration wallClock,
    int cpuSeconds,
    long memoryBytes,
    long fileSizeBytes,
    int openFiles,
    int processes,
    int outputBytes,
    long workDirBytes) {

  public static final String MODE = "OPEN_PINCERY_SANDBOX";
  private static final long MB = 1024L * 1024;

  public static SandboxConfig from(Env env) {
    String mode = env.string(MODE, "auto");
    if (!mode.equals("auto") && !mode.equals("bubblewrap") && !mode.equals("none")) {
      throw new ConfigException(MODE, "must be auto, bubblewrap or none, got '" + mode + "'");
    }
    Path root =
        Path.of(
                env.string(
                    "OPEN_PINCERY_SANDBOX_ROOT",
                    Path.of(env.string("OPEN_PINCERY_DATA_DIR", "data"), "sandbox").toString()))
            .toAbsolutePath()
            .normalize();
    return new SandboxConfig(
        mode,
        root,
        env.integer("OPEN_PINCERY_SANDBOX_UID", 65534, 1, Integer.MAX_VALUE),
        env.seconds("SHELL_TIMEOUT_SECONDS", Duration.ofSeconds(30), 1, 3600),
        env.integer("SHELL_CPU_SECONDS", 20, 1, 3600),
        env.integer("SHELL_MEMORY_MB", 512, 16, 65536) * MB,
        env.integer("SHELL_FILE_SIZE_MB", 64, 1, 65536) * MB,
        env.integer("SHELL_OPEN_FILES", 256, 16, 65536),
        env.integer("SHELL_PROCESSES", 256, 8, 65536),
        env.integer("SHELL_OUTPUT_BYTES", 16_384, 256, 1 << 24),
        env.integer("SHELL_WORKDIR_MB", 256, 1, 1 << 20) * MB);
  }
}
