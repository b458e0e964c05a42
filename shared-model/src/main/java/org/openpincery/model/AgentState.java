package org.openpincery.model;

import java.time.OffsetDateTime;
import java.util.UUID;

/** An agent's row: who it is and where it is in its lifecycle. */
public record AgentState(
    UUID id,
    UUID workspaceId,
    String name,
    AgentStatus status,
    boolean enabled,
    String disabledReason,
    UUID wakeId,
    OffsetDateTime leaseExpiresAt,
    long eventSeq,
    long inboxSeq,
    long consumedSeq) {

  /** Waking events not yet shown to a wake. */
  public boolean hasPendingWork() {
    return inboxSeq > consumedSeq;
  }
}
