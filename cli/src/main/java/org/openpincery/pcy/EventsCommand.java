package org.openpincery.pcy;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code pcy events AGENT}: a page of the event log (the newest, or after a seq), and with {@code
 * --follow} the live stream after it. One line per event on a terminal; JSON when piped (the API's
 * page, or one event per line while following).
 */
@Command(
    name = "events",
    description = {
      "An agent's event log (--follow: live).",
      "The newest page, or the events after --after-seq; --follow then stays on the live",
      "stream, reconnecting after a dropped connection without losing or repeating events."
    })
final class EventsCommand extends Base {
  @Parameters(paramLabel = "AGENT")
  String agent;

  @Option(
      names = "--after-seq",
      paramLabel = "N",
      description = "Events after seq N (oldest first).")
  Long afterSeq;

  @Option(names = "--limit", paramLabel = "N", description = "Page size (1-1000, default 100).")
  Integer limit;

  @Option(
      names = {"-f", "--follow"},
      description = "Then follow the live stream (Ctrl-C ends it).")
  boolean follow;

  @Option(
      names = "--count",
      paramLabel = "N",
      description =
          "With --follow: stop after N events from the stream (e.g. 1: wait for the next).")
  Integer count;

  @Override
  void run() {
    Api api = session();
    String id = agents(api).id(agent);
    Output o = out();
    if (count != null && (count < 1 || !follow)) {
      throw PcyException.usage("--count needs --follow and must be at least 1");
    }
    int[] left = {count == null ? -1 : count};
    long last;
    if (follow && afterSeq != null) {
      // The stream itself replays everything after the cursor.
      last = afterSeq;
    } else {
      StringBuilder query = new StringBuilder();
      if (afterSeq != null) {
        query.append("&after_seq=").append(afterSeq);
      }
      if (limit != null) {
        query.append("&limit=").append(limit);
      }
      JsonNode page =
          api.get(
              "/api/agents/" + id + "/events" + (query.isEmpty() ? "" : "?" + query.substring(1)));
      last = afterSeq == null ? 0 : afterSeq;
      if (o.json() && !follow) {
        o.json(page);
        return;
      }
      for (JsonNode e : page.path("events")) {
        print(o, e);
        last = Math.max(last, e.path("seq").asLong());
        if (--left[0] == 0) {
          return;
        }
      }
      if (!follow) {
        return;
      }
    }
    new EventFollower(api, id, last, msg -> io().err().println("pcy: " + msg))
        .follow(
            e -> {
              print(o, e);
              return --left[0] != 0;
            },
            null);
  }

  /** One event: JSON on one line, or {@code seq time type text} for a person. */
  static void print(Output o, JsonNode e) {
    if (o.json()) {
      o.jsonLine(e);
      return;
    }
    String type = Json.text(e, "event_type");
    String time = Json.text(e, "created_at");
    if (time.length() >= 19) {
      time = time.substring(11, 19);
    }
    String coloured =
        switch (type) {
          case "message_received", "webhook_received", "agent_message_received", "timer_fired" ->
              o.cyan(type);
          case "assistant_message" -> o.green(type);
          case "wake_end", "wake_abandoned", "maintenance_failed", "credential_unresolved" ->
              o.yellow(type);
          default -> type;
        };
    o.line(
        o.dim(String.format("%5s %s", "#" + Json.text(e, "seq"), time))
            + " "
            + coloured
            + " "
            + summary(e));
  }

  static String summary(JsonNode e) {
    String text;
    if (e.hasNonNull("termination_reason")) {
      text = e.get("termination_reason").asText();
    } else if (e.hasNonNull("tool_name")) {
      String input = e.hasNonNull("tool_input") ? Json.compact(e.get("tool_input")) : "";
      String output = Json.text(e, "tool_output");
      text = e.get("tool_name").asText() + " " + (output.isEmpty() ? input : output);
    } else {
      text = Json.text(e, "content");
    }
    if (e.hasNonNull("source") && Json.text(e, "event_type").endsWith("_received")) {
      text = "[" + e.get("source").asText() + "] " + text;
    }
    text = text.replace('\n', ' ');
    return text.length() > 240 ? text.substring(0, 239) + "…" : text;
  }
}
