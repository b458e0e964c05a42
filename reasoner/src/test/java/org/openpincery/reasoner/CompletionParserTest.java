package org.openpincery.reasoner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Answers as OpenAI-compatible servers really shape them, read the same way every time. */
class CompletionParserTest {

  private static ChatResponse parse(String body) {
    return CompletionParser.parse(new JsonObject(body));
  }

  private static String answer(String message, String rest) {
    return "{\"choices\":[{\"index\":0,\"message\":" + message + rest + "}]}";
  }

  @Test
  void usageMayBeMissingNullPartialOrOddlyTyped() {
    String msg = "{\"role\":\"assistant\",\"content\":\"hi\"}";
    assertThat(parse(answer(msg, ",\"finish_reason\":\"stop\"")).usage())
        .isEqualTo(ReportedUsage.NONE);
    assertThat(parse(answer(msg, "") + "").usage()).isEqualTo(ReportedUsage.NONE);
    assertThat(parse("{\"choices\":[{\"message\":" + msg + "}],\"usage\":null}").usage())
        .isEqualTo(ReportedUsage.NONE);
    assertThat(
            parse(
                    "{\"choices\":[{\"message\":"
                        + msg
                        + "}],\"usage\":{\"prompt_tokens\":null,\"completion_tokens\":7,"
                        + "\"total_tokens\":19}}")
                .usage())
        .isEqualTo(new ReportedUsage(null, 7, 19));
    assertThat(
            parse(
                    "{\"choices\":[{\"message\":"
                        + msg
                        + "}],\"usage\":{\"prompt_tokens\":-3,\"completion_tokens\":2.5,"
                        + "\"total_tokens\":\"40\"}}")
                .usage())
        .isEqualTo(new ReportedUsage(null, null, 40));
    assertThat(
            parse(
                    "{\"choices\":[{\"message\":"
                        + msg
                        + "}],\"usage\":{\"input_tokens\":11,\"output_tokens\":4}}")
                .usage())
        .isEqualTo(new ReportedUsage(11, 4, null));
    assertThat(parse("{\"choices\":[{\"message\":" + msg + "}],\"usage\":[1,2]}").usage())
        .isEqualTo(ReportedUsage.NONE);
  }

  @Test
  void objectArgumentsBecomeCanonicalJsonTextAndNullOrEmptyOnesAnEmptyObject() {
    ChatResponse r =
        parse(
            answer(
                "{\"content\":null,\"tool_calls\":["
                    + "{\"id\":\"a\",\"function\":{\"name\":\"shell\","
                    + "\"arguments\":{\"command\":\"echo x\",\"env\":{\"z\":1,\"a\":[{\"y\":2,\"b\":3}]}}}},"
                    + "{\"id\":\"b\",\"function\":{\"name\":\"sleep\",\"arguments\":null}},"
                    + "{\"id\":\"c\",\"function\":{\"name\":\"sleep\",\"arguments\":\"\"}},"
                    + "{\"id\":\"d\",\"function\":{\"name\":\"sleep\"}}]}",
                ",\"finish_reason\":\"tool_calls\""));
    assertThat(r.toolCalls())
        .extracting(ToolCall::arguments)
        .containsExactly(
            "{\"command\":\"echo x\",\"env\":{\"a\":[{\"b\":3,\"y\":2}],\"z\":1}}",
            "{}",
            "{}",
            "{}");
    assertThat(r.toolCalls().getFirst().arguments()).doesNotContain("=");
  }

  @Test
  void toolCallsWithoutIdsOrWithRepeatedIdsGetDeterministicUniqueOnes() {
    String body =
        answer(
            "{\"tool_calls\":["
                + "{\"function\":{\"name\":\"sleep\",\"arguments\":\"{}\"}},"
                + "{\"id\":\"\",\"function\":{\"name\":\"sleep\",\"arguments\":\"{}\"}},"
                + "{\"id\":\"x\",\"function\":{\"name\":\"sleep\",\"arguments\":\"{}\"}},"
                + "{\"id\":\"x\",\"function\":{\"name\":\"sleep\",\"arguments\":\"{}\"}},"
                + "{\"id\":\"call_0\",\"function\":{\"name\":\"sleep\",\"arguments\":\"{}\"}}]}",
            "");
    List<String> ids = parse(body).toolCalls().stream().map(ToolCall::id).toList();
    assertThat(ids).containsExactly("call_0", "call_1", "x", "call_3", "call_4");
    assertThat(parse(body).toolCalls()).isEqualTo(parse(body).toolCalls());
  }

  @Test
  void contentPartsAreJoinedAndARefusalIsTheText() {
    assertThat(
            parse(
                    answer(
                        "{\"content\":[{\"type\":\"text\",\"text\":\"Hello, \"},"
                            + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"x\"}},"
                            + "\"world\",{\"text\":\"!\"}]}",
                        ",\"finish_reason\":\"stop\""))
                .content())
        .isEqualTo("Hello, world!");
    assertThat(
            parse(answer("{\"content\":null,\"refusal\":\"I can't help with that.\"}", ""))
                .content())
        .isEqualTo("I can't help with that.");
  }

  @Test
  void finishReasonsAreNormalised() {
    String text = "{\"content\":\"hi\"}";
    String calls = "{\"tool_calls\":[{\"id\":\"a\",\"function\":{\"name\":\"sleep\"}}]}";
    assertThat(parse(answer(text, "")).finishReason()).isEqualTo("stop");
    assertThat(parse(answer(text, ",\"finish_reason\":null")).finishReason()).isEqualTo("stop");
    assertThat(parse(answer(calls, "")).finishReason()).isEqualTo("tool_calls");
    assertThat(parse(answer(text, ",\"finish_reason\":\"eos_token\"")).finishReason())
        .isEqualTo("stop");
    assertThat(parse(answer(text, ",\"finish_reason\":\"LENGTH\"")).finishReason())
        .isEqualTo("length");
    assertThat(parse(answer(text, ",\"finish_reason\":\"error\"")).finishReason())
        .isEqualTo("error");
    // Ollama says stop beside tool calls: the calls still count.
    assertThat(parse(answer(calls, ",\"finish_reason\":\"stop\"")).toolCalls()).hasSize(1);
  }

  @Test
  void aLegacyFunctionCallIsOneToolCall() {
    ChatResponse r =
        parse(
            answer(
                "{\"content\":null,\"function_call\":{\"name\":\"sleep\",\"arguments\":\"{}\"}}",
                ",\"finish_reason\":\"function_call\""));
    assertThat(r.toolCalls()).containsExactly(new ToolCall("call_0", "sleep", "{}"));
    assertThat(r.finishReason()).isEqualTo("tool_calls");
  }

  @Test
  void reasoningTextCountsTowardsTheAnswerSizeButIsNotTheAnswer() {
    ChatResponse r =
        parse(answer("{\"content\":\"42\",\"reasoning_content\":\"" + "t".repeat(30) + "\"}", ""));
    assertThat(r.content()).isEqualTo("42");
    assertThat(r.answerChars()).isEqualTo(32);
  }

  @Test
  void whatIsNotAChatCompletionIsMalformedWithAMessageSayingWhy() {
    record Case(String body, String says) {}
    List<Case> cases =
        List.of(
            new Case("{}", "no 'choices'"),
            new Case("{\"choices\":null}", "no 'choices'"),
            new Case("{\"choices\":[]}", "'choices' is empty"),
            new Case("{\"choices\":[1]}", "no choice is an object"),
            new Case("{\"choices\":[{\"message\":null}]}", "no 'message' object"),
            new Case("{\"choices\":[{\"message\":\"hi\"}]}", "no 'message' object"),
            new Case("{\"choices\":[{\"message\":{\"content\":5}}]}", "'content' is neither"),
            new Case("{\"choices\":[{\"message\":{\"tool_calls\":{}}}]}", "not a list"),
            new Case("{\"choices\":[{\"message\":{\"tool_calls\":[null]}}]}", "not an object"),
            new Case("{\"choices\":[{\"message\":{\"tool_calls\":[{}]}}]}", "no 'function'"),
            new Case(
                "{\"choices\":[{\"message\":{\"tool_calls\":[{\"function\":{\"arguments\":\"{}\"}}]}}]}",
                "no function name"),
            new Case(
                "{\"error\":{\"message\":\"upstream overloaded\",\"code\":502}}",
                "an error instead of choices: upstream overloaded"));
    for (Case c : cases) {
      assertThatThrownBy(() -> parse(c.body()))
          .as(c.body())
          .isInstanceOf(CompletionParser.Malformed.class)
          .hasMessageContaining(c.says());
    }
    assertThatThrownBy(() -> CompletionParser.parse(null))
        .isInstanceOf(CompletionParser.Malformed.class)
        .hasMessage("the body is empty");
  }
}
