package org.openpincery.pcy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code pcy agent …}: create, list, show, rename, disable, enable, mode, delete, rotate-secret.
 */
@Command(
    name = "agent",
    description = "Manage agents (AGENT is a name or an id everywhere).",
    subcommands = {
      AgentCommand.Create.class,
      AgentCommand.ListAgents.class,
      AgentCommand.Show.class,
      AgentCommand.Rename.class,
      AgentCommand.Disable.class,
      AgentCommand.Enable.class,
      AgentCommand.Mode.class,
      AgentCommand.Delete.class,
      AgentCommand.RotateSecret.class
    })
final class AgentCommand extends Base {

  @Override
  void run() {
    throw PcyException.usage(
        "agent needs a command: " + String.join(", ", spec.subcommands().keySet()));
  }

  static String budget(JsonNode a) {
    if (a.path("budget_unlimited").asBoolean(false)) {
      return "$" + Json.text(a, "budget_spent_usd") + " / unlimited";
    }
    return "$" + Json.text(a, "budget_spent_usd") + " / $" + Json.text(a, "budget_limit_usd");
  }

  static String state(Output o, JsonNode a) {
    if (a.path("deleted").asBoolean(false)) {
      return o.dim("deleted");
    }
    String status = Json.text(a, "status");
    if (a.path("stopped").asBoolean(false)) {
      // Semantic stop (a person said "stop"): quiet until "carry on" (pcy carry-on).
      return o.yellow(status + ", stopped");
    }
    if (!a.path("is_enabled").asBoolean(true)) {
      return o.yellow(status + ", disabled (" + Json.text(a, "disabled_reason") + ")");
    }
    return status.equals("asleep") ? status : o.cyan(status);
  }

  /** Prints a webhook secret (shown once) with where to send webhooks. */
  static void secret(Output o, Api api, String agentId, String secret, JsonNode answer) {
    String url = api.absolute("/api/agents/" + agentId + "/webhooks");
    if (answer != null && answer.hasNonNull("webhook_url")) {
      url = api.absolute(answer.get("webhook_url").asText());
    }
    o.fields(
        Output.pairs(
            "webhook url",
            url,
            "webhook secret",
            o.bold(secret) + o.dim("  (shown once: keep it now)")));
  }

  @Command(name = "create", description = "Create an agent; prints its webhook secret once.")
  static final class Create extends Base {
    @Parameters(paramLabel = "NAME", description = "1-64 letters, digits, space, . _ -")
    String name;

    @Option(
        names = "--budget",
        paramLabel = "USD",
        description = "Budget in dollars, or 'unlimited' (default: the server's default).")
    String budget;

    @Override
    void run() {
      Api api = session();
      ObjectNode body = Json.object().put("name", name);
      if (budget != null) {
        BudgetCommand.putBudget(body, budget);
      }
      JsonNode a = api.post("/api/agents", body);
      if (out().json()) {
        ObjectNode shown = a.deepCopy();
        shown.put("webhook_url", api.absolute(Json.text(a, "webhook_url")));
        out().json(shown);
        return;
      }
      Output o = out();
      o.line("created agent " + o.bold(Json.text(a, "name")) + " " + Json.text(a, "id"));
      secret(o, api, Json.text(a, "id"), Json.text(a, "webhook_secret"), a);
    }
  }

  @Command(name = "list", description = "List agents: status, spend against budget, last event.")
  static final class ListAgents extends Base {
    @Option(names = "--all", description = "Include deleted agents.")
    boolean all;

    @Override
    void run() {
      JsonNode list = session().get("/api/agents" + (all ? "?include_deleted=true" : ""));
      if (out().json()) {
        out().json(list);
        return;
      }
      List<List<String>> rows = new ArrayList<>();
      for (JsonNode a : list.path("agents")) {
        rows.add(
            List.of(
                Json.text(a, "name"),
                Json.text(a, "id"),
                state(out(), a),
                Json.text(a, "permission_mode"),
                budget(a),
                Json.text(a, "event_seq"),
                Json.text(a, "updated_at")));
      }
      out()
          .table(
              List.of("NAME", "ID", "STATUS", "MODE", "SPENT / BUDGET", "EVENTS", "UPDATED"), rows);
    }
  }

  @Command(name = "show", description = "An agent: state, budget, identity, work list, summary.")
  static final class Show extends Base {
    @Parameters(paramLabel = "AGENT")
    String agent;

    @Override
    void run() {
      Api api = session();
      JsonNode a = api.get("/api/agents/" + agents(api).id(agent));
      if (out().json()) {
        // As create and rotate-secret print it: a URL a sender can use as it is.
        if (a instanceof ObjectNode o && a.hasNonNull("webhook_url")) {
          o.put("webhook_url", api.absolute(Json.text(a, "webhook_url")));
        }
        out().json(a);
        return;
      }
      out()
          .fields(
              Output.pairs(
                  "name", Json.text(a, "name"),
                  "id", Json.text(a, "id"),
                  "status", state(out(), a),
                  "mode", Json.text(a, "permission_mode"),
                  "budget", budget(a),
                  "events", Json.text(a, "event_seq"),
                  "pending work", Json.text(a, "pending_work"),
                  "webhook url", api.absolute(Json.text(a, "webhook_url")),
                  "created", Json.text(a, "created_at"),
                  "projection", "v" + Json.text(a, "projection_version"),
                  "identity", Json.text(a, "identity"),
                  "work list", Json.text(a, "work_list"),
                  "last summary", Json.text(a, "wake_summary")));
    }
  }

  /** A PATCH of one agent, printed as the agent it answers with. */
  abstract static class Patch extends Base {
    @Parameters(index = "0", paramLabel = "AGENT")
    String agent;

    abstract ObjectNode body();

    abstract String done(JsonNode a);

    @Override
    void run() {
      Api api = session();
      JsonNode a = api.patch("/api/agents/" + agents(api).id(agent), body());
      if (out().json()) {
        out().json(a);
      } else {
        out().line(done(a));
      }
    }
  }

  @Command(name = "rename", description = "Give an agent a new name.")
  static final class Rename extends Patch {
    @Parameters(index = "1", paramLabel = "NEW_NAME")
    String newName;

    @Override
    ObjectNode body() {
      return Json.object().put("name", newName);
    }

    @Override
    String done(JsonNode a) {
      return "renamed " + Json.text(a, "id") + " to " + Json.text(a, "name");
    }
  }

  @Command(
      name = "disable",
      description = "Disable an agent: a running wake ends at its next step; input waits.")
  static final class Disable extends Patch {
    @Override
    ObjectNode body() {
      return Json.object().put("is_enabled", false);
    }

    @Override
    String done(JsonNode a) {
      return "disabled " + Json.text(a, "name");
    }
  }

  @Command(name = "enable", description = "Enable an agent again; pending input wakes it.")
  static final class Enable extends Patch {
    @Override
    ObjectNode body() {
      return Json.object().put("is_enabled", true);
    }

    @Override
    String done(JsonNode a) {
      return "enabled " + Json.text(a, "name");
    }
  }

  /** The permission modes (docs/api.md, Supervision). */
  enum PermissionMode {
    locked,
    supervised,
    autonomous
  }

  @Command(
      name = "mode",
      description = {
        "Set an agent's permission mode (admin): what it may do without a person.",
        "  locked      only read-only tools run; every other call is refused",
        "  supervised  external and destructive calls wait for an approval (pcy approvals)",
        "  autonomous  every tool runs"
      })
  static final class Mode extends Patch {
    @Parameters(index = "1", paramLabel = "MODE", description = "locked, supervised or autonomous")
    PermissionMode mode;

    @Override
    ObjectNode body() {
      return Json.object().put("permission_mode", mode.name());
    }

    @Override
    String done(JsonNode a) {
      return Json.text(a, "name") + " is now " + Json.text(a, "permission_mode");
    }
  }

  @Command(
      name = "delete",
      description = "Soft-delete an agent: its history stays readable, its name is free.")
  static final class Delete extends Base {
    @Parameters(paramLabel = "AGENT")
    String agent;

    @Override
    void run() {
      Api api = session();
      String id = agents(api).id(agent);
      api.delete("/api/agents/" + id);
      if (out().json()) {
        out().json(Json.object().put("id", id).put("deleted", true));
      } else {
        out().line("deleted " + agent + " (" + id + ")");
      }
    }
  }

  @Command(
      name = "rotate-secret",
      description =
          "A new webhook secret (shown once); the previous one verifies for a grace period.")
  static final class RotateSecret extends Base {
    @Parameters(paramLabel = "AGENT")
    String agent;

    @Option(
        names = "--secret",
        paramLabel = "S",
        description =
            "Use this secret (16-512 characters, e.g. a sender's whsec_…) instead of a new one.")
    String secret;

    @Override
    void run() {
      Api api = session();
      String id = agents(api).id(agent);
      ObjectNode body = Json.object();
      if (secret != null) {
        body.put("webhook_secret", secret);
      }
      JsonNode r = api.post("/api/agents/" + id + "/webhook/rotate", body);
      // Where to send webhooks (absolute under the server's public URL when it has one).
      JsonNode a = api.get("/api/agents/" + id);
      if (out().json()) {
        ObjectNode shown = r.deepCopy();
        shown.put("webhook_url", api.absolute(Json.text(a, "webhook_url")));
        out().json(shown);
        return;
      }
      secret(out(), api, id, Json.text(r, "webhook_secret"), a);
      out()
          .fields(
              Output.pairs(
                  "previous secret valid until", Json.text(r, "previous_secret_valid_until")));
    }
  }
}
