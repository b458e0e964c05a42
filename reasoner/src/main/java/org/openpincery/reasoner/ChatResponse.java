package org.openpincery.reasoner;

import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * What the model answered, read tolerantly (see {@link CompletionParser}).
 *
 * @param content the text, parts joined; null when there is none
 * @param toolCalls each with an id (minted when the provider gave none) and its arguments as JSON
 *     text
 * @param finishReason normalised: {@code stop} (also for a missing one without tool calls), {@code
 *     tool_calls}, {@code length}, {@code content_filter}, or the provider's own, lower-cased
 * @param usage the token counts the provider reported, as far as they are usable
 * @param raw the provider's whole response body
 * @param reasoningChars characters of reasoning text the provider returned beside the answer (it
 *     was generated, so it counts towards an estimate)
 */
public record ChatResponse(
    String content,
    List<ToolCall> toolCalls,
    String finishReason,
    ReportedUsage usage,
    JsonObject raw,
    long reasoningChars) {

  public ChatResponse {
    toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
    usage = usage == null ? ReportedUsage.NONE : usage;
  }

  public ChatResponse(
      String content,
      List<ToolCall> toolCalls,
      String finishReason,
      ReportedUsage usage,
      JsonObject raw) {
    this(content, toolCalls, finishReason, usage, raw, 0);
  }

  /** Characters the model generated: text, tool names and arguments, reasoning. */
  public long answerChars() {
    long n = (content == null ? 0 : content.length()) + reasoningChars;
    for (ToolCall c : toolCalls) {
      n += c.name().length() + c.arguments().length();
    }
    return n;
  }
}
