package org.openpincery.pcy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code pcy timers AGENT}: the one-off timers the agent set for itself that are still pending. */
@Command(
    name = "timers",
    description =
        "An agent's pending timers (its own set_timer calls and operators'), soonest first.")
final class TimersCommand extends Base {
  @Parameters(paramLabel = "AGENT")
  String agent;

  @Override
  void run() {
    Api api = session();
    JsonNode r = api.get("/api/agents/" + agents(api).id(agent) + "/timers");
    if (out().json()) {
      out().json(r);
      return;
    }
    List<List<String>> rows = new ArrayList<>();
    for (JsonNode t : r.path("timers")) {
      rows.add(List.of(Json.text(t, "id"), Json.text(t, "fire_at"), Json.text(t, "note")));
    }
    out().table(List.of("ID", "FIRES AT", "NOTE"), rows);
  }
}
