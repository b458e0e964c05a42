package org.openpincery.store;

import java.time.OffsetDateTime;
import java.util.UUID;

/** The outcome of trying to start a wake. Losing a race is an outcome, not an error. */
public sealed interface ClaimResult {

  /**
   * This caller owns the agent until the lease expires (database time).
   *
   * @param inboxSeq newest waking event at claim time
   * @param consumedSeq the wake must show the model waking events after this seq
   */
  record Claimed(
      UUID agentId, UUID wakeId, OffsetDateTime leaseExpiresAt, long inboxSeq, long consumedSeq)
      implements ClaimResult {}

  /** Another wake or maintenance pass owns the agent. */
  record AlreadyAwake(UUID currentWakeId) implements ClaimResult {}

  /** The agent is disabled (or deleted). */
  record Disabled() implements ClaimResult {}

  record NotFound() implements ClaimResult {}
}
