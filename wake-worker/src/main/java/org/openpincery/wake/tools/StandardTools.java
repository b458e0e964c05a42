package org.openpincery.wake.tools;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.openpincery.model.Capability;
import org.openpincery.model.EventType;
import org.openpincery.model.NewEvent;
import org.openpincery.store.TimerRepository;
import org.openpincery.store.WakeRepository;
import org.openpincery.store.WakeRepository.StepEvent;

/**
 * The tools every wake has: {@code sleep}, {@code send_message}, {@code set_timer}, {@code
 * cancel_timer}, {@code list_timers}, {@code list_credentials}, and the memory tools {@code
 * search_memory} and {@code remember} ({@link MemoryTools}). Their schemas live in the reasoner's
 * {@code ToolCatalog}; arguments reach {@link ToolExecutor#run} already validated. The ones that
 * only read are {@code read_local}; the ones that change the agent's timers or memory or message an
 * agent of its workspace are {@code write_local} (docs/supervision.md).
 */
public final class StandardTools {

  private static final Capability READ_LOCAL = Capability.READ_LOCAL;
  private static final Capability WRITE_LOCAL = Capability.WRITE_LOCAL;

  /** The furthest ahead a timer may be set (the {@code in_seconds} maximum of its schema). */
  static final Duration MAX_TIMER_DELAY = Duration.ofDays(365);

  private StandardTools() {}

  public static List<ToolExecutor> all() {
    List<ToolExecutor> all = new ArrayList<>(basic());
    all.addAll(MemoryTools.all());
    return List.copyOf(all);
  }

  private static List<ToolExecutor> basic() {
    return List.of(
        tool(
            "sleep",
            READ_LOCAL,
            (scope, args) -> new ToolOutcome("sleeping", true, List.of(), true, false)),
        tool("send_message", WRITE_LOCAL, StandardTools::sendMessage),
        tool("set_timer", WRITE_LOCAL, StandardTools::setTimer),
        tool("cancel_timer", WRITE_LOCAL, StandardTools::cancelTimer),
        tool("list_timers", READ_LOCAL, StandardTools::listTimers),
        tool(
            "list_credentials",
            READ_LOCAL,
            (scope, args) ->
                ToolOutcome.ok(
                    new JsonArray(
                            List.<Object>copyOf(
                                scope.store().wakes().credentialNames(scope.workspaceId()).await()))
                        .encode())));
  }

  interface Body {
    ToolOutcome run(ToolScope scope, JsonObject args);
  }

  static ToolExecutor tool(String name, Capability capability, Body body) {
    return new ToolExecutor() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public Capability capability() {
        return capability;
      }

      @Override
      public ToolOutcome run(ToolScope scope, JsonObject arguments) {
        return body.run(scope, arguments);
      }
    };
  }

  // The recipient's agent_message_received and the sender's message_sent are written in the
  // step's transaction: either both are in the logs or neither.
  private static ToolOutcome sendMessage(ToolScope scope, JsonObject args) {
    String to = args.getString("to");
    String content = args.getString("content");
    var found = scope.store().wakes().findInWorkspace(scope.workspaceId(), to).await();
    if (found.isEmpty()) {
      return ToolOutcome.error("there is no agent '" + to + "' in your workspace");
    }
    WakeRepository.AgentRef recipient = found.get();
    if (recipient.id().equals(scope.agentId())) {
      return ToolOutcome.error("you cannot send a message to yourself");
    }
    NewEvent received =
        NewEvent.of(EventType.AGENT_MESSAGE_RECEIVED, scope.agentName(), content)
            .withPayload(
                new JsonObject()
                    .put("from_agent_id", scope.agentId().toString())
                    .put("from_agent_name", scope.agentName()));
    NewEvent sent =
        NewEvent.of(EventType.MESSAGE_SENT, "agent", content)
            .withPayload(
                new JsonObject()
                    .put("to_agent_id", recipient.id().toString())
                    .put("to_agent_name", recipient.name()));
    return new ToolOutcome(
        "sent to " + recipient.name() + " (" + recipient.id() + ")",
        true,
        List.of(new StepEvent(recipient.id(), received), StepEvent.own(sent)),
        false,
        false);
  }

  private static ToolOutcome setTimer(ToolScope scope, JsonObject args) {
    OffsetDateTime now = OffsetDateTime.now(scope.clock()).withOffsetSameInstant(ZoneOffset.UTC);
    OffsetDateTime due;
    if (args.containsKey("in_seconds")) {
      due = now.plusSeconds(args.getLong("in_seconds"));
    } else {
      try {
        due = OffsetDateTime.parse(args.getString("at")).withOffsetSameInstant(ZoneOffset.UTC);
      } catch (DateTimeParseException e) {
        return ToolOutcome.error("'at' must be an RFC 3339 time such as 2026-01-31T09:00:00Z");
      }
      if (!due.isAfter(now)) {
        return ToolOutcome.error("'at' is in the past (now is " + now + ")");
      }
      if (due.isAfter(now.plus(MAX_TIMER_DELAY))) {
        return ToolOutcome.error("'at' is more than a year ahead");
      }
    }
    // Committed with the step that records this call, never on its own (issue: a timer that
    // outlived its step): the id is ours, so the model can be told it now.
    UUID id = UUID.randomUUID();
    due = due.truncatedTo(ChronoUnit.MICROS); // as PostgreSQL keeps it
    return ToolOutcome.okWithTimer(
        new JsonObject().put("id", id.toString()).put("due_at", due.toString()).encode(),
        new WakeRepository.TimerChange.Set(id, due, args.getString("note", "")));
  }

  private static ToolOutcome cancelTimer(ToolScope scope, JsonObject args) {
    UUID id;
    try {
      id = UUID.fromString(args.getString("id"));
    } catch (IllegalArgumentException e) {
      return ToolOutcome.error("'id' must be a timer id as list_timers shows it");
    }
    boolean pending =
        scope.store().timers().pending(scope.agentId()).await().stream()
            .anyMatch(t -> t.id().equals(id));
    return pending
        ? ToolOutcome.okWithTimer(
            "cancelled timer " + id + " (with this step)",
            new WakeRepository.TimerChange.Cancel(id))
        : ToolOutcome.error("you have no pending timer " + id);
  }

  private static ToolOutcome listTimers(ToolScope scope, JsonObject args) {
    JsonArray timers = new JsonArray();
    for (TimerRepository.Timer t : scope.store().timers().pending(scope.agentId()).await()) {
      timers.add(
          new JsonObject()
              .put("id", t.id().toString())
              .put("due_at", t.dueAt().withOffsetSameInstant(ZoneOffset.UTC).toString())
              .put("note", t.note()));
    }
    return ToolOutcome.ok(timers.encode());
  }
}
