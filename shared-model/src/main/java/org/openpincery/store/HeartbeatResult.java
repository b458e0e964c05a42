package org.openpincery.store;

import java.time.OffsetDateTime;

/** The outcome of extending a lease. */
public sealed interface HeartbeatResult {

  /**
   * The lease now runs to {@code leaseExpiresAt}.
   *
   * @param inboxSeq newest waking event, so the wake can fold in what arrived meanwhile
   * @param enabled false once an operator disabled the agent: the wake should end
   */
  record Extended(OffsetDateTime leaseExpiresAt, long inboxSeq, boolean enabled)
      implements HeartbeatResult {}

  /** The wake was taken away (reaped): stop at once, write nothing more. */
  record LeaseLost() implements HeartbeatResult {}
}
