package org.openpincery.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.openpincery.config.DatabaseConfig;
import org.openpincery.config.Env;
import org.openpincery.ops.HealthEndpoints;
import org.openpincery.ops.Readiness;
import org.openpincery.store.Store;
import org.openpincery.testkit.RawHttp;
import org.openpincery.testkit.TestPostgres;

/**
 * Webhook ingress's own server (split deployments) answers what the codec, the size limits and the
 * router refuse like the API does: HTTP/1.1, the JSON error shape, an {@code X-Request-Id}.
 */
class WebhookServerEdgesTest {

  private static final String PATH = "/api/agents/00000000-0000-4000-8000-000000000001/webhooks";
  private static Vertx vertx;
  private static Store store;
  private static int port;

  record Case(String name, String request, int status, String code) {
    @Override
    public String toString() {
      return name;
    }
  }

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    store = Store.open(vertx, new DatabaseConfig(TestPostgres.freshDatabase(), 4, "edges-test"));
    WebhookConfig config =
        WebhookConfig.from(
            Env.of(
                Map.of(
                    "OPEN_PINCERY_WEBHOOK_HOST", "127.0.0.1",
                    "OPEN_PINCERY_WEBHOOK_PORT", "0",
                    "OPEN_PINCERY_WEBHOOK_MAX_BODY_BYTES", "1024")));
    var verticle =
        new WebhookIngressVerticle(
            store,
            config,
            new SimpleMeterRegistry(),
            new HealthEndpoints(new Readiness(vertx, store.health(), Map.of(), Map.of())),
            Duration.ofSeconds(5),
            Duration.ofSeconds(1));
    vertx.deployVerticle(verticle).await();
    port = verticle.actualPort();
  }

  @AfterAll
  static void stop() {
    store.closeAsync().otherwiseEmpty().await();
    vertx.close().await();
  }

  static Stream<Case> cases() {
    String body = "{\"x\":\"" + "b".repeat(2000) + "\"}";
    return List.of(
        new Case(
            "9 KB query string",
            "POST " + PATH + "?q=" + "x".repeat(9 * 1024) + " HTTP/1.1\r\nHost: t\r\n\r\n",
            414,
            "uri_too_long"),
        new Case(
            "9 KB header",
            "POST " + PATH + " HTTP/1.1\r\nHost: t\r\nX-Big: " + "y".repeat(9 * 1024) + "\r\n\r\n",
            431,
            "headers_too_large"),
        new Case(
            "a header line without a colon",
            "POST " + PATH + " HTTP/1.1\r\nHost: t\r\nnot a header\r\n\r\n",
            400,
            "malformed_request"),
        new Case(
            "HTTP/1.1 without Host",
            "POST " + PATH + " HTTP/1.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            400,
            "invalid_request"),
        new Case(
            "no such route",
            "GET /nothing HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
            404,
            "not_found"),
        new Case(
            "wrong method",
            "GET " + PATH + " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
            405,
            "method_not_allowed"),
        new Case(
            "body over the limit",
            "POST "
                + PATH
                + " HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: "
                + body.length()
                + "\r\nConnection: close\r\n\r\n"
                + body,
            413,
            "payload_too_large"))
        .stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void isAnHttp11JsonErrorWithARequestId(Case c) throws Exception {
    RawHttp.Response r = RawHttp.exchange(port, c.request());

    assertThat(r.statusLine()).startsWith("HTTP/1.1 " + c.status());
    assertThat(r.header("content-type")).startsWith("application/json");
    assertThat(r.header("x-request-id")).isNotBlank();
    JsonObject error = new JsonObject(r.body()).getJsonObject("error");
    assertThat(error.getString("code")).isEqualTo(c.code());
    assertThat(error.getString("message")).isNotBlank();
  }

  @Test
  void aDeliveryWhoseBodyNeverArrivesGetsARequestTimeout() throws Exception {
    RawHttp.Response r =
        RawHttp.exchange(
            port,
            "POST "
                + PATH
                + " HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                + "Content-Length: 100\r\n\r\n{\"only\":");

    assertThat(r.statusLine()).startsWith("HTTP/1.1 503");
    assertThat(r.header("x-request-id")).isNotBlank();
    assertThat(new JsonObject(r.body()).getJsonObject("error").getString("code"))
        .isEqualTo("request_timeout");
  }

  @Test
  void anIdleConnectionIsClosed() throws Exception {
    long millis = RawHttp.millisUntilIdleClose(port, 30_000);

    assertThat(millis).isBetween(4_000L, 15_000L);
  }
}
