package org.openpincery.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.openpincery.webhook.IngressFixture.hex;

import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Refused deliveries are limited per client address; verified ones are not counted. */
class FailedVerificationLimitTest {

  private static final String SECRET = "agent-webhook-secret-0123456789";
  private static final String WRONG = "not-the-secret-0000000000";

  private final IngressFixture fx = new IngressFixture();

  @AfterEach
  void close() {
    fx.close();
  }

  private static String code(HttpResponse<String> r) {
    return new JsonObject(r.body()).getJsonObject("error").getString("code");
  }

  @Test
  void failuresBeyondTheLimitGet429BeforeAnyLookupAndVerifiedDeliveriesAreNotCounted()
      throws Exception {
    fx.serve(
        Clock.systemUTC(),
        Map.of(
            "OPEN_PINCERY_WEBHOOK_FAILED_PER_MINUTE", "3",
            "OPEN_PINCERY_WEBHOOK_KEY_CACHE_SECONDS", "0"));
    UUID live = fx.agent("live", SECRET);
    UUID disabled = fx.agent("disabled", SECRET);
    fx.store.agents().setEnabled(disabled, false, "paused").await();
    UUID deleted = fx.agent("deleted", SECRET);
    fx.store.agents().delete(fx.workspace, deleted).await();

    for (int i = 0; i < 10; i++) {
      byte[] ok = ("ok " + i).getBytes(StandardCharsets.UTF_8);
      assertThat(fx.post(live, ok, "X-Signature", hex(SECRET, ok)).statusCode()).isEqualTo(202);
    }
    byte[] body = "x".getBytes(StandardCharsets.UTF_8);
    List<HttpResponse<String>> withinLimit = new ArrayList<>();
    for (UUID target : List.of(UUID.randomUUID(), deleted, live)) {
      withinLimit.add(fx.post(target, body, "X-Signature", hex(WRONG, body)));
    }
    assertThat(withinLimit).extracting(HttpResponse::statusCode).containsOnly(401);

    // Over the limit: the same 429 whatever the target, a correctly signed delivery included
    // (its keys would need a lookup).
    List<HttpResponse<String>> over = new ArrayList<>();
    for (UUID target : List.of(UUID.randomUUID(), disabled, deleted, live)) {
      over.add(fx.post(target, body, "X-Signature", hex(WRONG, body)));
    }
    over.add(fx.post(live, body, "X-Signature", hex(SECRET, body)));
    assertThat(over).extracting(HttpResponse::statusCode).containsOnly(429);
    assertThat(over).extracting(FailedVerificationLimitTest::code).containsOnly("rate_limited");
    assertThat(over).extracting(HttpResponse::body).containsOnly(over.getFirst().body());
    for (var r : over) {
      assertThat(r.headers().firstValue("Retry-After"))
          .hasValueSatisfying(v -> assertThat(Long.parseLong(v)).isBetween(1L, 60L));
    }

    // Another address has its own allowance.
    var other = fx.postFrom("127.0.0.2", live, body, "X-Signature", hex(WRONG, body));
    assertThat(other.statusCode()).isEqualTo(401);
    byte[] fromOther = "from another address".getBytes(StandardCharsets.UTF_8);
    assertThat(
            fx.postFrom("127.0.0.2", live, fromOther, "X-Signature", hex(SECRET, fromOther))
                .statusCode())
        .isEqualTo(202);

    // With the database gone a lookup could only fail (500): the 429 comes before any.
    fx.store.closeAsync().await();
    var noLookup = fx.post(UUID.randomUUID(), body, "X-Signature", hex(WRONG, body));
    assertThat(noLookup.statusCode()).isEqualTo(429);
    assertThat(fx.counter("rejected", "too_many_failures")).isEqualTo(over.size() + 1);
    assertThat(fx.counter("rejected", "bad_signature")).isEqualTo(4);
  }

  @Test
  void zeroTurnsTheLimitOff() throws Exception {
    fx.serve(Clock.systemUTC(), Map.of("OPEN_PINCERY_WEBHOOK_FAILED_PER_MINUTE", "0"));
    byte[] body = "x".getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < 25; i++) {
      var r = fx.post(UUID.randomUUID(), body, "X-Signature", hex(WRONG, body));
      assertThat(r.statusCode()).isEqualTo(401);
      assertThat(code(r)).isEqualTo("invalid_signature");
    }
  }

  @Test
  void anIpv6ClientCountsAsItsSlash64() {
    assertThat(FailureLimiter.clientKey("2001:db8:1:2:3:4:5:6"))
        .isEqualTo(FailureLimiter.clientKey("2001:0db8:0001:0002:ffff:ffff:ffff:ffff"))
        .isEqualTo("20010db800010002::/64");
    assertThat(FailureLimiter.clientKey("2001:db8:1:3::1")).isEqualTo("20010db800010003::/64");
    assertThat(FailureLimiter.clientKey("::ffff:192.0.2.7")).isEqualTo("192.0.2.7");
    assertThat(FailureLimiter.clientKey("192.0.2.7")).isEqualTo("192.0.2.7");
    assertThat(FailureLimiter.clientKey(null)).isEqualTo("unknown");
  }
}
