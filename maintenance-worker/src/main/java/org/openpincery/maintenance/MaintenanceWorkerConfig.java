package org.openpincery.maintenance;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.UUID;
import org.openpincery.config.Env;

/**
 * Settings of a maintenance worker.
 *
 * @param owner who holds the leases this worker takes
 * @param concurrency {@code MAINTENANCE_CONCURRENCY}: passes run at once
 * @param poll {@code MAINTENANCE_POLL_MILLIS}: how often unclaimed passes are looked for
 * @param lease {@code MAINTENANCE_LEASE_SECONDS}: a pass's lease, extended while its call runs
 * @param maxPromptChars {@code MAX_PROMPT_CHARS}: the character budget of the pass's prompt
 * @param shutdownGrace {@code WAKE_SHUTDOWN_GRACE_SECONDS}: how long a stopping worker lets passes
 *     finish
 */
public record MaintenanceWorkerConfig(
    String owner,
    int concurrency,
    Duration poll,
    Duration lease,
    int maxPromptChars,
    Duration shutdownGrace) {

  /** The longest summary kept; a longer one is shortened. */
  public static final int SUMMARY_MAX_CHARS = 500;

  public static MaintenanceWorkerConfig from(Env env) {
    return new MaintenanceWorkerConfig(
        "maintenance@"
            + ManagementFactory.getRuntimeMXBean().getName()
            + "/"
            + UUID.randomUUID().toString().substring(0, 8),
        env.integer("MAINTENANCE_CONCURRENCY", 8, 1, 4096),
        Duration.ofMillis(env.integer("MAINTENANCE_POLL_MILLIS", 1000, 10, 60_000)),
        env.seconds("MAINTENANCE_LEASE_SECONDS", Duration.ofSeconds(30), 3, 3600),
        env.integer("MAX_PROMPT_CHARS", 120_000, 2_000, 10_000_000),
        env.seconds("WAKE_SHUTDOWN_GRACE_SECONDS", Duration.ofSeconds(10), 0, 600));
  }
}
