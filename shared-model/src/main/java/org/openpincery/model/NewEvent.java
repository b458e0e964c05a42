package org.openpincery.model;

import io.vertx.core.json.JsonObject;
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
}
