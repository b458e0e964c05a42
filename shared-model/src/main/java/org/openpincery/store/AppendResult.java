package org.openpincery.store;

import java.time.OffsetDateTime;
import java.util.UUID;

/** The outcome of appending one event. */
public sealed interface AppendResult {

  /** Written at {@code seq}. */
  record Appended(UUID eventId, long seq, OffsetDateTime createdAt) implements AppendResult {}

  /** A fenced append whose wake no longer owns the agent: nothing was written. */
  record LeaseLost() implements AppendResult {}

  /** No such agent: nothing was written. */
  record AgentNotFound() implements AppendResult {}
}
