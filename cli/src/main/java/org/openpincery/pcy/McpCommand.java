package org.openpincery.pcy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code pcy mcp add|list|rm|enable|disable|tools|grant|grants|revoke}: the workspace's remote MCP
 * servers (docs/api.md, "Remote MCP servers") and which of their tools each agent may use.
 * Registering, removing and granting are for admins; refreshing a tool list for operators; reading
 * for everyone. A server is named by its name or its id.
 */
@Command(
    name = "mcp",
    description = {
      "Remote MCP servers whose tools agents may use.",
      "  pcy mcp add github https://mcp.example.com/mcp --credential GITHUB_TOKEN",
      "  pcy mcp tools github --refresh",
      "  pcy mcp grant researcher github search_issues --class read_local"
    },
    subcommands = {
      McpCommand.Add.class,
      McpCommand.ListServers.class,
      McpCommand.Remove.class,
      McpCommand.Enable.class,
      McpCommand.Disable.class,
      McpCommand.Tools.class,
      McpCommand.Grant.class,
      McpCommand.GrantsOf.class,
      McpCommand.Revoke.class
    })
final class McpCommand extends Base {

  static final List<String> CLASSES =
      List.of("read_local", "write_local", "external", "destructive");

  @Override
  void run() {
    throw PcyException.usage(
        "mcp needs a command: add, list, rm, enable, disable, tools, grant, grants, revoke");
  }

  /** The server's JSON as listed, found by id or by name among the workspace's live servers. */
  static JsonNode server(Api api, String ref) {
    for (JsonNode s : api.get("/api/mcp/servers").path("servers")) {
      if (s.path("id").asText().equalsIgnoreCase(ref) || s.path("name").asText().equals(ref)) {
        return s;
      }
    }
    throw PcyException.notFound("no MCP server named '" + ref + "' (pcy mcp list shows them)");
  }

  static String path(String id) {
    return "/api/mcp/servers/" + URLEncoder.encode(id, StandardCharsets.UTF_8);
  }

  static String grantsPath(String agentId) {
    return "/api/agents/" + URLEncoder.encode(agentId, StandardCharsets.UTF_8) + "/mcp-grants";
  }

  @Command(
      name = "add",
      description = {
        "Register a remote MCP server (Streamable HTTP; https, or http to a loopback address).",
        "Its tools are named <name>__<tool> for the agents it is granted to (admin)."
      })
  static final class Add extends Base {
    @Parameters(index = "0", paramLabel = "NAME", description = "a-z, 0-9, _; up to 32.")
    String name;

    @Parameters(index = "1", paramLabel = "URL")
    String url;

    @Option(
        names = "--credential",
        paramLabel = "NAME",
        description = "A workspace credential sent as the auth header (pcy credential add).")
    String credential;

    @Option(
        names = "--header",
        paramLabel = "H",
        description = "The header the credential goes in (default Authorization).")
    String header;

    @Option(
        names = "--scheme",
        paramLabel = "S",
        description = "Written before the credential (default Bearer; '' for the raw value).")
    String scheme;

    @Option(names = "--description", paramLabel = "TEXT", description = "What it is for.")
    String description;

    @Override
    void run() {
      ObjectNode body = Json.object().put("name", name).put("url", url);
      if (credential != null) {
        body.put("credential_name", credential);
      }
      if (header != null) {
        body.put("auth_header", header);
      }
      if (scheme != null) {
        body.put("auth_scheme", scheme);
      }
      if (description != null) {
        body.put("description", description);
      }
      JsonNode r = session().post("/api/mcp/servers", body);
      if (out().json()) {
        out().json(r);
      } else {
        out().line("MCP server " + name + " added (" + Json.text(r, "id") + ")");
      }
    }
  }

  @Command(name = "list", description = "The workspace's MCP servers.")
  static final class ListServers extends Base {
    @Override
    void run() {
      JsonNode r = session().get("/api/mcp/servers");
      if (out().json()) {
        out().json(r);
        return;
      }
      List<List<String>> rows = new ArrayList<>();
      for (JsonNode s : r.path("servers")) {
        rows.add(
            List.of(
                Json.text(s, "name"),
                s.path("enabled").asBoolean() ? "yes" : "no",
                s.path("tools").isArray() ? String.valueOf(s.path("tools").size()) : "-",
                s.path("credential_name").isTextual() ? s.path("credential_name").asText() : "-",
                Json.text(s, "url"),
                s.path("last_error").isTextual() ? s.path("last_error").asText() : ""));
      }
      out().table(List.of("NAME", "ENABLED", "TOOLS", "CREDENTIAL", "URL", "LAST ERROR"), rows);
    }
  }

  @Command(name = "rm", description = "Remove an MCP server; agents lose its tools (admin).")
  static final class Remove extends Base {
    @Parameters(paramLabel = "SERVER")
    String ref;

    @Override
    void run() {
      Api api = session();
      JsonNode s = server(api, ref);
      api.delete(path(s.path("id").asText()));
      if (out().json()) {
        out().json(Json.object().put("id", Json.text(s, "id")).put("deleted", true));
      } else {
        out().line("MCP server " + Json.text(s, "name") + " removed");
      }
    }
  }

  abstract static class Toggle extends Base {
    @Parameters(paramLabel = "SERVER")
    String ref;

    abstract boolean enabled();

    @Override
    void run() {
      Api api = session();
      JsonNode s = server(api, ref);
      JsonNode r = api.patch(path(s.path("id").asText()), Json.object().put("enabled", enabled()));
      if (out().json()) {
        out().json(r);
      } else {
        out().line("MCP server " + Json.text(s, "name") + (enabled() ? " enabled" : " disabled"));
      }
    }
  }

  @Command(name = "enable", description = "Offer its granted tools to agents again (admin).")
  static final class Enable extends Toggle {
    @Override
    boolean enabled() {
      return true;
    }
  }

  @Command(name = "disable", description = "Stop offering its tools; grants are kept (admin).")
  static final class Disable extends Toggle {
    @Override
    boolean enabled() {
      return false;
    }
  }

  @Command(
      name = "tools",
      description = {
        "A server's tools as last listed; --refresh lists them live from the server now",
        "(operator)."
      })
  static final class Tools extends Base {
    @Parameters(paramLabel = "SERVER")
    String ref;

    @Option(names = "--refresh", description = "Ask the server for its tools now.")
    boolean refresh;

    @Override
    void run() {
      Api api = session();
      String id = server(api, ref).path("id").asText();
      JsonNode r = refresh ? api.post(path(id) + "/refresh", Json.object()) : api.get(path(id));
      if (out().json()) {
        out().json(r);
        return;
      }
      if (!r.path("tools").isArray()) {
        out().line("no tool list yet: pcy mcp tools " + ref + " --refresh");
        return;
      }
      List<List<String>> rows = new ArrayList<>();
      for (JsonNode t : r.path("tools")) {
        rows.add(List.of(Json.text(t, "name"), Json.text(t, "capability"), oneLine(t)));
      }
      out().table(List.of("TOOL", "CLASS", "DESCRIPTION"), rows);
    }

    private static String oneLine(JsonNode tool) {
      String d = tool.path("description").asText("").replaceAll("\\s+", " ").strip();
      return d.length() > 80 ? d.substring(0, 77) + "..." : d;
    }
  }

  @Command(
      name = "grant",
      description = {
        "Let an agent use some of a server's tools, or all of them (--all, also the ones it",
        "adds later); --class overrides their capability class (admin)."
      })
  static final class Grant extends Base {
    @Parameters(index = "0", paramLabel = "AGENT")
    String agent;

    @Parameters(index = "1", paramLabel = "SERVER")
    String server;

    @Parameters(index = "2..*", paramLabel = "TOOL", arity = "0..*")
    List<String> tools = new ArrayList<>();

    @Option(names = "--all", description = "Every tool of the server ('*').")
    boolean all;

    @Option(
        names = "--class",
        paramLabel = "C",
        description = "read_local, write_local, external or destructive.")
    String capability;

    @Override
    void run() {
      if (all == !tools.isEmpty()) {
        throw PcyException.usage("name the tools to grant, or give --all (not both)");
      }
      if (capability != null && !CLASSES.contains(capability.toLowerCase(Locale.ROOT))) {
        throw PcyException.usage("--class must be one of " + String.join(", ", CLASSES));
      }
      Api api = session();
      String agentId = agents(api).id(agent);
      String serverName = server(api, server).path("name").asText();
      Set<String> granted = new LinkedHashSet<>(all ? List.of("*") : tools);
      ArrayNode next = Json.object().putArray("grants");
      for (JsonNode g : api.get(grantsPath(agentId)).path("grants")) {
        boolean replaced =
            g.path("server").asText().equals(serverName)
                && granted.contains(g.path("tool").asText());
        if (!replaced) {
          next.add(grant(g.path("server").asText(), g.path("tool").asText(), g.path("capability")));
        }
      }
      for (String tool : granted) {
        ObjectNode g = next.addObject().put("server", serverName).put("tool", tool);
        if (capability != null) {
          g.put("capability", capability.toLowerCase(Locale.ROOT));
        }
      }
      show(api.put(grantsPath(agentId), wrap(next)), out());
    }
  }

  @Command(name = "grants", description = "The MCP tools an agent may use.")
  static final class GrantsOf extends Base {
    @Parameters(paramLabel = "AGENT")
    String agent;

    @Override
    void run() {
      Api api = session();
      show(api.get(grantsPath(agents(api).id(agent))), out());
    }
  }

  @Command(
      name = "revoke",
      description = "Take back some of an agent's tools of a server, or all of them (admin).")
  static final class Revoke extends Base {
    @Parameters(index = "0", paramLabel = "AGENT")
    String agent;

    @Parameters(index = "1", paramLabel = "SERVER")
    String server;

    @Parameters(index = "2..*", paramLabel = "TOOL", arity = "0..*")
    List<String> tools = new ArrayList<>();

    @Override
    void run() {
      Api api = session();
      String agentId = agents(api).id(agent);
      String serverName = server(api, server).path("name").asText();
      ArrayNode next = Json.object().putArray("grants");
      int removed = 0;
      for (JsonNode g : api.get(grantsPath(agentId)).path("grants")) {
        boolean gone =
            g.path("server").asText().equals(serverName)
                && (tools.isEmpty() || tools.contains(g.path("tool").asText()));
        if (gone) {
          removed++;
        } else {
          next.add(grant(g.path("server").asText(), g.path("tool").asText(), g.path("capability")));
        }
      }
      if (removed == 0) {
        throw PcyException.notFound(
            "the agent has no such grant of "
                + serverName
                + " (pcy mcp grants "
                + agent
                + " shows them)");
      }
      show(api.put(grantsPath(agentId), wrap(next)), out());
    }
  }

  private static ObjectNode grant(String server, String tool, JsonNode capability) {
    ObjectNode g = Json.object().put("server", server).put("tool", tool);
    if (capability.isTextual()) {
      g.put("capability", capability.asText());
    }
    return g;
  }

  private static ObjectNode wrap(ArrayNode grants) {
    ObjectNode body = Json.object();
    body.set("grants", grants);
    return body;
  }

  private static void show(JsonNode r, Output out) {
    if (out.json()) {
      out.json(r);
      return;
    }
    List<List<String>> rows = new ArrayList<>();
    for (JsonNode g : r.path("grants")) {
      rows.add(
          List.of(
              Json.text(g, "server"),
              Json.text(g, "tool"),
              g.path("capability").isTextual() ? g.path("capability").asText() : "(the tool's)",
              Json.text(g, "namespaced")));
    }
    if (rows.isEmpty()) {
      out.line("no MCP tools granted");
    } else {
      out.table(List.of("SERVER", "TOOL", "CLASS", "AS"), rows);
    }
  }
}
