package org.openpincery.wake.tools;

import java.util.List;
import org.openpincery.store.WakeRepository.StepEvent;

/**
 * What a tool did.
 *
 * @param output the text the model sees as the tool's result
 * @param ok false when the tool refused or failed (the model sees why in {@code output})
 * @param events rows written with the step, in its transaction (a message to another agent)
 * @param endsWake the tool asked to end the wake ({@code sleep})
 * @param leaseLost a fenced write of the tool found the wake taken away
 */
public record ToolOutcome(
    String output, boolean ok, List<StepEvent> events, boolean endsWake, boolean leaseLost) {

  public ToolOutcome {
    events = List.copyOf(events);
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
}
