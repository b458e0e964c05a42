package org.openpincery.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.RepeatedTest;
import org.openpincery.ops.Metrics;
import org.openpincery.testkit.FreePort;

class GracefulShutdownTest {

  @RepeatedTest(3)
  void anInFlightRequestFinishesAfterShutdownBeginsAndNewConnectionsAreRefused() throws Exception {
    Metrics ops = Metrics.servedAt(new Metrics.Address("127.0.0.1", FreePort.pick()));
    var registry = ops.registry();
    GatewayFixture api =
        new GatewayFixture(
            Map.of("OPEN_PINCERY_SHUTDOWN_GRACE_SECONDS", "20"),
            new GatewayMetrics(registry),
            ops.vertx());
    try {
      String token = api.bootstrap();
      String agent = api.createAgent(token, "patient");
      String body = "{\"content\":\"sent slowly\"}";
      try (Socket socket = new Socket("127.0.0.1", api.port)) {
        socket.setSoTimeout(20_000);
        OutputStream out = socket.getOutputStream();
        out.write(
            ("POST /api/agents/"
                    + agent
                    + "/messages HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                    + token
                    + "\r\nContent-Type: application/json\r\nContent-Length: "
                    + body.length()
                    + "\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.write(body.substring(0, 5).getBytes(StandardCharsets.US_ASCII));
        out.flush();

        // In flight means the server has started on it, not merely that bytes are in a socket.
        await().atMost(Duration.ofSeconds(10)).until(() -> activeRequests(registry) >= 1);
        var stopping = api.vertx.undeploy(api.verticle.deploymentID());
        await().atMost(Duration.ofSeconds(10)).until(() -> refused(api.port));

        out.write(body.substring(5).getBytes(StandardCharsets.US_ASCII));
        out.flush();
        String response =
            new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        assertThat(response).startsWith("HTTP/1.1 202");
        stopping.await();
      }
      assertThat(api.count("SELECT count(*) FROM events WHERE content = 'sent slowly'"))
          .isEqualTo(1);
    } finally {
      api.listener.stop().await();
      api.store.closeAsync().await();
      api.vertx.close().await();
    }
  }

  private static double activeRequests(io.micrometer.core.instrument.MeterRegistry registry) {
    return registry.getMeters().stream()
        .filter(m -> m.getId().getName().equals("vertx.http.server.active.requests"))
        .mapToDouble(m -> m.measure().iterator().next().getValue())
        .sum();
  }

  private static boolean refused(int port) {
    try {
      new Socket("127.0.0.1", port).close();
      return false;
    } catch (IOException e) {
      return true;
    }
  }
}
