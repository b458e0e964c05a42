package org.openpincery.store;

/** The outcome of ending a wake. */
public sealed interface EndWakeResult {

  /** {@code wake_end} is at {@code seq}; the agent is in maintenance. */
  record Ended(long seq, long consumedSeq) implements EndWakeResult {}

  /** The wake no longer owned the agent: nothing was written. */
  record LeaseLost() implements EndWakeResult {}
}
