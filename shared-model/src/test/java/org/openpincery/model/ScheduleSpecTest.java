package org.openpincery.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ScheduleSpecTest {

  private static final Instant T = Instant.parse("2026-11-24T09:07:30Z");

  @Test
  void cronIsFiveFieldsInUtc() {
    ScheduleSpec weekdays = ScheduleSpec.cron("0 9 * * 1-5");
    // 2026-11-24 is a Tuesday: the next 09:00 is Wednesday's.
    assertThat(weekdays.nextAfter(T)).contains(Instant.parse("2026-11-25T09:00:00Z"));
    assertThat(ScheduleSpec.cron("*/5 * * * *").nextAfter(T))
        .contains(Instant.parse("2026-11-24T09:10:00Z"));
  }

  @Test
  void badSpecsAreRefusedWithAReason() {
    assertThatThrownBy(() -> ScheduleSpec.cron("every morning"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("five fields");
    assertThatThrownBy(() -> ScheduleSpec.cron("0 0 30 2 *"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("never fires");
    assertThatThrownBy(() -> ScheduleSpec.every(0)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aSchedulerThatWasDownFiresAMissedScheduleOnceAndStaysOnItsGrid() {
    ScheduleSpec every = ScheduleSpec.every(60);
    Instant due = T.minus(Duration.ofMinutes(10)).minusSeconds(15);
    Instant next = every.nextAfter(due, T).orElseThrow();
    assertThat(next).isAfter(T).isBefore(T.plusSeconds(61));
    assertThat(Duration.between(due, next).toSeconds() % 60).isZero();
    assertThat(ScheduleSpec.cron("0 * * * *").nextAfter(T.minus(Duration.ofHours(5)), T))
        .contains(Instant.parse("2026-11-24T10:00:00Z"));
  }
}
