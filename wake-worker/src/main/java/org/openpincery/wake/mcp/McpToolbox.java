package org.openpincery.wake.mcp;

import io.modelcontextprotocol.spec.McpSchema;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.openpincery.model.Capability;
import org.openpincery.model.McpGrant;
import org.openpincery.model.McpServer;
import org.openpincery.model.McpToolNames;
import org.openpincery.reasoner.ToolSpec;
import org.openpincery.store.McpRepository;
import org.openpincery.store.Store;
import org.openpincery.wake.sandbox.Redactor;
import org.openpincery.wake.tools.ToolExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One wake's remote MCP tools (docs/mcp.md): at wake start, the agent's granted, enabled servers
 * are listed concurrently (tools/list, within {@code MCP_LIST_TIMEOUT_SECONDS}); their granted
 * tools are offered as {@code <server>__<tool>} with the tool's input schema and a capability class
 * ({@link #capabilityOf}); a server that fails is left out of the wake and named in the system
 * message ({@link #systemNote}). Each listing, or its failure, is recorded on the server's row. One
 * client per server, closed by {@link #close} at wake end.
 */
public final class McpToolbox implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(McpToolbox.class);

  private static final int MAX_DESCRIPTION_CHARS = 1024;

  private final List<ToolSpec> specs;
  private final List<ToolExecutor> executors;
  private final Map<String, Capability> classes;
  private final List<String> unreachable;
  private final List<McpSession> sessions;

  private McpToolbox(
      List<ToolSpec> specs,
      List<ToolExecutor> executors,
      Map<String, Capability> classes,
      List<String> unreachable,
      List<McpSession> sessions) {
    this.specs = List.copyOf(specs);
    this.executors = List.copyOf(executors);
    this.classes = Map.copyOf(classes);
    this.unreachable = List.copyOf(unreachable);
    this.sessions = List.copyOf(sessions);
  }

  /** A wake with no MCP servers. */
  public static McpToolbox empty() {
    return new McpToolbox(List.of(), List.of(), Map.of(), List.of(), List.of());
  }

  /**
   * Lists the agent's granted servers and builds its MCP tools for one wake. Runs on the wake's
   * (virtual) thread and blocks at most about {@code MCP_LIST_TIMEOUT_SECONDS}.
   *
   * @param credentials the workspace's credentials by name, opened with the vault; asked only when
   *     a server has one
   * @param redactor the workspace's secrets, for the results
   */
  public static McpToolbox open(
      Store store,
      UUID agentId,
      McpSettings settings,
      Supplier<Map<String, String>> credentials,
      Supplier<Redactor> redactor) {
    List<McpRepository.GrantedServer> granted = store.mcp().forWake(agentId).await();
    if (granted.isEmpty()) {
      return empty();
    }
    Map<String, String> opened = null;
    List<String> unreachable = new ArrayList<>();
    List<McpSession> sessions = new ArrayList<>();
    Map<McpSession, Future<List<McpSchema.Tool>>> listings = new LinkedHashMap<>();
    Map<McpSession, List<McpGrant>> grantsOf = new LinkedHashMap<>();
    try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
      for (McpRepository.GrantedServer g : granted) {
        McpServer server = g.server();
        String refused = refusedUrl(server.url(), settings.allowHttp());
        String headerValue = null;
        if (refused == null && server.credentialName() != null) {
          if (opened == null) {
            opened = credentials.get();
          }
          String secret = opened.get(server.credentialName());
          if (secret == null) {
            refused =
                "its credential " + server.credentialName() + " does not exist or does not open";
          } else {
            headerValue =
                server.authScheme() == null || server.authScheme().isEmpty()
                    ? secret
                    : server.authScheme() + " " + secret;
          }
        }
        if (refused != null) {
          fail(store, server, refused, unreachable, redactor);
          continue;
        }
        McpSession session;
        try {
          session = new McpSession(server, headerValue, settings);
        } catch (RuntimeException e) {
          fail(store, server, reason(e, settings), unreachable, redactor);
          continue;
        }
        sessions.add(session);
        grantsOf.put(session, g.grants());
        listings.put(session, threads.submit(session::list));
      }
      List<ToolSpec> specs = new ArrayList<>();
      List<ToolExecutor> executors = new ArrayList<>();
      Map<String, Capability> classes = new LinkedHashMap<>();
      Set<String> names = new HashSet<>();
      for (var listing : listings.entrySet()) {
        McpSession session = listing.getKey();
        McpServer server = session.server();
        List<McpSchema.Tool> tools;
        try {
          tools = listing.getValue().get();
        } catch (java.util.concurrent.ExecutionException e) {
          Throwable cause = e.getCause();
          fail(store, server, reason(cause, settings), unreachable, redactor);
          session.close();
          continue;
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          fail(store, server, "the wake was interrupted", unreachable, redactor);
          session.close();
          continue;
        }
        JsonArray kept = new JsonArray();
        Redactor secrets = redactor.get();
        for (McpSchema.Tool tool : tools) {
          // What the server says of its tools reaches the prompt: never with a secret in it.
          JsonObject schema = secrets.redact(inputSchema(tool));
          String said = tool.description() == null ? null : secrets.redact(tool.description());
          kept.add(
              new JsonObject()
                  .put("name", tool.name())
                  .put("description", said)
                  .put("input_schema", schema)
                  .put("annotations", annotations(tool.annotations())));
          McpGrant grant = grantFor(grantsOf.get(session), tool.name());
          if (grant == null || tool.name() == null || tool.name().isEmpty()) {
            continue;
          }
          String name = McpToolNames.namespaced(server.name(), tool.name());
          if (!names.add(name)) {
            LOG.warn(
                "MCP server {}: tool '{}' is offered as {}, which another tool of it already is;"
                    + " it is skipped",
                server.name(),
                tool.name(),
                name);
            continue;
          }
          Capability capability = capabilityOf(tool.annotations(), grant.capability());
          specs.add(new ToolSpec(name, description(server, said), schema));
          classes.put(name, capability);
          executors.add(
              new McpTool(
                  name, server.name(), tool.name(), capability, session, settings, redactor));
        }
        store.mcp().recordListing(server.workspaceId(), server.id(), kept).await();
      }
      return new McpToolbox(specs, executors, classes, unreachable, sessions);
    }
  }

  private static void fail(
      Store store,
      McpServer server,
      String why,
      List<String> unreachable,
      Supplier<Redactor> redactor) {
    // A server's own words may end up in the reason: it may not show a secret there.
    String reason = redactor.get().redact(why);
    LOG.warn("MCP server {} ({}) is left out of this wake: {}", server.name(), server.id(), reason);
    unreachable.add(server.name() + " (" + reason + ")");
    try {
      store.mcp().recordListingError(server.workspaceId(), server.id(), reason).await();
    } catch (RuntimeException e) {
      LOG.warn("recording the failure of MCP server {} failed: {}", server.id(), e.toString());
    }
  }

  /**
   * The class of an MCP tool (docs/supervision.md): the grant's override if set; else {@code
   * readOnlyHint: true} → external; else {@code destructiveHint} (true unless said false) →
   * destructive; else external.
   */
  public static Capability capabilityOf(McpSchema.ToolAnnotations hints, Capability override) {
    if (override != null) {
      return override;
    }
    return hints == null
        ? Capability.ofMcpHints(null, null)
        : Capability.ofMcpHints(hints.readOnlyHint(), hints.destructiveHint());
  }

  // The grant of the tool itself before the server's '*' (whose class, if any, then applies).
  private static McpGrant grantFor(List<McpGrant> grants, String tool) {
    McpGrant all = null;
    for (McpGrant g : grants) {
      if (g.tool().equals(tool)) {
        return g;
      }
      if (McpServer.ALL_TOOLS.equals(g.tool())) {
        all = g;
      }
    }
    return all;
  }

  /** As {@link McpServer#refusedUrl}: null when the worker may reach {@code url}, else why not. */
  static String refusedUrl(String url, boolean allowHttp) {
    return McpServer.refusedUrl(url, allowHttp);
  }

  /** Whether {@code e} is (or was caused by) a timeout. */
  static boolean timedOut(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof TimeoutException) {
        return true;
      }
    }
    return false;
  }

  /** Why a server or a call failed, in a few words (never a credential: none is in them). */
  static String reason(Throwable e, McpSettings settings) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof TimeoutException) {
        return "no answer in time";
      }
      if (t.getClass().getSimpleName().equals("MaxSizeExceededException")
          || (t.getMessage() != null
              && t.getMessage().contains("exceeds the maximum allowed size"))) {
        return "its answer was larger than "
            + settings.maxResponseBytes()
            + " bytes and was not read further";
      }
      if (t instanceof java.net.ConnectException) {
        return "connection refused";
      }
    }
    String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    message = message.replaceAll("\\s+", " ").strip();
    return message.length() > 300 ? message.substring(0, 300) + "…" : message;
  }

  private static JsonObject inputSchema(McpSchema.Tool tool) {
    JsonObject schema =
        tool.inputSchema() == null
            ? new JsonObject()
            : new JsonObject(Json.encode(tool.inputSchema()));
    // The validator reads JSON Schema 2020-12; a draft named by the server is not followed.
    schema.remove("$schema");
    if (!schema.containsKey("type")) {
      schema.put("type", "object");
    }
    return schema;
  }

  private static JsonObject annotations(McpSchema.ToolAnnotations a) {
    JsonObject out = new JsonObject();
    if (a != null) {
      putIf(out, "title", a.title());
      putIf(out, "readOnlyHint", a.readOnlyHint());
      putIf(out, "destructiveHint", a.destructiveHint());
      putIf(out, "idempotentHint", a.idempotentHint());
      putIf(out, "openWorldHint", a.openWorldHint());
    }
    return out;
  }

  private static void putIf(JsonObject out, String key, Object value) {
    if (value != null) {
      out.put(key, value);
    }
  }

  private static String description(McpServer server, String said) {
    String text = said == null ? "" : said.strip();
    if (text.length() > MAX_DESCRIPTION_CHARS) {
      text = text.substring(0, MAX_DESCRIPTION_CHARS) + "…";
    }
    return "[tool of the MCP server " + server.name() + "] " + text;
  }

  /** The tools to offer, namespaced, with their input schemas. */
  public List<ToolSpec> specs() {
    return specs;
  }

  /** Their executors. */
  public List<ToolExecutor> executors() {
    return executors;
  }

  /** Their capability classes, by namespaced name. */
  public Map<String, Capability> capabilities() {
    return classes;
  }

  /** Whether the wake has nothing of MCP: no tool and no server to name. */
  public boolean isEmpty() {
    return specs.isEmpty() && unreachable.isEmpty();
  }

  /** The servers left out of this wake, with why. */
  public List<String> unreachable() {
    return unreachable;
  }

  /** For the system message: the servers left out of this wake, or an empty string. */
  public String systemNote() {
    return unreachable.isEmpty()
        ? ""
        : " These MCP servers could not be reached when this wake started, so their tools are"
            + " not offered now: "
            + String.join("; ", unreachable)
            + ".";
  }

  /** Closes every client of the wake. */
  @Override
  public void close() {
    for (McpSession session : sessions) {
      try {
        session.close();
      } catch (RuntimeException e) {
        LOG.warn(
            "closing the client of MCP server {} failed: {}",
            session.server().name(),
            e.toString());
      }
    }
  }
}
