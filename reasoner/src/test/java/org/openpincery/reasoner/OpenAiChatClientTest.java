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
              assertThat(a.response().usage()).isEqualTo(ReportedUsage.of(120, 7));
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
  void malformedAnswersSayWhatIsWrongAndAreChargedTheirSize() {
    List<String> bodies =
        List.of(
            "{\"choices\":[{\"message\":null}]}",
            "{\"choices\":[{\"message\":{\"tool_calls\":[{\"id\":\"x\"}]}}]}",
            "[1, 2]",
            "",
            "{\"error\":{\"message\":\"upstream overloaded\"}}");
    for (String body : bodies) {
      model.then(new Malformed(body));
      CallOutcome outcome = client(Duration.ofSeconds(5), 0).complete(request()).await();
      assertThat(outcome)
          .as(body)
          .isInstanceOfSatisfying(
              CallOutcome.Failed.class,
              f -> {
                assertThat(f.kind()).isEqualTo("malformed");
                assertThat(f.message())
                    .startsWith("the provider's answer is not a chat completion: ")
                    .doesNotContain("Cannot invoke")
                    .doesNotContain("NullPointer");
                assertThat(f.answerChars()).isEqualTo(body.length());
                var stored =
                    CallRecords.of(
                        "wake", request(), f, new Pricing(BigDecimal.ONE, BigDecimal.ONE));
                assertThat(stored.estimated()).isTrue();
                assertThat(stored.costUsd().signum()).isPositive();
              });
    }
  }

  @Test
  void everyProviderShapeIsAnAnswerAndIsNeverFree() {
    for (ScriptedModelServer.Shape shape : ScriptedModelServer.Shape.values()) {
      model.then(
          new ScriptedModelServer.Shaped(
              shape,
              new ToolCalls(
                  List.<String[]>of(new String[] {"shell", "{\"command\":\"echo x\"}"}), 10, 5)));
      model.then(new ScriptedModelServer.Shaped(shape, new Text("all done", "stop", 10, 5)));
      var calls =
          (CallOutcome.Answered) client(Duration.ofSeconds(5), 0).complete(request()).await();
      var text =
          (CallOutcome.Answered) client(Duration.ofSeconds(5), 0).complete(request()).await();

      ToolCall call = calls.response().toolCalls().getFirst();
      assertThat(call.id()).as("%s", shape).isEqualTo("call_0");
      assertThat(call.arguments())
          .as("%s", shape)
          .isEqualTo(
              shape == ScriptedModelServer.Shape.NULL_ARGUMENTS
                  ? "{}"
                  : "{\"command\":\"echo x\"}");
      assertThat(calls.response().finishReason())
          .as("%s", shape)
          .isEqualTo(
              shape == ScriptedModelServer.Shape.STOP_WITH_TOOL_CALLS ? "stop" : "tool_calls");
      assertThat(text.response().content()).as("%s", shape).isEqualTo("all done");
      assertThat(text.response().finishReason()).as("%s", shape).isEqualTo("stop");
      for (var answered : List.of(calls, text)) {
        Charge charge =
            Charge.of(request(), answered.response(), new Pricing(BigDecimal.ONE, BigDecimal.ONE));
        assertThat(charge.costUsd().signum()).as("%s", shape).isPositive();
        assertThat(charge.estimated())
            .as("%s", shape)
            .isEqualTo(
                switch (shape) {
                  case NO_USAGE, NULL_USAGE, TOTAL_ONLY_USAGE, ZERO_USAGE -> true;
                  default -> false;
                });
      }
    }
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
