package org.openpincery.model;

import io.vertx.core.json.JsonObject;
import java.time.OffsetDateTime;
import java.util.Optional;
import java.util.UUID;

/**
 * An event as stored in the log. {@code eventType} stays a string so that a reader from an older
 * release can still show a type it does not know; {@link #type()} interprets it.
 */
public record StoredEvent(
    UUID agentId,
    long seq,
    UUID id,
    String eventType,
    String source,
    UUID wakeId,
    String content,
    String toolName,
    JsonObject toolInput,
    String toolOutput,
    String terminationReason,
    JsonObject payload,
    OffsetDateTime createdAt) {

  public Optional<EventType> type() {
    return EventType.fromWire(eventType);
  }
}
