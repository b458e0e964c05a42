package org.openpincery.reasoner;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Objects;

/**
 * One chat-completions call: model, messages, tool specs, the answer's token cap, and the purpose
 * ({@code wake} or {@code maintenance}; the offline model answers each in kind). Immutable; its
 * encoded body is built once and shared by the budget check, the cost estimate and the send.
 */
public final class ChatRequest {

  private final String model;
  private final List<ChatMessage> messages;
  private final List<ToolSpec> tools;
  private final int maxTokens;
  private final String purpose;
  // The encoded body: built at first use (a request is used by one thread at a time).
  private String body;

  public ChatRequest(
      String model,
      List<ChatMessage> messages,
      List<ToolSpec> tools,
      int maxTokens,
      String purpose) {
    this.model = model;
    this.messages = List.copyOf(messages);
    this.tools = List.copyOf(tools);
    this.maxTokens = maxTokens;
    this.purpose = purpose;
  }

  public String model() {
    return model;
  }

  public List<ChatMessage> messages() {
    return messages;
  }

  public List<ToolSpec> tools() {
    return tools;
  }

  public int maxTokens() {
    return maxTokens;
  }

  public String purpose() {
    return purpose;
  }

  /** The request body as a new JSON object (as stored with the call). */
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

  /** The request body as sent: {@link #toJson()} encoded, computed once. */
  public Buffer body() {
    return Buffer.buffer(encoded());
  }

  /** Characters of prompt text, for the worst-case cost estimate before the call. */
  public long promptChars() {
    return encoded().length();
  }

  private String encoded() {
    if (body == null) {
      body = toJson().encode();
    }
    return body;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ChatRequest r
        && Objects.equals(model, r.model)
        && messages.equals(r.messages)
        && tools.equals(r.tools)
        && maxTokens == r.maxTokens
        && Objects.equals(purpose, r.purpose);
  }

  @Override
  public int hashCode() {
    return Objects.hash(model, messages, tools, maxTokens, purpose);
  }

  @Override
  public String toString() {
    return "ChatRequest[model="
        + model
        + ", messages="
        + messages.size()
        + ", tools="
        + tools.size()
        + ", maxTokens="
        + maxTokens
        + ", purpose="
        + purpose
        + "]";
  }
}
