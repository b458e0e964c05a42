package org.openpincery.scheduler;

import java.time.Duration;
import org.openpincery.config.Env;

/**
 * Settings of a scheduler. Several schedulers may run against one database: every loop claims its
 * rows with {@code FOR UPDATE SKIP LOCKED}, so nothing fires twice.
 *
 * @param timerInterval {@code SCHEDULER_TIMER_INTERVAL_MILLIS}: how often due timers and schedules
 *     are fired
 * @param batch {@code SCHEDULER_BATCH}: rows per transaction; a full batch is followed at once by
 *     the next
 * @param reapInterval {@code SCHEDULER_REAP_INTERVAL_SECONDS}: how often expired leases are reaped
 * @param sweepInterval {@code SCHEDULER_SWEEP_INTERVAL_SECONDS}: how often agents with unclaimed
 *     pending work get a fresh wake notification
 * @param pruneInterval {@code SCHEDULER_PRUNE_INTERVAL_SECONDS}: how often old sessions and
 *     delivery keys are deleted
 * @param dedupRetention {@code WEBHOOK_DEDUP_RETENTION_HOURS}: how long a webhook delivery key
 *     stays known
 */
public record SchedulerConfig(
    Duration timerInterval,
    int batch,
    Duration reapInterval,
    Duration sweepInterval,
    Duration pruneInterval,
    Duration dedupRetention) {

  public static SchedulerConfig from(Env env) {
    return new SchedulerConfig(
        Duration.ofMillis(env.integer("SCHEDULER_TIMER_INTERVAL_MILLIS", 250, 10, 60_000)),
        env.integer("SCHEDULER_BATCH", 500, 1, 10_000),
        env.seconds("SCHEDULER_REAP_INTERVAL_SECONDS", Duration.ofSeconds(5), 1, 3600),
        env.seconds("SCHEDULER_SWEEP_INTERVAL_SECONDS", Duration.ofSeconds(5), 1, 3600),
        env.seconds("SCHEDULER_PRUNE_INTERVAL_SECONDS", Duration.ofSeconds(600), 1, 86_400),
        Duration.ofHours(env.integer("WEBHOOK_DEDUP_RETENTION_HOURS", 72, 1, 24 * 365)));
  }
}
