package org.openpincery.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openpincery.testkit.RawHttp;

/** The operator API served by the standalone process, with JSON logs, as an operator runs it. */
class StandaloneApiTest {

  private final HttpClient http = HttpClient.newHttpClient();

  @TempDir Path work;

  @Test
  void servesTheApiAndLogsOneJsonObjectPerLineWithTheRequestId() throws Exception {
    int port = StandaloneProcess.freePort();
    Map<String, String> env =
        Map.of(
            "OPEN_PINCERY_DATA_DIR",
            work.resolve("data").toString(),
            "OPEN_PINCERY_PORT",
            Integer.toString(port),
            "OPEN_PINCERY_BOOTSTRAP_TOKEN",
            "standalone-bootstrap-token-42",
            "LOG_FORMAT",
            "json");
    try (StandaloneProcess p = StandaloneProcess.start(work, env)) {
      await()
          .atMost(Duration.ofSeconds(90))
          .pollInterval(Duration.ofMillis(200))
          .failFast("standalone exited", () -> !p.process.isAlive())
          .until(() -> status(port, "/ready") == 200);

      HttpResponse<String> boot =
          http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/bootstrap"))
                  .header("Authorization", "Bearer standalone-bootstrap-token-42")
                  .POST(HttpRequest.BodyPublishers.noBody())
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(boot.statusCode()).isEqualTo(201);
      String requestId = boot.headers().firstValue("X-Request-Id").orElseThrow();
      String sessionToken = new JsonObject(boot.body()).getString("session_token");

      // What no handler writes is answered in the same shape, on the API and the webhook route.
      for (String path :
          List.of("/api/agents", "/api/agents/00000000-0000-4000-8000-000000000001/webhooks")) {
        for (var edge :
            List.of(
                Map.entry(
                    "POST " + path + "?q=" + "x".repeat(9 * 1024) + " HTTP/1.1\r\nHost: t\r\n\r\n",
                    "414 uri_too_long"),
                Map.entry(
                    "POST "
                        + path
                        + " HTTP/1.1\r\nHost: t\r\nX-Big: "
                        + "y".repeat(9 * 1024)
                        + "\r\n\r\n",
                    "431 headers_too_large"))) {
          RawHttp.Response r = RawHttp.exchange(port, edge.getKey());
          String[] expected = edge.getValue().split(" ");
          assertThat(r.statusLine()).startsWith("HTTP/1.1 " + expected[0]);
          assertThat(r.header("x-request-id")).isNotBlank();
          assertThat(new JsonObject(r.body()).getJsonObject("error").getString("code"))
              .isEqualTo(expected[1]);
        }
      }

      await().atMost(Duration.ofSeconds(10)).until(() -> p.stdoutText().contains(requestId));
      List<String> lines = p.stdoutText().lines().filter(l -> !l.isBlank()).toList();
      assertThat(lines)
          .allSatisfy(l -> assertThat(new JsonObject(l).getString("level")).isNotNull());
      assertThat(p.stdoutText())
          .doesNotContain(sessionToken)
          .doesNotContain("standalone-bootstrap-token-42");
    }
  }

  private int status(int port, String path) {
    try {
      return http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
              HttpResponse.BodyHandlers.discarding())
          .statusCode();
    } catch (Exception e) {
      return -1;
    }
  }
}
