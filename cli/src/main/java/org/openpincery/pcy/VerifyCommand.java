package org.openpincery.pcy;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code pcy verify AGENT}: recomputes the agent's hash chain on the server; exit 1 when broken.
 */
@Command(
    name = "verify",
    description = "Check an agent's event hash chain; exit 1 when it is broken.")
final class VerifyCommand extends Base {
  @Parameters(paramLabel = "AGENT")
  String agent;

  @Override
  void run() {
    Api api = session();
    JsonNode r = api.get("/api/agents/" + agents(api).id(agent) + "/events/verify");
    boolean valid = r.path("valid").asBoolean(false);
    if (out().json()) {
      out().json(r);
    } else if (valid) {
      out()
          .line(
              out().green("chain valid")
                  + ": "
                  + Json.text(r, "events_checked")
                  + " events checked");
    }
    if (!valid) {
      throw PcyException.failure(
          "chain broken at seq " + Json.text(r, "first_bad_seq") + ": " + Json.text(r, "problem"));
    }
  }
}
