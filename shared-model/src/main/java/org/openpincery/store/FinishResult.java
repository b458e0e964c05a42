package org.openpincery.store;

/** The outcome of ending a maintenance pass. */
public sealed interface FinishResult {

  /** The agent is asleep; {@code pendingWork} says whether it should wake again at once. */
  record Finished(boolean pendingWork) implements FinishResult {}

  /** The pass no longer owned the agent: nothing was written. */
  record LeaseLost() implements FinishResult {}
}
