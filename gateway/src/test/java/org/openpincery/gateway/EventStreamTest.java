package org.openpincery.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

class EventStreamTest {

  private static final GatewayFixture api =
      new GatewayFixture(java.util.Map.of("OPEN_PINCERY_SSE_HEARTBEAT_SECONDS", "1"));
  private static String token;

  @BeforeAll
  static void setUp() {
    token = api.bootstrap();
  }

  @AfterAll
  static void close() {
    api.close();
  }

  /**
   * Messages keep arriving while a client reads, drops the connection and resumes with
   * Last-Event-ID: across the reconnect it sees every event exactly once, in order.
   */
  @RepeatedTest(5)
  void aResumingClientSeesEveryEventExactlyOnceInOrder() throws Exception {
    String agent = api.createAgent(token, "stream-" + System.nanoTime());
    String path = "/api/agents/" + agent + "/events/stream";
    int total = 60;
    AtomicBoolean failed = new AtomicBoolean();
    Thread writer =
        Thread.ofVirtual()
            .start(
                () -> {
                  for (int i = 1; i <= total; i++) {
                    if (api.call(
                                "POST",
                                "/api/agents/" + agent + "/messages",
                                token,
                                "{\"content\":\"m" + i + "\"}")
                            .status()
                        != 202) {
                      failed.set(true);
                    }
                  }
                });

    List<Long> seen = new ArrayList<>();
    try (SseClient first = SseClient.open(api, path, token, 0L)) {
      assertThat(first.status).isEqualTo(200);
      while (seen.size() < 20) {
        seen.add(first.next().seq());
      }
    }
    // Disconnected while the writer goes on; resume from the last seq received.
    try (SseClient second = SseClient.open(api, path, token, seen.get(seen.size() - 1))) {
      while (seen.size() < total) {
        seen.add(second.next().seq());
      }
      assertThat(second.poll(Duration.ofMillis(1500))).as("nothing beyond the last event").isNull();
    }
    writer.join();

    assertThat(failed).isFalse();
    assertThat(seen).containsExactlyElementsOf(LongStream.rangeClosed(1, total).boxed().toList());
  }

  @Test
  void aStreamWithoutCursorStartsAtTheHead() throws Exception {
    String agent = api.createAgent(token, "head");
    api.call("POST", "/api/agents/" + agent + "/messages", token, "{\"content\":\"old\"}");
    try (SseClient stream =
        SseClient.open(api, "/api/agents/" + agent + "/events/stream", token, null)) {
      api.call("POST", "/api/agents/" + agent + "/messages", token, "{\"content\":\"new\"}");
      SseClient.Event e = stream.next();
      assertThat(e.seq()).isEqualTo(2);
      assertThat(e.data().getString("content")).isEqualTo("new");
    }
  }

  @Test
  void eventSourceClientsMayPassTheTokenInTheQuery() throws Exception {
    String agent = api.createAgent(token, "query-token");
    var r =
        api.http.send(
            java.net.http.HttpRequest.newBuilder(
                    api.uri("/api/agents/" + agent + "/events/stream?access_token=" + token))
                .build(),
            java.net.http.HttpResponse.BodyHandlers.ofInputStream());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("text/event-stream");
    r.body().close();
    assertThat(
            api.call("GET", "/api/agents/" + agent + "/events?access_token=" + token, null, null)
                .status())
        .as("only the stream takes a query token")
        .isEqualTo(401);
  }
}
