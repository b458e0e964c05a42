package org.openpincery.wake.tools;

import io.vertx.core.json.JsonObject;
import java.util.List;
import org.openpincery.store.WakeRepository.StepEvent;
import org.openpincery.store.WakeRepository.TimerChange;

/**
 * What a tool did.
 *
 * @param output the text the model sees as the tool's result
 * @param ok false when the tool refused or failed (the model sees why in {@code output})
 * @param events rows written with the step, in its transaction (a message to another agent)
 * @param endsWake the tool asked to end the wake ({@code sleep})
 * @param leaseLost a fenced write of the tool found the wake taken away
 * @param detail facts for the {@code tool_result} event's payload (sandbox, exit code, duration)
 * @param timers timers set or cancelled, committed with the step (never before it)
 */
public record ToolOutcome(
    String output,
    boolean ok,
    List<StepEvent> events,
    boolean endsWake,
    boolean leaseLost,
    JsonObject detail,
    List<TimerChange> timers) {

  public ToolOutcome {
    events = List.copyOf(events);
    detail = detail == null ? new JsonObject() : detail;
    timers = List.copyOf(timers);
  }

  public ToolOutcome(
      String output, boolean ok, List<StepEvent> events, boolean endsWake, boolean leaseLost) {
    this(output, ok, events, endsWake, leaseLost, null, List.of());
  }

  public ToolOutcome(
      String output,
      boolean ok,
      List<StepEvent> events,
      boolean endsWake,
      boolean leaseLost,
      JsonObject detail) {
    this(output, ok, events, endsWake, leaseLost, detail, List.of());
  }

  /** A successful result whose timer change is committed with the step. */
  public static ToolOutcome okWithTimer(String output, TimerChange change) {
    return new ToolOutcome(output, true, List.of(), false, false, null, List.of(change));
  }

  public static ToolOutcome ok(String output) {
    return new ToolOutcome(output, true, List.of(), false, false);
  }

  public static ToolOutcome error(String output) {
    return new ToolOutcome("error: " + output, false, List.of(), false, false);
  }

  public static ToolOutcome lost() {
    return new ToolOutcome(
        "error: the wake no longer owns the agent", false, List.of(), false, true);
  }

  /** The same outcome with facts for the event's payload. */
  public ToolOutcome withDetail(JsonObject more) {
    return new ToolOutcome(
        output, ok, events, endsWake, leaseLost, detail.copy().mergeIn(more), timers);
  }
}
