package org.openpincery.pcy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code pcy workspace list|create|use}: the workspaces the user belongs to. A session works in one
 * workspace at a time; {@code use} switches the kept session ({@code POST /api/session/workspace})
 * and records the new workspace in the config file.
 */
@Command(
    name = "workspace",
    description = "Your workspaces; the session works in one at a time ('use' switches it).",
    subcommands = {
      WorkspaceCommand.ListWorkspaces.class,
      WorkspaceCommand.Create.class,
      WorkspaceCommand.Use.class
    })
final class WorkspaceCommand extends Base {

  @Override
  void run() {
    throw PcyException.usage("workspace needs a command: list, create, use");
  }

  @Command(name = "list", description = "Your workspaces and your role in each; * is the current.")
  static final class ListWorkspaces extends Base {
    @Override
    void run() {
      Api api = session();
      JsonNode r = api.get("/api/workspaces");
      if (out().json()) {
        out().json(r);
        return;
      }
      String current = Json.text(api.get("/api/me"), "workspace_id");
      List<List<String>> rows = new ArrayList<>();
      for (JsonNode w : r.path("workspaces")) {
        rows.add(
            List.of(
                Json.text(w, "id").equals(current) ? "*" : "",
                Json.text(w, "name"),
                Json.text(w, "role"),
                Json.text(w, "created_at"),
                Json.text(w, "id")));
      }
      out().table(List.of("", "NAME", "ROLE", "CREATED", "ID"), rows);
    }
  }

  @Command(
      name = "create",
      description = "Create a workspace (you are its owner); 'pcy workspace use NAME' enters it.")
  static final class Create extends Base {
    @Parameters(paramLabel = "NAME")
    String name;

    @Override
    void run() {
      JsonNode r = keptSession().post("/api/workspaces", Json.object().put("name", name));
      if (out().json()) {
        out().json(r);
      } else {
        out()
            .line(
                "created workspace "
                    + out().bold(Json.text(r, "name"))
                    + " "
                    + Json.text(r, "id")
                    + " (owner); enter it with: pcy workspace use "
                    + Json.text(r, "id"));
      }
    }
  }

  @Command(
      name = "use",
      description = {
        "Switch the kept session to another of your workspaces (by id or name).",
        "Needs a session: an API token belongs to one workspace."
      })
  static final class Use extends Base {
    @Parameters(paramLabel = "ID_OR_NAME")
    String workspace;

    @Override
    void run() {
      Api api = keptSession();
      JsonNode target = find(api);
      String id = Json.text(target, "id");
      JsonNode r = api.post("/api/session/workspace", Json.object().put("workspace_id", id));
      if (config().session(api.base()).orElse(null) instanceof ObjectNode kept) {
        kept.put("workspace_id", id);
        config().saveSession(api.base(), kept);
      }
      if (out().json()) {
        out().json(r);
      } else {
        out()
            .line(
                "now in workspace "
                    + out().bold(Json.text(target, "name"))
                    + " "
                    + id
                    + " as "
                    + Json.text(r, "role"));
      }
    }

    /** By id, else by exact name, else by name ignoring case; several matches are exit 2. */
    private JsonNode find(Api api) {
      List<JsonNode> all = new ArrayList<>();
      api.get("/api/workspaces").path("workspaces").forEach(all::add);
      String ref = workspace.strip();
      List<Predicate<JsonNode>> steps =
          List.of(
              w -> Json.text(w, "id").equalsIgnoreCase(ref),
              w -> Json.text(w, "name").equals(ref),
              w ->
                  Json.text(w, "name")
                      .toLowerCase(Locale.ROOT)
                      .equals(ref.toLowerCase(Locale.ROOT)));
      for (Predicate<JsonNode> step : steps) {
        List<JsonNode> found = all.stream().filter(step).toList();
        if (found.size() == 1) {
          return found.getFirst();
        }
        if (found.size() > 1) {
          List<String> ids = new ArrayList<>();
          found.forEach(w -> ids.add(Json.text(w, "id") + " (" + Json.text(w, "name") + ")"));
          throw PcyException.usage(
              "'" + ref + "' is ambiguous: give one of these ids: " + String.join(", ", ids));
        }
      }
      throw PcyException.notFound(
          "you are in no workspace '" + ref + "' (pcy workspace list shows yours)");
    }
  }
}
