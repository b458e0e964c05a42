package org.openpincery.model;

import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Every kind of event in an agent's log, with its stable wire name. Events are past-tense facts.
 *
 * <p>{@link #waking()} mirrors the SQL function {@code pincery_is_waking}; a test keeps the two in
 * step. Code that must handle every type switches over this enum without a default branch, so a new
 * type fails compilation where it must be handled.
 */
public enum EventType {
  // Input from outside the agent: these wake it.
  MESSAGE_RECEIVED("message_received", true),
  WEBHOOK_RECEIVED("webhook_received", true),
  AGENT_MESSAGE_RECEIVED("agent_message_received", true),
  TIMER_FIRED("timer_fired", true),
  // An operator approved or denied a gated tool call, or its request expired: the agent's next
  // wake settles it (runs the approved call once, or answers the denial to the model).
  APPROVAL_DECIDED("approval_decided", true),

  // The lifecycle.
  WAKE_START("wake_start", false),
  WAKE_END("wake_end", false),
  WAKE_ABANDONED("wake_abandoned", false),
  MAINTENANCE_COMPLETED("maintenance_completed", false),
  MAINTENANCE_FAILED("maintenance_failed", false),
  // The worker of a maintenance pass stopped heartbeating: the pass went back to the queue.
  MAINTENANCE_REQUEUED("maintenance_requeued", false),

  // The agent's own acts: never wake it.
  ASSISTANT_MESSAGE("assistant_message", false),
  TOOL_CALL("tool_call", false),
  TOOL_RESULT("tool_result", false),
  MESSAGE_SENT("message_sent", false),
  // A shell call named a credential that is unknown or revoked: the call did not run.
  CREDENTIAL_UNRESOLVED("credential_unresolved", false),
  // Supervision (docs/supervision.md): a call its capability class does not allow in the agent's
  // permission mode (answered to the model, nothing ran), and a call waiting for an approval.
  TOOL_CAPABILITY_DENIED("tool_capability_denied", false),
  APPROVAL_REQUESTED("approval_requested", false),
  // A fact the agent chose to keep (the remember tool, docs/memory.md): content is the text,
  // payload.tags its tags. Indexed for search like everything it lived through.
  MEMORY_REMEMBERED("memory_remembered", false),

  // Operator acts.
  AGENT_CREATED("agent_created", false),
  AGENT_UPDATED("agent_updated", false);

  private static final Map<String, EventType> BY_WIRE =
      Arrays.stream(values())
          .collect(Collectors.toUnmodifiableMap(t -> t.wire, Function.identity()));

  private final String wire;
  private final boolean waking;

  EventType(String wire, boolean waking) {
    this.wire = wire;
    this.waking = waking;
  }

  /** The name stored in {@code events.event_type} and shown by the API. */
  public String wire() {
    return wire;
  }

  /** Whether appending this event makes the agent's work pending. */
  public boolean waking() {
    return waking;
  }

  public static Optional<EventType> fromWire(String wire) {
    return Optional.ofNullable(BY_WIRE.get(wire));
  }

  @Override
  public String toString() {
    return wire;
  }
}
