package org.openpincery.pcy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code pcy stop AGENT} and {@code pcy carry-on AGENT}: the semantic stop (docs/api.md,
 * Supervision). Each sends the agent an ordinary message ("stop", "carry on"), which the gateway
 * classifies as a control message; the store then stops the agent (it finishes its current step and
 * sleeps; timers and webhooks are kept but do not wake it) or lets it go on. Both print what the
 * agent is afterwards, read back from the server. Operator role, like any message.
 */
final class StopCommands {

  private StopCommands() {}

  /** Sends {@code text} to the agent, then shows the agent as it is now. */
  abstract static class Control extends Base {
    @Parameters(paramLabel = "AGENT")
    String agent;

    abstract String text();

    @Override
    void run() {
      Api api = session();
      String id = agents(api).id(agent);
      JsonNode sent =
          api.post("/api/agents/" + id + "/messages", Json.object().put("content", text()));
      JsonNode a = api.get("/api/agents/" + id);
      if (out().json()) {
        ObjectNode shown = Json.object();
        shown.put("sent", text());
        shown.set("seq", sent.path("seq"));
        shown.set("agent", a);
        out().json(shown);
        return;
      }
      Output o = out();
      String name = Json.text(a, "name");
      if (a.path("stopped").asBoolean(false)) {
        o.line(
            name
                + " is "
                + o.yellow("stopped")
                + ": it finishes its current step and sleeps; timers and webhooks wait"
                + " ('pcy carry-on "
                + name
                + "' resumes it)");
      } else {
        o.line(
            name
                + " is "
                + AgentCommand.state(o, a)
                + (a.path("is_enabled").asBoolean(true)
                    ? ": it carries on (pending input wakes it)"
                    : ": still disabled ('pcy agent enable " + name + "')"));
      }
    }
  }

  @Command(
      name = "stop",
      description = {
        "Stop an agent (sends it the message \"stop\").",
        "It finishes its current step and sleeps; timers and webhooks are kept but do not",
        "wake it until 'pcy carry-on AGENT'."
      })
  static final class Stop extends Control {
    @Override
    String text() {
      return "stop";
    }
  }

  @Command(
      name = "carry-on",
      description = "Let a stopped agent go on (sends it the message \"carry on\").")
  static final class CarryOn extends Control {
    @Override
    String text() {
      return "carry on";
    }
  }
}
