package org.openpincery.reasoner;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * One chat-completions call.
 *
 * @param purpose {@code wake} or {@code maintenance} (the offline model answers each in kind)
 */
public record ChatRequest(
    String model, List<ChatMessage> messages, List<ToolSpec> tools, int maxTokens, String purpose) {

  public ChatRequest {
    messages = List.copyOf(messages);
    tools = List.copyOf(tools);
  }

  /** The request body, as sent and as stored with the call. */
  public JsonObject toJson() {
    JsonArray msgs = new JsonArray();
    messages.forEach(m -> msgs.add(m.toJson()));
    JsonObject json =
        new JsonObject().put("model", model).put("messages", msgs).put("max_tokens", maxTokens);
    if (!tools.isEmpty()) {
      JsonArray specs = new JsonArray();
      tools.forEach(t -> specs.add(t.toJson()));
      json.put("tools", specs);
    }
    return json;
  }

  /** Characters of prompt text, for the worst-case cost estimate before the call. */
  public long promptChars() {
    return toJson().encode().length();
  }
}
