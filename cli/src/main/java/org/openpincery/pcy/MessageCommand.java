package org.openpincery.pcy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code pcy message AGENT TEXT [--wait]}: sends a message (202 once it is durable); with {@code
 * --wait}, follows the event stream until the wake that consumed it ends and prints that wake's
 * reply.
 */
@Command(
    name = "message",
    description = {
      "Send an agent a message (--wait: and print its reply).",
      "--wait blocks until the wake that read the message ends and prints its reply",
      "(exit 1 on --timeout, or when that wake ended without a reply)."
    })
final class MessageCommand extends Base {
  @Parameters(index = "0", paramLabel = "AGENT")
  String agent;

  @Parameters(
      index = "1..*",
      arity = "1..*",
      paramLabel = "TEXT",
      description = "The message (words are joined).")
  List<String> words;

  @Option(
      names = {"-w", "--wait"},
      description = "Wait for the reply and print it.")
  boolean waitForReply;

  @Option(
      names = "--timeout",
      paramLabel = "DURATION",
      defaultValue = "120s",
      description = "How long --wait waits (like 30s, 5m; default ${DEFAULT-VALUE}).")
  String timeout;

  @Override
  void run() {
    Api api = session();
    String id = agents(api).id(agent);
    Duration limit = Duration.ofSeconds(ScheduleCommand.seconds(timeout));
    JsonNode sent =
        api.post(
            "/api/agents/" + id + "/messages",
            Json.object().put("content", String.join(" ", words)));
    long seq = sent.path("seq").asLong();
    if (!waitForReply) {
      if (out().json()) {
        out().json(sent);
      } else {
        out().line("sent (seq " + seq + ")");
      }
      return;
    }
    Reply reply = awaitReply(api, id, seq, Instant.now().plus(limit), msg -> {});
    if (out().json()) {
      ObjectNode shown = Json.object();
      shown.put("agent_id", id);
      shown.put("seq", seq);
      shown.put("wake_id", reply.wakeId());
      shown.put("termination_reason", reply.reason());
      shown.put("reply", reply.text());
      out().json(shown);
    } else {
      out().line(reply.text());
    }
  }

  /** The reply to a message: the assistant messages of the wake that read it, and how it ended. */
  record Reply(String wakeId, String text, String reason) {}

  /**
   * Follows the stream after the message's seq until a {@code wake_end} whose {@code
   * payload.seen_seq} covers it (that wake read the message) and returns that wake's assistant
   * messages written after the message. A wake that ended without seeing it (it was running when
   * the message came) is passed over. Exit 1 at the deadline, or when the wake has no reply.
   */
  static Reply awaitReply(
      Api api,
      String agentId,
      long seq,
      Instant deadline,
      java.util.function.Consumer<JsonNode> progress) {
    Map<String, List<String>> answers = new HashMap<>();
    Reply[] found = new Reply[1];
    boolean ended =
        new EventFollower(api, agentId, seq, msg -> {})
            .follow(
                e -> {
                  progress.accept(e);
                  String type = Json.text(e, "event_type");
                  String wake = Json.text(e, "wake_id");
                  if (type.equals("assistant_message")) {
                    answers
                        .computeIfAbsent(wake, w -> new ArrayList<>())
                        .add(Json.text(e, "content"));
                  } else if (type.equals("wake_end")
                      && e.path("payload").path("seen_seq").asLong(0) >= seq) {
                    List<String> said = answers.getOrDefault(wake, List.of());
                    found[0] =
                        new Reply(
                            wake, String.join("\n", said), Json.text(e, "termination_reason"));
                    return false;
                  }
                  return true;
                },
                deadline);
    if (!ended || found[0] == null) {
      throw PcyException.failure(
          "no reply within the timeout (the message is kept; pcy events shows what happens)");
    }
    if (found[0].text().isEmpty()) {
      String reason = found[0].reason();
      String hint =
          switch (reason == null ? "" : reason) {
            case "awaiting_approval" ->
                ": a call of the agent waits for a person ('pcy approvals' lists it)";
            case "stopped" -> ": the agent is stopped ('pcy carry-on' resumes it)";
            default -> "";
          };
      throw PcyException.failure(
          "the wake that read the message ended (" + reason + ") without a reply" + hint);
    }
    return found[0];
  }
}
