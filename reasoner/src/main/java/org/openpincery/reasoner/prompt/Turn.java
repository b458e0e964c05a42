package org.openpincery.reasoner.prompt;

import java.util.List;
import org.openpincery.reasoner.ToolCall;

/** One piece of a wake's conversation, oldest first. */
public sealed interface Turn {

  /**
   * Input from outside the agent: untrusted, shown with a label such as {@code [message from
   * person]}, {@code [webhook from github]}, {@code [message from agent planner]}, {@code [timer:
   * daily report]}.
   */
  record Inbound(String label, String text) implements Turn {}

  /** Text the model said. */
  record AssistantText(String text) implements Turn {}

  /**
   * Tool calls and their results. Kept whole: a call is never shown without its result, nor a
   * result without its call.
   */
  record ToolExchange(String text, List<ToolCall> calls, List<String> results) implements Turn {
    public ToolExchange {
      if (calls.size() != results.size()) {
        throw new IllegalArgumentException("one result per call");
      }
      calls = List.copyOf(calls);
      results = List.copyOf(results);
    }
  }
}
