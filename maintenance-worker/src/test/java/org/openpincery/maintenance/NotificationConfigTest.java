package org.openpincery.maintenance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.openpincery.config.ConfigException;
import org.openpincery.config.Env;

/** The deliverer's settings as docs/configuration.md states them, and their refusals. */
class NotificationConfigTest {

  @Test
  void theDefaultsGiveElevenAttemptsOverAboutADay() {
    NotificationConfig config = NotificationConfig.from(Env.of(Map.of()));
    assertThat(config.maxAttempts()).isEqualTo(11);
    assertThat(config.retryDelays().getFirst()).isEqualTo(Duration.ofSeconds(5));
    assertThat(config.retryDelays().getLast()).isEqualTo(Duration.ofHours(8));
    assertThat(config.lease()).isGreaterThan(config.timeout());
    assertThat(config.retention()).isEqualTo(Duration.ofDays(30));
  }

  @Test
  void delaysTakeMillisecondsSecondsMinutesAndHours() {
    assertThat(NotificationConfig.delays("250ms, 3s,2m ,1h"))
        .containsExactly(
            Duration.ofMillis(250),
            Duration.ofSeconds(3),
            Duration.ofMinutes(2),
            Duration.ofHours(1));
  }

  @Test
  void aDelayWithoutAKnownUnitIsRefusedNamingTheSetting() {
    for (String raw : List.of("5", "5d", "5s,,6s", "-1s", "1.5s", "five seconds")) {
      assertThatThrownBy(() -> NotificationConfig.from(Env.of(Map.of("NOTIFY_RETRY_DELAYS", raw))))
          .as(raw)
          .isInstanceOf(ConfigException.class)
          .hasMessageStartingWith("NOTIFY_RETRY_DELAYS: ")
          .hasMessageContaining("'" + raw + "'");
    }
  }

  @Test
  void moreThanFiftyRetriesAreRefused() {
    String fifty = String.join(",", Collections.nCopies(50, "1s"));
    assertThat(NotificationConfig.delays(fifty)).hasSize(50);
    assertThatThrownBy(() -> NotificationConfig.delays(fifty + ",1s"))
        .isInstanceOf(ConfigException.class)
        .hasMessage("NOTIFY_RETRY_DELAYS: allows at most 50 retries");
  }

  @Test
  void aLeaseNoLongerThanTheTimeoutIsRefused() {
    assertThatThrownBy(
            () ->
                NotificationConfig.from(
                    Env.of(Map.of("NOTIFY_TIMEOUT_SECONDS", "30", "NOTIFY_LEASE_SECONDS", "30"))))
        .isInstanceOfSatisfying(
            ConfigException.class, e -> assertThat(e.setting()).isEqualTo("NOTIFY_LEASE_SECONDS"))
        .hasMessageContaining("longer than NOTIFY_TIMEOUT_SECONDS (30 s)");
    assertThat(
            NotificationConfig.from(
                    Env.of(Map.of("NOTIFY_TIMEOUT_SECONDS", "30", "NOTIFY_LEASE_SECONDS", "31")))
                .lease())
        .isEqualTo(Duration.ofSeconds(31));
  }
}
