package org.openpincery.wake;

import io.vertx.core.json.JsonObject;
import java.time.OffsetDateTime;
import java.util.UUID;
import org.openpincery.model.Capability;
import org.openpincery.model.EventType;
import org.openpincery.model.NewEvent;
import org.openpincery.model.PermissionMode;
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
      case APPROVAL_DECIDED -> new Turn.Inbound("[approval decision]", decision(e, payload));
      default -> new Turn.Inbound("[message from person]", text);
    };
  }

  // What a person decided about a gated call, in words (the note is theirs: untrusted text).
  private static String decision(StoredEvent e, JsonObject payload) {
    String call = e.toolName() + " (call " + payload.getString("call_id", "?") + ")";
    String said =
        switch (payload.getString("decision", "")) {
          case "approved" -> "An operator approved your call of " + call + ".";
          case "denied" -> "An operator denied your call of " + call + ". It did not run.";
          default ->
              "Nobody decided on your call of "
                  + call
                  + " before its request expired. It did not run.";
        };
    return e.content() == null || e.content().isBlank()
        ? said
        : said + " Their note: " + e.content();
  }

  /**
   * The {@code tool_call} event of a call: its arguments when valid ({@code shown}: with the
   * workspace's secrets redacted), else what the model wrote.
   */
  static NewEvent toolCall(ToolCall call, ToolCatalog.Validation validation, JsonObject shown) {
    JsonObject input = validation instanceof ToolCatalog.Validation.Valid ? shown : null;
    JsonObject payload = new JsonObject().put("call_id", call.id());
    if (input == null) {
      payload.put("raw_arguments", call.arguments());
    }
    return new NewEvent(
        EventType.TOOL_CALL, "agent", null, call.name(), input, null, null, payload);
  }

  /**
   * The {@code tool_capability_denied} event of a call the agent's permission mode refused: nothing
   * ran.
   */
  static NewEvent capabilityDenied(ToolCall call, Capability capability, PermissionMode mode) {
    return new NewEvent(
        EventType.TOOL_CAPABILITY_DENIED,
        "runtime",
        null,
        call.name(),
        null,
        null,
        null,
        new JsonObject()
            .put("call_id", call.id())
            .put("tool", call.name())
            .put("capability", capability.wire())
            .put("permission_mode", mode.wire()));
  }

  /**
   * The {@code approval_requested} event of a gated call: who may decide, until when, and its
   * arguments as shown to people ({@code shownArguments}: secrets redacted).
   */
  static NewEvent approvalRequested(
      ToolCall call,
      UUID approvalId,
      Capability capability,
      JsonObject shownArguments,
      OffsetDateTime expiresAt) {
    return new NewEvent(
        EventType.APPROVAL_REQUESTED,
        "runtime",
        null,
        call.name(),
        null,
        null,
        null,
        new JsonObject()
            .put("approval_id", approvalId.toString())
            .put("call_id", call.id())
            .put("tool", call.name())
            .put("capability", capability.wire())
            .put("arguments", shownArguments)
            .put("expires_at", expiresAt.toString())
            .put("approvers", "operator"));
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
