package org.openpincery.wake;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.openpincery.model.EventType;
import org.openpincery.model.StoredEvent;
import org.openpincery.reasoner.ToolCall;
import org.openpincery.reasoner.prompt.Turn;

/**
 * The committed steps of a wake that lost its lease, as turns of the wake that takes its work over.
 *
 * <p>{@code consumed_seq} moves only when a wake ends, so the input an interrupted wake was shown
 * is pending again and the next wake is shown it once more. Without the steps the interrupted wake
 * committed (a message sent, a timer set, a command run), the model would do them again; with them,
 * and a note saying that they happened, it goes on from where the other wake stopped. A tool call
 * whose result was never committed (the worker stopped while it ran) is shown with a result saying
 * so.
 */
final class InterruptedWake {

  /** A turn and the seq of the event it starts at, to place it among the inbox turns. */
  record Carried(long seq, Turn turn) {}

  static final String NOTE_LABEL = "[runtime note]";

  static final String NOTE =
      "An earlier wake of yours was interrupted (its worker stopped) while working on the input"
          + " above. The steps below are what it had done: they happened and their effects stand."
          + " Do not repeat them; go on from where it stopped.";

  static final String NO_RESULT =
      "no result was recorded: the wake stopped while this tool ran; it may or may not have taken"
          + " effect";

  private InterruptedWake() {}

  /**
   * Turns for the steps (oldest first): a note, then each assistant text, and each tool call with
   * its result as one exchange (with the text said just before it).
   */
  static List<Carried> turns(List<StoredEvent> steps) {
    List<Carried> turns = new ArrayList<>();
    if (steps.isEmpty()) {
      return turns;
    }
    turns.add(new Carried(steps.getFirst().seq(), new Turn.Inbound(NOTE_LABEL, NOTE)));
    Map<String, String> results = new LinkedHashMap<>();
    for (StoredEvent e : steps) {
      if (e.type().orElse(null) == EventType.TOOL_RESULT) {
        results.put(callId(e), e.toolOutput() == null ? "" : e.toolOutput());
      }
    }
    String text = null;
    long textSeq = 0;
    for (StoredEvent e : steps) {
      switch (e.type().orElse(EventType.ASSISTANT_MESSAGE)) {
        case ASSISTANT_MESSAGE -> {
          if (text != null) {
            turns.add(new Carried(textSeq, new Turn.AssistantText(text)));
          }
          text = e.content();
          textSeq = e.seq();
        }
        case TOOL_CALL -> {
          String id = callId(e);
          ToolCall call = new ToolCall(id, e.toolName(), arguments(e));
          turns.add(
              new Carried(
                  text == null ? e.seq() : textSeq,
                  new Turn.ToolExchange(
                      text, List.of(call), List.of(results.getOrDefault(id, NO_RESULT)))));
          text = null;
        }
        default -> {}
      }
    }
    if (text != null) {
      turns.add(new Carried(textSeq, new Turn.AssistantText(text)));
    }
    return turns;
  }

  private static String callId(StoredEvent e) {
    return e.payload() == null ? "" : e.payload().getString("call_id", "");
  }

  // Valid calls keep their arguments as JSON; invalid ones kept what the model wrote.
  private static String arguments(StoredEvent e) {
    if (e.toolInput() != null) {
      return e.toolInput().encode();
    }
    return e.payload() == null ? "{}" : e.payload().getString("raw_arguments", "{}");
  }
}
