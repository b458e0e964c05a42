package org.openpincery.model;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * What an outbound notification is about (ISSUE17 contract; docs/api.md, "Notifications"). The wire
 * name is the Standard Webhooks {@code type} of the payload.
 */
public enum NotificationKind {
  /** An agent's gated tool call waits for a person (event {@code approval_requested}). */
  APPROVAL_REQUESTED("approval.requested"),
  /**
   * A wake failed: it ended with {@code llm_error} or {@code prompt_injection_suspected}, or its
   * lease ran out ({@code wake_abandoned}).
   */
  WAKE_FAILED("wake.failed"),
  /** A wake ended because the agent's budget is spent ({@code budget_exhausted}). */
  BUDGET_EXHAUSTED("budget.exhausted"),
  /** A person told the agent to stop (a message whose control is {@code stop}). */
  AGENT_STOPPED("agent.stopped"),
  /** The chain checker found an agent's event chain or a workspace's audit chain broken. */
  CHAIN_BROKEN("chain.broken");

  /** The kind of a test notification (sent on request to one subscription; not subscribable). */
  public static final String TEST = "notification.test";

  private final String wire;

  NotificationKind(String wire) {
    this.wire = wire;
  }

  public String wire() {
    return wire;
  }

  public static Optional<NotificationKind> fromWire(String wire) {
    return Arrays.stream(values()).filter(k -> k.wire.equals(wire)).findFirst();
  }

  /** Every wire name, in declaration order. */
  public static List<String> wireNames() {
    return Arrays.stream(values()).map(NotificationKind::wire).toList();
  }
}
