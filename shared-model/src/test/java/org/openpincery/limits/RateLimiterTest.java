package org.openpincery.limits;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Token buckets per key, kept in a bounded cache. */
class RateLimiterTest {

  private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

  @Test
  void aBurstOfPerMinuteThenOneEveryMinuteOverPerMinute() {
    RateLimiter limiter = new RateLimiter(2);
    long t = 1_000 * SECOND;

    assertThat(limiter.acquire("a", t).allowed()).isTrue();
    assertThat(limiter.acquire("a", t).allowed()).isTrue();
    RateLimiter.Decision refused = limiter.acquire("a", t);
    assertThat(refused.allowed()).isFalse();
    assertThat(refused.retryAfterSeconds()).isEqualTo(30);
    assertThat(limiter.acquire("b", t).allowed()).as("another key has its own bucket").isTrue();
    assertThat(limiter.acquire("a", t + 30 * SECOND).allowed()).isTrue();
  }

  @Test
  void maintenanceNeverForgetsABucketThatIsNotFull() {
    RateLimiter limiter = new RateLimiter(1);
    long t = 5_000 * SECOND;
    assertThat(limiter.acquire("a", t).allowed()).isTrue();

    limiter.evictIdle();

    assertThat(limiter.acquire("a", t).allowed()).isFalse();
    assertThat(limiter.size()).isEqualTo(1);
  }

  @Test
  void zeroTurnsTheLimitOffAndRemembersNothing() {
    RateLimiter limiter = new RateLimiter(0);
    for (int i = 0; i < 1000; i++) {
      assertThat(limiter.acquire("k" + i).allowed()).isTrue();
    }
    assertThat(limiter.size()).isZero();
  }
}
