package org.openpincery.wake;

import io.vertx.core.json.JsonObject;
import org.openpincery.model.EventType;
import org.openpincery.model.NewEvent;
import org.openpincery.model.StoredEvent;
import org.openpincery.reasoner.ToolCall;
import org.openpincery.reasoner.prompt.Turn;
import org.openpincery.reasoner.tools.ToolCatalog;
import org.openpincery.wake.tools.ToolOutcome;

/** How a wake's events and the model's turns map onto each other. */
final class WakeEvents {

  private WakeEvents() {}

  /** An inbox event as the model sees it: a label saying where it came from, and its text. */
  static Turn.Inbound inbound(StoredEvent e) {
    JsonObject payload = e.payload() == null ? new JsonObject() : e.payload();
    // A webhook's JSON body is kept as JSON in the payload; the model sees the body itself.
    Object body = payload.getValue("body");
    String text =
        e.content() != null
            ? e.content()
            : body != null ? io.vertx.core.json.Json.encode(body) : payload.encode();
    return switch (e.type().orElse(EventType.MESSAGE_RECEIVED)) {
      case WEBHOOK_RECEIVED -> new Turn.Inbound("[webhook from " + e.source() + "]", text);
      case AGENT_MESSAGE_RECEIVED ->
          new Turn.Inbound("[message from agent " + e.source() + "]", e.content());
      case TIMER_FIRED ->
          new Turn.Inbound(
              "[timer: " + (e.content() == null ? "" : e.content()) + "]",
              "due at " + payload.getString("due_at", "?"));
      default -> new Turn.Inbound("[message from person]", text);
    };
  }

  /** The {@code tool_call} event of a call: its arguments when valid, else what the model wrote. */
  static NewEvent toolCall(ToolCall call, ToolCatalog.Validation validation) {
    JsonObject input = validation instanceof ToolCatalog.Validation.Valid v ? v.arguments() : null;
    JsonObject payload = new JsonObject().put("call_id", call.id());
    if (input == null) {
      payload.put("raw_arguments", call.arguments());
    }
    return new NewEvent(
        EventType.TOOL_CALL, "agent", null, call.name(), input, null, null, payload);
  }

  /** The {@code tool_result} event of a call, with its call id and whether it succeeded. */
  static NewEvent toolResult(ToolCall call, ToolOutcome result) {
    return new NewEvent(
        EventType.TOOL_RESULT,
        "runtime",
        null,
        call.name(),
        null,
        result.output(),
        null,
        result.detail().copy().put("call_id", call.id()).put("ok", result.ok()));
  }
}
