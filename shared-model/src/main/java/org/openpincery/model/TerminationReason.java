package org.openpincery.model;

/** Why a wake ended. Every wake ends with exactly one. */
public enum TerminationReason {
  SLEEP("sleep"),
  COMPLETED("completed"),
  ITERATION_CAP("iteration_cap"),
  TOOL_CALL_CAP("tool_call_cap"),
  /**
   * One tool was called more times in the wake than its per-wake limit ({@code TOOL_CALL_LIMITS});
   * the {@code wake_end} payload names the tool and the limit.
   */
  TOOL_CALL_LIMIT("tool_call_limit"),
  /**
   * A gated call waits for a person's decision; the wake released the agent. The {@code wake_end}
   * payload lists the approval ids.
   */
  AWAITING_APPROVAL("awaiting_approval"),
  /** A person said "stop" (semantic stop): the wake finished its step and the agent sleeps. */
  STOPPED("stopped"),
  /**
   * {@code TRUNCATED_ANSWER_CAP} text answers of one wake were cut short: a {@code finish_reason}
   * other than {@code stop} ({@code length}, {@code content_filter}, …) without tool calls.
   */
  TRUNCATED_ANSWER_CAP("truncated_answer_cap"),
  BUDGET_EXHAUSTED("budget_exhausted"),
  LLM_ERROR("llm_error"),
  PROMPT_INJECTION_SUSPECTED("prompt_injection_suspected"),
  DISABLED("disabled"),
  LEASE_LOST("lease_lost"),
  SHUTDOWN("shutdown");

  private final String wire;

  TerminationReason(String wire) {
    this.wire = wire;
  }

  public String wire() {
    return wire;
  }

  @Override
  public String toString() {
    return wire;
  }
}
