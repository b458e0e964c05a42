package org.openpincery.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class LimitsTest {

  @Test
  void bodiesOverTheLimitGet413AndWriteNothing() throws Exception {
    try (GatewayFixture api = new GatewayFixture(Map.of("OPEN_PINCERY_MAX_BODY_BYTES", "2048"))) {
      String token = api.bootstrap();
      String agent = api.createAgent(token, "a");
      String big = "{\"content\":\"" + "x".repeat(4096) + "\"}";

      var r = api.call("POST", "/api/agents/" + agent + "/messages", token, big);

      assertThat(r.status()).isEqualTo(413);
      assertThat(r.errorCode()).isEqualTo("payload_too_large");
      assertThat(api.count("SELECT count(*) FROM events")).isZero();
    }
  }

  @Test
  void unauthenticatedRequestsAreLimitedPerClientWithRetryAfter() {
    try (GatewayFixture api =
        new GatewayFixture(Map.of("OPEN_PINCERY_RATE_LIMIT_UNAUTHENTICATED", "3"))) {
      for (int i = 0; i < 3; i++) {
        assertThat(api.call("GET", "/api/agents", null, null).status()).isEqualTo(401);
      }
      var limited = api.call("GET", "/api/agents", null, null);
      assertThat(limited.status()).isEqualTo(429);
      assertThat(limited.errorCode()).isEqualTo("rate_limited");
      // 3 per minute refill one every 20 s: the wait is real, not a constant.
      long retryAfter = Long.parseLong(limited.headers().firstValue("Retry-After").orElseThrow());
      assertThat(retryAfter).isBetween(10L, 20L);
      assertThat(api.call("POST", "/api/login", GatewayFixture.BOOTSTRAP_TOKEN, null).status())
          .isEqualTo(429);
    }
  }

  @Test
  void authenticatedRequestsAreLimitedPerSession() {
    try (GatewayFixture api =
        new GatewayFixture(Map.of("OPEN_PINCERY_RATE_LIMIT_AUTHENTICATED", "5"))) {
      String first = api.bootstrap();
      String second =
          api.call("POST", "/api/login", GatewayFixture.BOOTSTRAP_TOKEN, null)
              .json()
              .getString("session_token");
      for (int i = 0; i < 5; i++) {
        assertThat(api.call("GET", "/api/me", first, null).status()).isEqualTo(200);
      }
      var limited = api.call("GET", "/api/me", first, null);
      assertThat(limited.status()).isEqualTo(429);
      assertThat(Long.parseLong(limited.headers().firstValue("Retry-After").orElseThrow()))
          .isBetween(6L, 12L);
      assertThat(api.call("GET", "/api/me", second, null).status())
          .as("another session has its own budget")
          .isEqualTo(200);
    }
  }

  @Test
  void forwardedForIsBelievedOnlyFromTrustedProxies() {
    try (GatewayFixture trusting =
        new GatewayFixture(
            Map.of(
                "OPEN_PINCERY_RATE_LIMIT_UNAUTHENTICATED",
                "2",
                "OPEN_PINCERY_TRUSTED_PROXIES",
                "127.0.0.0/8"))) {
      for (int i = 0; i < 2; i++) {
        assertThat(unauth(trusting, "203.0.113.7")).isEqualTo(401);
      }
      assertThat(unauth(trusting, "203.0.113.7")).isEqualTo(429);
      assertThat(unauth(trusting, "198.51.100.9"))
          .as("another client behind the proxy")
          .isEqualTo(401);
      assertThat(unauth(trusting, "198.51.100.9, 203.0.113.7"))
          .as("right-most untrusted hop is the client")
          .isEqualTo(429);
    }
    try (GatewayFixture untrusting =
        new GatewayFixture(Map.of("OPEN_PINCERY_RATE_LIMIT_UNAUTHENTICATED", "2"))) {
      assertThat(unauth(untrusting, "203.0.113.1")).isEqualTo(401);
      assertThat(unauth(untrusting, "203.0.113.2")).isEqualTo(401);
      assertThat(unauth(untrusting, "203.0.113.3"))
          .as("a spoofed header buys nothing")
          .isEqualTo(429);
    }
  }

  @Test
  void anIpv6ProxyRangeIsTrusted() {
    try (GatewayFixture api =
        new GatewayFixture(
            Map.of(
                "OPEN_PINCERY_RATE_LIMIT_UNAUTHENTICATED",
                "2",
                "OPEN_PINCERY_TRUSTED_PROXIES",
                "127.0.0.1, 2001:db8:aa::/48"))) {
      assertThat(unauth(api, "198.51.100.1, 2001:db8:aa::1")).isEqualTo(401);
      assertThat(unauth(api, "198.51.100.1, 2001:db8:aa:ffff::2")).isEqualTo(401);
      assertThat(unauth(api, "198.51.100.1, 2001:db8:aa::3"))
          .as("the same client behind any proxy of the range")
          .isEqualTo(429);
      assertThat(unauth(api, "198.51.100.1, 2001:db8:bb::1"))
          .as("outside the range, the hop itself is the client")
          .isEqualTo(401);
      assertThat(unauth(api, "2001:db8:cc::7, 2001:db8:aa::1"))
          .as("an IPv6 client behind the range")
          .isEqualTo(401);
    }
  }

  private static int unauth(GatewayFixture api, String forwardedFor) {
    return api.call("GET", "/api/agents", null, null, Map.of("X-Forwarded-For", forwardedFor))
        .status();
  }
}
