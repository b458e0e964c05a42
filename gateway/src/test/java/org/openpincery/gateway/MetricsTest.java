package org.openpincery.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.openpincery.ops.Metrics;
import org.openpincery.testkit.FreePort;

class MetricsTest {

  @Test
  void prometheusOutputOnItsOwnListenerPassesPromtool() throws Exception {
    int metricsPort = FreePort.pick();
    Metrics ops = Metrics.servedAt(new Metrics.Address("127.0.0.1", metricsPort));
    try (GatewayFixture api =
        new GatewayFixture(
            Map.of("OPEN_PINCERY_RATE_LIMIT_UNAUTHENTICATED", "2"),
            new GatewayMetrics(ops.registry()),
            ops.vertx())) {
      String token = api.bootstrap();
      String agent = api.createAgent(token, "metered");
      api.call("POST", "/api/agents/" + agent + "/messages", token, "{\"content\":\"count me\"}");
      // The bootstrap and the first rejected call use up the 2 per minute; the next is limited.
      assertThat(api.call("GET", "/api/agents", null, null).status()).isEqualTo(401);
      assertThat(api.call("GET", "/api/agents", null, null).status()).isEqualTo(429);

      HttpResponse<String> scrape =
          api.http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(scrape.statusCode()).isEqualTo(200);
      String text = scrape.body();
      assertThat(text).contains("pincery_messages_accepted_total 1.0");
      assertThat(text).contains("pincery_rate_limited_total{scope=\"unauthenticated\"} 1.0");
      assertThat(api.call("GET", "/metrics", null, null).status())
          .as("not on the API port")
          .isEqualTo(404);

      Path promtool = Path.of("/usr/bin/promtool");
      // ./pincery test installs it (Debian package prometheus); never skipped.
      assertThat(Files.isExecutable(promtool))
          .as("promtool is missing: apt-get install prometheus (./pincery test does this as root)")
          .isTrue();
      Process check =
          new ProcessBuilder(promtool.toString(), "check", "metrics")
              .redirectErrorStream(true)
              .start();
      check.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
      check.getOutputStream().close();
      String report = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(check.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(check.exitValue()).as(report).isZero();
    }
  }
}
