package org.openpincery.model;

import com.cronutils.model.Cron;
import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Optional;

/**
 * When a recurring schedule fires: every N seconds, or a five-field Unix cron expression (minute
 * hour day-of-month month day-of-week) evaluated in UTC.
 */
public sealed interface ScheduleSpec {

  /** The first firing strictly after {@code after}; empty when a cron expression never fires. */
  Optional<Instant> nextAfter(Instant after);

  record Every(Duration interval) implements ScheduleSpec {
    @Override
    public Optional<Instant> nextAfter(Instant after) {
      return Optional.of(after.plus(interval));
    }
  }

  record Cron5(String expression, Cron cron) implements ScheduleSpec {
    @Override
    public Optional<Instant> nextAfter(Instant after) {
      return ExecutionTime.forCron(cron)
          .nextExecution(ZonedDateTime.ofInstant(after, ZoneOffset.UTC))
          .map(ZonedDateTime::toInstant);
    }
  }

  /** The shortest interval allowed for {@code every_seconds}. */
  int MIN_EVERY_SECONDS = 1;

  /** The longest: a year. */
  int MAX_EVERY_SECONDS = 31_536_000;

  static ScheduleSpec every(int seconds) {
    if (seconds < MIN_EVERY_SECONDS || seconds > MAX_EVERY_SECONDS) {
      throw new IllegalArgumentException(
          "every_seconds must be from " + MIN_EVERY_SECONDS + " to " + MAX_EVERY_SECONDS);
    }
    return new Every(Duration.ofSeconds(seconds));
  }

  /**
   * @throws IllegalArgumentException with a message fit for an API error
   */
  static ScheduleSpec cron(String expression) {
    CronParser parser = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));
    Cron cron;
    try {
      cron = parser.parse(expression.strip()).validate();
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "cron must be five fields (minute hour day-of-month month day-of-week), such as"
              + " '0 9 * * 1-5': "
              + e.getMessage());
    }
    ScheduleSpec spec = new Cron5(expression.strip(), cron);
    if (spec.nextAfter(Instant.now()).isEmpty()) {
      throw new IllegalArgumentException("cron '" + expression + "' never fires");
    }
    return spec;
  }

  /**
   * The next firing after a due time, skipping every one already in the past: a scheduler that was
   * down fires a missed schedule once, not once per missed period.
   */
  default Optional<Instant> nextAfter(Instant due, Instant now) {
    Optional<Instant> next = nextAfter(due);
    if (next.isPresent() && !next.get().isAfter(now)) {
      if (this instanceof Every e) {
        long periods = Duration.between(due, now).toMillis() / e.interval().toMillis() + 1;
        return Optional.of(due.plus(e.interval().multipliedBy(periods)));
      }
      return nextAfter(now);
    }
    return next;
  }
}
