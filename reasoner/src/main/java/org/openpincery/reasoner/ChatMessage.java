package org.openpincery.reasoner;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/** One message of a chat-completions conversation. */
public record ChatMessage(
    String role, String content, List<ToolCall> toolCalls, String toolCallId) {

  public static ChatMessage system(String content) {
    return new ChatMessage("system", content, List.of(), null);
  }

  public static ChatMessage user(String content) {
    return new ChatMessage("user", content, List.of(), null);
  }

  public static ChatMessage assistant(String content, List<ToolCall> toolCalls) {
    return new ChatMessage("assistant", content, List.copyOf(toolCalls), null);
  }

  public static ChatMessage toolResult(String toolCallId, String content) {
    return new ChatMessage("tool", content, List.of(), toolCallId);
  }

  JsonObject toJson() {
    JsonObject json = new JsonObject().put("role", role).put("content", content);
    if (!toolCalls.isEmpty()) {
      JsonArray calls = new JsonArray();
      toolCalls.forEach(c -> calls.add(c.toJson()));
      json.put("tool_calls", calls);
    }
    if (toolCallId != null) {
      json.put("tool_call_id", toolCallId);
    }
    return json;
  }
}
