package org.openpincery.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.openpincery.testkit.RawHttp;

/**
 * Event streams are bounded per session and end with their session; idle connections close, but a
 * stream's heartbeats keep it from ever being idle.
 */
class StreamLimitsTest {

  @Test
  void aSessionOpensAtMostTheConfiguredNumberOfStreams() throws Exception {
    try (GatewayFixture api =
        new GatewayFixture(Map.of("OPEN_PINCERY_MAX_STREAMS_PER_SESSION", "2"))) {
      String token = api.bootstrap();
      String other =
          api.call("POST", "/api/login", GatewayFixture.BOOTSTRAP_TOKEN, null)
              .json()
              .getString("session_token");
      String path = "/api/agents/" + api.createAgent(token, "watched") + "/events/stream";
      try (SseClient first = SseClient.open(api, path, token, null);
          SseClient second = SseClient.open(api, path, token, null)) {
        assertThat(first.status).isEqualTo(200);
        assertThat(second.status).isEqualTo(200);

        var third = api.call("GET", path, token, null);
        assertThat(third.status()).isEqualTo(429);
        assertThat(third.errorCode()).isEqualTo("too_many_streams");
        assertThat(third.headers().firstValue("X-Request-Id")).isPresent();
        try (SseClient another = SseClient.open(api, path, other, null)) {
          assertThat(another.status).as("another session has its own streams").isEqualTo(200);
        }

        first.close();
        await()
            .atMost(Duration.ofSeconds(20))
            .until(
                () -> {
                  try (SseClient again = SseClient.open(api, path, token, null)) {
                    return again.status == 200;
                  }
                });
      }
    }
  }

  @Test
  void logoutEndsTheSessionsStreamsAtOnce() throws Exception {
    try (GatewayFixture api =
        new GatewayFixture(
            Map.of(
                "OPEN_PINCERY_SSE_HEARTBEAT_SECONDS", "3000",
                "OPEN_PINCERY_IDLE_TIMEOUT_SECONDS", "3600"))) {
      String token = api.bootstrap();
      String other =
          api.call("POST", "/api/login", GatewayFixture.BOOTSTRAP_TOKEN, null)
              .json()
              .getString("session_token");
      String path = "/api/agents/" + api.createAgent(token, "watched") + "/events/stream";
      try (SseClient mine = SseClient.open(api, path, token, null);
          SseClient theirs = SseClient.open(api, path, other, null)) {
        assertThat(api.call("POST", "/api/logout", token, null).status()).isEqualTo(204);

        // The heartbeat is 50 minutes away: only the logout itself can end the stream this soon.
        assertThat(mine.endsWithin(Duration.ofSeconds(10))).isTrue();
        assertThat(theirs.endsWithin(Duration.ofMillis(500))).as("other sessions go on").isFalse();
        assertThat(SseClient.open(api, path, token, null).status).isEqualTo(401);
      }
    }
  }

  @Test
  void aSessionRevokedElsewhereEndsItsStreamsByTheNextHeartbeat() throws Exception {
    try (GatewayFixture api =
        new GatewayFixture(Map.of("OPEN_PINCERY_SSE_HEARTBEAT_SECONDS", "1"))) {
      String token = api.bootstrap();
      String path = "/api/agents/" + api.createAgent(token, "watched") + "/events/stream";
      try (SseClient stream = SseClient.open(api, path, token, null)) {
        assertThat(stream.endsWithin(Duration.ofMillis(2500))).as("alive while valid").isFalse();

        // As another gateway process would: straight in the database.
        api.execute("UPDATE sessions SET revoked_at = now()");

        assertThat(stream.endsWithin(Duration.ofSeconds(10))).isTrue();
      }
    }
  }

  @Test
  void idleConnectionsCloseButStreamsWithHeartbeatsStayOpen() throws Exception {
    try (GatewayFixture api =
        new GatewayFixture(
            Map.of(
                "OPEN_PINCERY_IDLE_TIMEOUT_SECONDS", "5",
                "OPEN_PINCERY_SSE_HEARTBEAT_SECONDS", "1"))) {
      String token = api.bootstrap();
      String agent = api.createAgent(token, "watched");
      try (SseClient stream =
          SseClient.open(api, "/api/agents/" + agent + "/events/stream", token, null)) {
        long millis = RawHttp.millisUntilIdleClose(api.port, 30_000);
        assertThat(millis).isBetween(4_000L, 15_000L);

        assertThat(stream.endsWithin(Duration.ZERO))
            .as("the stream outlived the idle timeout")
            .isFalse();
        api.call(
            "POST", "/api/agents/" + agent + "/messages", token, "{\"content\":\"still here\"}");
        assertThat(stream.next().data().getString("content")).isEqualTo("still here");
      }
    }
  }
}
