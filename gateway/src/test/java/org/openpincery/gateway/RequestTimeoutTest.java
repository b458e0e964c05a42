package org.openpincery.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.openpincery.testkit.RawHttp;

/** A request not answered in time gets a JSON 503; event streams are exempt. */
class RequestTimeoutTest {

  @Test
  void aRequestWhoseBodyNeverArrivesGetsAJsonTimeoutAndStreamsAreExempt() throws Exception {
    try (GatewayFixture api =
        new GatewayFixture(Map.of("OPEN_PINCERY_REQUEST_TIMEOUT_SECONDS", "1"))) {
      String token = api.bootstrap();
      String agent = api.createAgent(token, "slow");
      try (SseClient stream =
          SseClient.open(api, "/api/agents/" + agent + "/events/stream", token, null)) {

        RawHttp.Response r =
            RawHttp.exchange(
                api.port,
                "POST /api/agents/"
                    + agent
                    + "/messages HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer "
                    + token
                    + "\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n"
                    + "{\"content\":");

        assertThat(r.statusLine()).startsWith("HTTP/1.1 503");
        assertThat(r.header("x-request-id")).isNotBlank();
        JsonObject error = new JsonObject(r.body()).getJsonObject("error");
        assertThat(error.getString("code")).isEqualTo("request_timeout");
        assertThat(error.getString("message")).contains("within 1 s");
        assertThat(api.count("SELECT count(*) FROM events")).isZero();

        assertThat(stream.endsWithin(Duration.ofMillis(1500)))
            .as("the stream outlives the request timeout")
            .isFalse();
        api.call("POST", "/api/agents/" + agent + "/messages", token, "{\"content\":\"late\"}");
        assertThat(stream.next().data().getString("content")).isEqualTo("late");
      }
    }
  }
}
