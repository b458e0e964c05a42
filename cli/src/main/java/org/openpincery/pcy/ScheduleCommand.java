package org.openpincery.pcy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code pcy schedule add|list|rm}: recurring wake-ups (every N seconds, or cron in UTC). */
@Command(
    name = "schedule",
    description = "Recurring wake-ups of an agent; each firing is timer_fired with the note.",
    subcommands = {
      ScheduleCommand.Add.class,
      ScheduleCommand.ListSchedules.class,
      ScheduleCommand.Remove.class
    })
final class ScheduleCommand extends Base {

  private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*([smhd]?)");

  @Override
  void run() {
    throw PcyException.usage("schedule needs a command: add, list, rm");
  }

  /** Seconds in {@code 90}, {@code 90s}, {@code 15m}, {@code 2h}, {@code 1d}. */
  static long seconds(String text) {
    Matcher m = DURATION.matcher(text.strip());
    if (!m.matches()) {
      throw PcyException.usage("'" + text + "' is not a duration (like 30s, 15m, 2h, 1d)");
    }
    long n = Long.parseLong(m.group(1));
    return switch (m.group(2)) {
      case "m" -> n * 60;
      case "h" -> n * 3600;
      case "d" -> n * 86400;
      default -> n;
    };
  }

  static final class When {
    @Option(
        names = "--every",
        paramLabel = "DURATION",
        required = true,
        description = "Like 30s, 15m, 2h, 1d.")
    String every;

    @Option(
        names = "--cron",
        paramLabel = "EXPR",
        required = true,
        description = "Five fields, UTC: minute hour day-of-month month day-of-week.")
    String cron;
  }

  @Command(name = "add", description = "Add a schedule: --every DURATION or --cron EXPR.")
  static final class Add extends Base {
    @Parameters(paramLabel = "AGENT")
    String agent;

    @ArgGroup(exclusive = true, multiplicity = "1")
    When when;

    @Option(names = "--note", description = "What the agent reads when it fires ([timer: note]).")
    String note;

    @Override
    void run() {
      Api api = session();
      ObjectNode body = Json.object();
      if (when.every != null) {
        long s = seconds(when.every);
        if (s > Integer.MAX_VALUE) {
          throw PcyException.usage("--every is too long");
        }
        body.put("every_seconds", (int) s);
      } else {
        body.put("cron", when.cron);
      }
      if (note != null) {
        body.put("note", note);
      }
      JsonNode s = api.post("/api/agents/" + agents(api).id(agent) + "/schedules", body);
      if (out().json()) {
        out().json(s);
      } else {
        out()
            .line(
                "schedule "
                    + Json.text(s, "id")
                    + " added; first at "
                    + Json.text(s, "next_fire_at"));
      }
    }
  }

  @Command(name = "list", description = "An agent's live schedules.")
  static final class ListSchedules extends Base {
    @Parameters(paramLabel = "AGENT")
    String agent;

    @Override
    void run() {
      Api api = session();
      JsonNode r = api.get("/api/agents/" + agents(api).id(agent) + "/schedules");
      if (out().json()) {
        out().json(r);
        return;
      }
      List<List<String>> rows = new ArrayList<>();
      for (JsonNode s : r.path("schedules")) {
        String when =
            s.hasNonNull("every_seconds")
                ? "every " + s.get("every_seconds").asText() + "s"
                : "cron " + Json.text(s, "cron");
        rows.add(
            List.of(Json.text(s, "id"), when, Json.text(s, "next_fire_at"), Json.text(s, "note")));
      }
      out().table(List.of("ID", "WHEN", "NEXT", "NOTE"), rows);
    }
  }

  @Command(name = "rm", description = "Stop a schedule for good.")
  static final class Remove extends Base {
    @Parameters(index = "0", paramLabel = "AGENT")
    String agent;

    @Parameters(index = "1", paramLabel = "SCHEDULE_ID")
    String schedule;

    @Override
    void run() {
      Api api = session();
      api.delete("/api/agents/" + agents(api).id(agent) + "/schedules/" + schedule);
      if (out().json()) {
        out().json(Json.object().put("id", schedule).put("deleted", true));
      } else {
        out().line("schedule " + schedule + " removed");
      }
    }
  }
}
