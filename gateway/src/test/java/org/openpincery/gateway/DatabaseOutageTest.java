package org.openpincery.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.RepeatedTest;

/** A database the gateway cannot reach is the server's trouble, said as 503 with Retry-After. */
class DatabaseOutageTest {

  @RepeatedTest(2)
  void whileTheDatabaseIsCutOffEveryRequestGets503WithRetryAfterAndAfterwardsWorksAgain() {
    try (GatewayFixture api = GatewayFixture.throughProxy(Map.of())) {
      String token = api.bootstrap();
      String agent = api.createAgent(token, "patient");
      String message = "{\"content\":\"are you there?\"}";

      api.proxy.cut();
      List<Integer> statuses = new ArrayList<>();
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> {
                var r = api.call("POST", "/api/agents/" + agent + "/messages", token, message);
                statuses.add(r.status());
                return r.status() == 503;
              });
      for (String[] call :
          new String[][] {
            {"POST", "/api/agents/" + agent + "/messages", message},
            {"GET", "/api/agents", null},
            {"GET", "/api/agents/" + agent + "/events", null},
            {"POST", "/api/login", null},
          }) {
        var r =
            api.call(
                call[0],
                call[1],
                call[1].equals("/api/login") ? GatewayFixture.BOOTSTRAP_TOKEN : token,
                call[2]);
        assertThat(r.status()).as("%s %s: %s", call[0], call[1], r.text()).isEqualTo(503);
        assertThat(r.errorCode()).isEqualTo("database_unavailable");
        assertThat(r.headers().firstValue("Retry-After")).hasValue("5");
        assertThat(r.headers().firstValue("X-Request-Id")).isPresent();
      }
      assertThat(api.call("GET", "/health", null, null).status()).isEqualTo(200);
      assertThat(api.call("GET", "/ready", null, null).status()).isEqualTo(503);

      api.proxy.restore();
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> {
                var r = api.call("POST", "/api/agents/" + agent + "/messages", token, message);
                statuses.add(r.status());
                return r.status() == 202;
              });
      assertThat(statuses).as("never a 500").doesNotContain(500);
      assertThat(api.call("GET", "/api/agents/" + agent + "/events", token, null).status())
          .isEqualTo(200);
    }
  }
}
