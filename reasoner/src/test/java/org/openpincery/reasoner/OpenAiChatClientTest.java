package org.openpincery.reasoner;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openpincery.testkit.ScriptedModelServer;
import org.openpincery.testkit.ScriptedModelServer.Malformed;
import org.openpincery.testkit.ScriptedModelServer.Slow;
import org.openpincery.testkit.ScriptedModelServer.Status;
import org.openpincery.testkit.ScriptedModelServer.Text;
import org.openpincery.testkit.ScriptedModelServer.ToolCalls;

class OpenAiChatClientTest {

  private final Vertx vertx = Vertx.vertx();
  private final ScriptedModelServer model = ScriptedModelServer.start();

  @AfterEach
  void close() {
    model.close();
    vertx.close().await();
  }

  private ChatClient client(Duration timeout, int maxRetries) {
    return new OpenAiChatClient(
        vertx,
        new ReasonerConfig(
            URI.create(model.baseUrl()),
            Optional.of("test-key"),
            "test-model",
            "test-model",
            new BigDecimal("1.00"),
            new BigDecimal("2.00"),
            timeout,
            maxRetries,
            Duration.ofSeconds(5),
            256,
            4));
  }

  private static ChatRequest request() {
    return new ChatRequest(
        "test-model",
        List.of(ChatMessage.system("be brief"), ChatMessage.user("hello")),
        List.of(new ToolSpec("sleep", "end the wake", new JsonObject().put("type", "object"))),
        256,
        "wake");
  }

  @Test
  void aTextAnswerComesBackWithUsageAndTheRequestIsWellFormed() {
    model.then(new Text("hi there", "stop", 120, 7));

    CallOutcome outcome = client(Duration.ofSeconds(5), 0).complete(request()).await();

    assertThat(outcome)
        .isInstanceOfSatisfying(
            CallOutcome.Answered.class,
            a -> {
              assertThat(a.response().content()).isEqualTo("hi there");
              assertThat(a.response().finishReason()).isEqualTo("stop");
              assertThat(a.response().usage()).isEqualTo(new Usage(120, 7));
              assertThat(a.attempts()).isEqualTo(1);
            });
    JsonObject sent = model.requests().get(0);
    assertThat(sent.getString("_authorization")).isEqualTo("Bearer test-key");
    assertThat(sent.getString("model")).isEqualTo("test-model");
    assertThat(sent.getInteger("max_tokens")).isEqualTo(256);
    assertThat(sent.getJsonArray("messages")).hasSize(2);
    assertThat(
            sent.getJsonArray("tools").getJsonObject(0).getJsonObject("function").getString("name"))
        .isEqualTo("sleep");
  }

  @Test
  void toolCallsAreParsed() {
    model.then(
        new ToolCalls(
            List.<String[]>of(new String[] {"send_message", "{\"to\":\"b\",\"content\":\"hi\"}"}),
            10,
            5));

    var answered =
        (CallOutcome.Answered) client(Duration.ofSeconds(5), 0).complete(request()).await();

    assertThat(answered.response().finishReason()).isEqualTo("tool_calls");
    assertThat(answered.response().toolCalls())
        .containsExactly(
            new ToolCall("call_0", "send_message", "{\"to\":\"b\",\"content\":\"hi\"}"));
  }

  @Test
  void a429IsRetriedAfterItsRetryAfter() {
    model.then(new Status(429, "{}", "1")).then(new Text("later", "stop", 1, 1));

    CallOutcome outcome = client(Duration.ofSeconds(5), 2).complete(request()).await();

    assertThat(outcome).isInstanceOf(CallOutcome.Answered.class);
    assertThat(outcome.attempts()).isEqualTo(2);
    assertThat(outcome.latency()).isGreaterThanOrEqualTo(Duration.ofMillis(900));
    assertThat(model.requests()).hasSize(2);
  }

  @Test
  void serverErrorsAreRetriedWithBackoffUpToTheBound() {
    model
        .then(new Status(500, "{}", null))
        .then(new Status(502, "{}", null))
        .then(new Text("ok", "stop", 1, 1));
    assertThat(client(Duration.ofSeconds(5), 3).complete(request()).await().attempts())
        .isEqualTo(3);

    model
        .then(new Status(503, "{}", null))
        .then(new Status(503, "{}", null))
        .then(new Status(503, "{}", null));
    CallOutcome exhausted = client(Duration.ofSeconds(5), 2).complete(request()).await();
    assertThat(exhausted)
        .isInstanceOfSatisfying(
            CallOutcome.Failed.class,
            f -> {
              assertThat(f.kind()).isEqualTo("server_error");
              assertThat(f.httpStatus()).isEqualTo(503);
              assertThat(f.attempts()).isEqualTo(3);
            });
  }

  @Test
  void otherClientErrorsAreNeverRetried() {
    model
        .then(new Status(400, "{\"error\":{\"message\":\"bad tool schema\"}}", null))
        .then(new Text("never", "stop", 1, 1));

    CallOutcome outcome = client(Duration.ofSeconds(5), 3).complete(request()).await();

    assertThat(outcome)
        .isInstanceOfSatisfying(
            CallOutcome.Failed.class,
            f -> {
              assertThat(f.kind()).isEqualTo("client_error");
              assertThat(f.message()).contains("bad tool schema");
              assertThat(f.attempts()).isEqualTo(1);
            });
    assertThat(model.requests()).hasSize(1);
  }

  @Test
  void aSlowAnswerPastTheTimeoutFails() {
    model.then(new Slow(3_000, new Text("too late", "stop", 1, 1)));

    CallOutcome outcome = client(Duration.ofSeconds(1), 0).complete(request()).await();

    assertThat(outcome)
        .isInstanceOfSatisfying(
            CallOutcome.Failed.class, f -> assertThat(f.kind()).isEqualTo("timeout"));
    assertThat(outcome.latency()).isLessThan(Duration.ofMillis(2_900));
  }

  @Test
  void aMalformedAnswerIsReportedNotThrown() {
    model.then(new Malformed("{\"choices\": \"nope\"}"));

    CallOutcome outcome = client(Duration.ofSeconds(5), 2).complete(request()).await();

    assertThat(outcome)
        .isInstanceOfSatisfying(
            CallOutcome.Failed.class, f -> assertThat(f.kind()).isEqualTo("malformed"));
    assertThat(model.requests()).as("a malformed 200 is not retried").hasSize(1);
  }

  @Test
  void aRetryAfterLongerThanTheBoundFailsAtOnce() {
    model.then(new Status(429, "{}", "3600"));

    CallOutcome outcome = client(Duration.ofSeconds(5), 3).complete(request()).await();

    assertThat(outcome)
        .isInstanceOfSatisfying(
            CallOutcome.Failed.class,
            f -> {
              assertThat(f.kind()).isEqualTo("rate_limited");
              assertThat(f.attempts()).isEqualTo(1);
            });
  }

  @Test
  void backoffIsJitteredWithinItsStep() {
    for (int attempt = 1; attempt <= 8; attempt++) {
      long step = Math.min(8_000, 250L << (attempt - 1));
      assertThat(OpenAiChatClient.backoff(attempt)).isBetween(step / 2, step);
    }
    assertThat(OpenAiChatClient.retryAfterMillis("7")).isEqualTo(7_000);
    assertThat(OpenAiChatClient.retryAfterMillis("soon")).isNull();
  }
}
