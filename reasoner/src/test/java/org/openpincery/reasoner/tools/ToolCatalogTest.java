package org.openpincery.reasoner.tools;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.openpincery.reasoner.ToolCall;
import org.openpincery.reasoner.tools.ToolCatalog.Validation;

class ToolCatalogTest {

  private static final ToolCatalog TOOLS = ToolCatalog.standard();

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "sleep|{}",
        "sleep|''",
        "send_message|{\"to\":\"planner\",\"content\":\"hi\"}",
        "set_timer|{\"in_seconds\":60,\"note\":\"check mail\"}",
        "set_timer|{\"at\":\"2026-12-01T09:00:00Z\"}",
        "cancel_timer|{\"id\":\"2c9679f0-a7c6-4c78-949b-072f44d3e032\"}",
        "list_timers|{}",
        "list_credentials|{}",
        "shell|{\"command\":\"ls -la\"}",
        "shell|{\"command\":\"env\",\"env\":{\"TOKEN\":\"PLACEHOLDER:github\"}}",
        "search_memory|{\"query\":\"the name of the cat\"}",
        "search_memory|{\"query\":\"deploy\",\"since\":\"2026-01-01T00:00:00Z\","
            + "\"types\":[\"tool_result\",\"memory_remembered\"],\"limit\":5}",
        "remember|{\"text\":\"Ana prefers morning meetings\"}",
        "remember|{\"text\":\"deploys go through CI\",\"tags\":[\"ops\",\"deploy\"]}"
      })
  void validCallsPass(String tool, String arguments) {
    assertThat(TOOLS.validate(new ToolCall("c", tool, arguments)))
        .isInstanceOf(Validation.Valid.class);
  }

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "launch_missiles|{}|unknown tool",
        "send_message|{\"to\":\"planner\"|not valid JSON",
        "send_message|[1,2]|must be a JSON object",
        "send_message|{\"to\":\"planner\"}|content",
        "send_message|{\"to\":42,\"content\":\"hi\"}|to",
        "send_message|{\"to\":\"p\",\"content\":\"hi\",\"cc\":\"x\"}|cc",
        "send_message|{\"to\":\"\",\"content\":\"hi\"}|to",
        "set_timer|{\"note\":\"neither\"}|arguments",
        "set_timer|{\"in_seconds\":5,\"at\":\"2026-12-01T09:00:00Z\"}|arguments",
        "set_timer|{\"in_seconds\":0}|in_seconds",
        "sleep|{\"forever\":true}|forever",
        "shell|{}|command",
        "shell|{\"command\":\"\"}|command",
        "shell|{\"command\":\"env\",\"env\":{\"1BAD\":\"x\"}}|env",
        "shell|{\"command\":\"env\",\"env\":{\"A\":42}}|env",
        "search_memory|{}|query",
        "search_memory|{\"query\":\"\"}|query",
        "search_memory|{\"query\":\"x\",\"types\":[\"wake_start\"]}|types",
        "search_memory|{\"query\":\"x\",\"limit\":51}|limit",
        "search_memory|{\"query\":\"x\",\"since\":\"yesterday\"}|since",
        "remember|{}|text",
        "remember|{\"text\":\"x\",\"tags\":[\"\"]}|tags"
      })
  void invalidCallsSayWhy(String tool, String arguments, String mentioned) {
    Validation v = TOOLS.validate(new ToolCall("c", tool, arguments));

    assertThat(v)
        .isInstanceOfSatisfying(
            Validation.Invalid.class, i -> assertThat(i.reason()).contains(mentioned));
  }

  @org.junit.jupiter.api.Test
  void everyToolIsOfferedWithAClosedObjectSchema() {
    assertThat(TOOLS.specs())
        .extracting(s -> s.name())
        .containsExactly(
            "sleep",
            "send_message",
            "set_timer",
            "cancel_timer",
            "list_timers",
            "shell",
            "list_credentials",
            "search_memory",
            "remember");
    TOOLS
        .specs()
        .forEach(
            s -> {
              assertThat(s.parameters().getString("type")).isEqualTo("object");
              assertThat(s.parameters().getBoolean("additionalProperties")).isFalse();
            });
  }

  @org.junit.jupiter.api.Test
  void theModelIsOfferedEachSchemaAsWrittenNotAsTheValidatorAnnotatesIt() {
    TOOLS.validate(new ToolCall("c", "search_memory", "{\"query\":\"x\",\"types\":[\"x\"]}"));
    TOOLS
        .specs()
        .forEach(s -> assertThat(s.parameters().encode()).doesNotContain("__absolute_uri__"));
  }

  @org.junit.jupiter.api.Test
  void aWakesExtraToolsAreValidatedTheSameWayAndCannotReplaceAStandardOne() {
    io.vertx.core.json.JsonObject schema =
        new io.vertx.core.json.JsonObject(
            "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"number\"}},"
                + "\"required\":[\"a\"]}");
    java.util.List<String> skipped = new java.util.ArrayList<>();
    ToolCatalog wake =
        TOOLS.plus(
            java.util.List.of(
                new org.openpincery.reasoner.ToolSpec("calc__add", "adds", schema),
                new org.openpincery.reasoner.ToolSpec("sleep", "not the real sleep", schema)),
            skipped);
    assertThat(skipped).containsExactly("sleep");
    assertThat(wake.has("calc__add")).isTrue();
    assertThat(TOOLS.has("calc__add")).isFalse();
    assertThat(wake.validate(new ToolCall("c", "calc__add", "{\"a\": 1}")))
        .isInstanceOf(Validation.Valid.class);
    assertThat(wake.validate(new ToolCall("c", "calc__add", "{\"a\": \"one\"}")))
        .isInstanceOf(Validation.Invalid.class);
    // The standard sleep is kept: it takes no arguments.
    assertThat(wake.validate(new ToolCall("c", "sleep", "{}")))
        .isInstanceOf(Validation.Valid.class);
    assertThat(
            wake.specs().stream()
                .filter(t -> t.name().equals("sleep"))
                .findFirst()
                .orElseThrow()
                .description())
        .doesNotContain("not the real sleep");
  }
}
