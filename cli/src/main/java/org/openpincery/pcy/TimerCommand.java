package org.openpincery.pcy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code pcy timer add|rm}: an operator's one-off timer on an agent, and cancelling any pending
 * timer ({@code pcy timers AGENT} lists them).
 */
@Command(
    name = "timer",
    description =
        "One-off timers: add one (it fires once as timer_fired with the note), or cancel one.",
    subcommands = {TimerCommand.Add.class, TimerCommand.Remove.class})
final class TimerCommand extends Base {

  @Override
  void run() {
    throw PcyException.usage("timer needs a command: add, rm (pcy timers AGENT lists them)");
  }

  @Command(name = "add", description = "Set a timer that fires once, --in DURATION from now.")
  static final class Add extends Base {
    @Parameters(paramLabel = "AGENT")
    String agent;

    @Option(
        names = "--in",
        paramLabel = "DURATION",
        required = true,
        description = "Like 90s, 15m, 2h, 1d (at most a year).")
    String in;

    @Option(names = "--note", description = "What the agent reads when it fires ([timer: note]).")
    String note;

    @Override
    void run() {
      long seconds = ScheduleCommand.seconds(in);
      if (seconds < 1 || seconds > 365L * 86_400) {
        throw PcyException.usage("--in must be from 1s to a year");
      }
      Api api = session();
      ObjectNode body = Json.object().put("in_seconds", (int) seconds);
      if (note != null) {
        body.put("note", note);
      }
      JsonNode t = api.post("/api/agents/" + agents(api).id(agent) + "/timers", body);
      if (out().json()) {
        out().json(t);
      } else {
        out().line("timer " + Json.text(t, "id") + " set; fires at " + Json.text(t, "fire_at"));
      }
    }
  }

  @Command(name = "rm", description = "Cancel a pending timer (the agent's own or an operator's).")
  static final class Remove extends Base {
    @Parameters(index = "0", paramLabel = "AGENT")
    String agent;

    @Parameters(index = "1", paramLabel = "TIMER_ID")
    String timer;

    @Override
    void run() {
      Api api = session();
      api.delete("/api/agents/" + agents(api).id(agent) + "/timers/" + timer);
      if (out().json()) {
        out().json(Json.object().put("id", timer).put("cancelled", true));
      } else {
        out().line("timer " + timer + " cancelled");
      }
    }
  }
}
