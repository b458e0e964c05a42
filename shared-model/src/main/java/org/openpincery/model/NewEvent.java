package org.openpincery.model;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An event about to be appended. The store assigns seq, id, time and hashes; the wake id comes from
 * the fence of a fenced append.
 */
public record NewEvent(
    EventType type,
    String source,
    String content,
    String toolName,
    JsonObject toolInput,
    String toolOutput,
    String terminationReason,
    JsonObject payload) {

  public NewEvent {
    Objects.requireNonNull(type, "type");
    payload = payload == null ? new JsonObject() : payload;
  }

  /** A plain event of a type with a source and optional text. */
  public static NewEvent of(EventType type, String source, String content) {
    return new NewEvent(type, source, content, null, null, null, null, null);
  }

  /** A person's message to the agent (wakes it). */
  public static NewEvent messageReceived(String source, String content) {
    return of(EventType.MESSAGE_RECEIVED, source, content);
  }

  /** Text the model said. */
  public static NewEvent assistantMessage(String content) {
    return of(EventType.ASSISTANT_MESSAGE, "agent", content);
  }

  /** The same event with a payload. */
  public NewEvent withPayload(JsonObject newPayload) {
    return new NewEvent(
        type, source, content, toolName, toolInput, toolOutput, terminationReason, newPayload);
  }

  /**
   * This event as PostgreSQL can store it: itself when every text field, the tool input and the
   * payload are storable; otherwise a copy in which each field that is not is {@link
   * StorableText#escape escaped} whole (a JSON field: every string and key in it; the payload: each
   * top-level entry that is not storable), and the payload's {@code escaped} array names those
   * fields ({@code "content"}, {@code "tool_output"}, {@code "tool_input"}, {@code
   * "payload.<key>"}...), added to any names already there. The store calls this on every event it
   * writes, so a write never fails on the text it carries.
   */
  public NewEvent storable() {
    if (StorableText.isStorable(source)
        && StorableText.isStorable(content)
        && StorableText.isStorable(toolName)
        && StorableText.isStorable(toolOutput)
        && StorableText.isStorable(terminationReason)
        && StorableText.isStorable(toolInput)
        && StorableText.isStorable(payload)) {
      return this;
    }
    List<String> escaped = new ArrayList<>();
    String newSource = escapedIfNeeded("source", source, escaped);
    String newContent = escapedIfNeeded("content", content, escaped);
    String newToolName = escapedIfNeeded("tool_name", toolName, escaped);
    String newToolOutput = escapedIfNeeded("tool_output", toolOutput, escaped);
    String newReason = escapedIfNeeded("termination_reason", terminationReason, escaped);
    JsonObject newInput = toolInput;
    if (!StorableText.isStorable(toolInput)) {
      newInput = (JsonObject) StorableText.escapeJson(toolInput);
      escaped.add("tool_input");
    }
    JsonObject newPayload = new JsonObject();
    for (Map.Entry<String, Object> e : payload) {
      if (StorableText.isStorable(e.getKey()) && StorableText.isStorable(e.getValue())) {
        newPayload.put(e.getKey(), e.getValue());
      } else {
        String key = StorableText.escape(e.getKey());
        newPayload.put(key, StorableText.escapeJson(e.getValue()));
        escaped.add("payload." + key);
      }
    }
    JsonArray names =
        newPayload.getValue("escaped") instanceof JsonArray earlier
            ? earlier.copy()
            : new JsonArray();
    escaped.forEach(names::add);
    newPayload.put("escaped", names);
    return new NewEvent(
        type, newSource, newContent, newToolName, newInput, newToolOutput, newReason, newPayload);
  }

  private static String escapedIfNeeded(String field, String value, List<String> escaped) {
    if (StorableText.isStorable(value)) {
      return value;
    }
    escaped.add(field);
    return StorableText.escape(value);
  }
}
