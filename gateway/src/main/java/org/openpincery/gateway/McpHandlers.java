package org.openpincery.gateway;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import org.openpincery.http.StandardWebhooks;
import org.openpincery.model.Capability;
import org.openpincery.model.McpGrant;
import org.openpincery.model.McpServer;
import org.openpincery.store.McpRepository;
import org.openpincery.store.McpRepository.CreateResult;
import org.openpincery.store.McpRepository.GrantsResult;
import org.openpincery.store.McpRepository.NewGrant;
import org.openpincery.store.McpRepository.NewServer;
import org.openpincery.store.McpRepository.ServerChange;
import org.openpincery.vault.Vault;

/**
 * Remote MCP servers (docs/api.md, "Remote MCP servers"; docs/mcp.md): a workspace registers them
 * (admins), refreshes their tool lists live (operators) and grants agents some or all of their
 * tools (admins: a grant widens what an agent can do). A server's credential is named, never shown:
 * the gateway opens it with the vault only to send it as the server's auth header on a refresh.
 */
final class McpHandlers {

  static final int MAX_DESCRIPTION = 500;
  static final int MAX_TOOL_NAME = 128;
  static final int MAX_GRANTS = 500;
  private static final Set<String> SERVER_FIELDS =
      Set.of("name", "url", "credential_name", "auth_header", "auth_scheme", "description");
  private static final Set<String> CHANGE_FIELDS =
      Set.of(
          "name", "url", "credential_name", "auth_header", "auth_scheme", "description", "enabled");
  // An HTTP header name (RFC 9110 token); the JDK client refuses to set these itself.
  private static final Pattern HEADER = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}");
  private static final Set<String> RESTRICTED_HEADERS =
      Set.of("connection", "content-length", "expect", "host", "upgrade", "content-type");
  // V20's mcp_servers_auth_scheme_format, at most 32 here.
  private static final Pattern SCHEME = Pattern.compile("[A-Za-z0-9._~+/-]{0,32}");
  private static final Pattern CREDENTIAL = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,63}");

  private final boolean allowHttp;
  private final Optional<Vault> vault;
  private final McpToolLister lister;

  McpHandlers(boolean allowHttp, Optional<Vault> vault, McpToolLister lister) {
    this.allowHttp = allowHttp;
    this.vault = vault;
    this.lister = lister;
  }

  /**
   * POST /api/mcp/servers {name, url, credential_name?, auth_header?, auth_scheme?, description?}:
   * 201 with the server (no tools until its first refresh). 400 for a bad field or a credential the
   * workspace does not hold, 409 {@code name_taken} when a live server has the name.
   */
  void create(RoutingContext ctx) {
    JsonObject body = Bodies.object(ctx, SERVER_FIELDS, true);
    String name = Bodies.requiredString(body, "name", 32, false);
    if (!McpServer.NAME.matcher(name).matches()) {
      throw new ApiError(
          400,
          "invalid_name",
          "'name' is 1-32 of a-z, 0-9 and '_', starting with a letter (it prefixes the tools'"
              + " names)");
    }
    String url = url(Bodies.requiredString(body, "url", 2048, false));
    String credential = credentialName(Bodies.string(body, "credential_name", 64, false));
    String header = header(Bodies.string(body, "auth_header", 64, false));
    String scheme = scheme(Bodies.string(body, "auth_scheme", 32, false));
    String description = Bodies.string(body, "description", MAX_DESCRIPTION, true).orElse(null);
    var principal = Authenticator.principal(ctx);
    UUID workspace = principal.workspaceId();
    McpRepository repo = Scopes.of(ctx).mcp();
    credentialExists(ctx, credential)
        .compose(
            v ->
                repo.create(
                    workspace,
                    new NewServer(name, url, credential, header, scheme, description),
                    principal.userId()))
        .onSuccess(
            result -> {
              switch (result) {
                case CreateResult.Created c -> {
                  AuditTrail.target(ctx, "mcp_server", c.server().id().toString());
                  AuditTrail.detail(ctx, new JsonObject().put("name", name).put("url", url));
                  Responses.json(ctx, 201, json(c.server()));
                }
                case CreateResult.NameTaken t ->
                    ctx.fail(
                        ApiError.conflict(
                            "name_taken",
                            "a live MCP server of the workspace is named '" + name + "'"));
              }
            })
        .onFailure(ctx::fail);
  }

  /** GET /api/mcp/servers: the workspace's live servers by name, each with its last tool list. */
  void list(RoutingContext ctx) {
    Scopes.of(ctx)
        .mcp()
        .list(Authenticator.principal(ctx).workspaceId())
        .onSuccess(
            servers -> {
              JsonArray out = new JsonArray();
              servers.forEach(s -> out.add(json(s)));
              Responses.json(ctx, 200, new JsonObject().put("servers", out));
            })
        .onFailure(ctx::fail);
  }

  /** GET /api/mcp/servers/:id. */
  void show(RoutingContext ctx) {
    UUID id = Bodies.pathId(ctx, "id", "MCP server");
    Scopes.of(ctx)
        .mcp()
        .get(Authenticator.principal(ctx).workspaceId(), id)
        .onSuccess(
            found ->
                found.ifPresentOrElse(
                    s -> Responses.json(ctx, 200, json(s)), () -> ctx.fail(noSuchServer())))
        .onFailure(ctx::fail);
  }

  /**
   * PATCH /api/mcp/servers/:id {url?, credential_name?, auth_header?, auth_scheme?, enabled?,
   * description?}: 200 with the server. {@code credential_name} and {@code description} may be set
   * to null to clear them. A disabled server's tools are offered to no agent; its grants stay.
   */
  void update(RoutingContext ctx) {
    UUID id = Bodies.pathId(ctx, "id", "MCP server");
    JsonObject body = Bodies.object(ctx, CHANGE_FIELDS, true);
    if (body.containsKey("name")) {
      throw ApiError.badRequest(
          "'name' does not change: it prefixes the tools' names and grants use them; remove the"
              + " server and add it again");
    }
    if (body.isEmpty()) {
      throw ApiError.badRequest(
          "nothing to change: send url, credential_name, auth_header, auth_scheme, enabled or"
              + " description");
    }
    for (String field : List.of("url", "auth_header", "auth_scheme", "enabled")) {
      if (body.containsKey(field) && body.getValue(field) == null) {
        throw ApiError.badRequest("'" + field + "' cannot be null");
      }
    }
    String url = Bodies.string(body, "url", 2048, false).map(this::url).orElse(null);
    boolean setCredential = body.containsKey("credential_name");
    String credential = credentialName(Bodies.string(body, "credential_name", 64, false));
    String header = header(Bodies.string(body, "auth_header", 64, false));
    String scheme = scheme(Bodies.string(body, "auth_scheme", 32, false));
    boolean setDescription = body.containsKey("description");
    String description = Bodies.string(body, "description", MAX_DESCRIPTION, true).orElse(null);
    Boolean enabled = Bodies.bool(body, "enabled").orElse(null);
    AuditTrail.target(ctx, "mcp_server", id.toString());
    AuditTrail.detail(
        ctx, new JsonObject().put("changed", new JsonArray(new ArrayList<>(body.fieldNames()))));
    credentialExists(ctx, credential)
        .compose(
            v ->
                Scopes.of(ctx)
                    .mcp()
                    .update(
                        Authenticator.principal(ctx).workspaceId(),
                        id,
                        new ServerChange(
                            url,
                            setCredential,
                            credential,
                            header,
                            scheme,
                            setDescription,
                            description,
                            enabled)))
        .onSuccess(
            found ->
                found.ifPresentOrElse(
                    s -> Responses.json(ctx, 200, json(s)), () -> ctx.fail(noSuchServer())))
        .onFailure(ctx::fail);
  }

  /** DELETE /api/mcp/servers/:id: 204; soft (its row stays for history), its grants go. */
  void delete(RoutingContext ctx) {
    UUID id = Bodies.pathId(ctx, "id", "MCP server");
    AuditTrail.target(ctx, "mcp_server", id.toString());
    Scopes.of(ctx)
        .mcp()
        .delete(Authenticator.principal(ctx).workspaceId(), id)
        .onSuccess(
            deleted -> {
              if (deleted) {
                Responses.noContent(ctx);
              } else {
                ctx.fail(noSuchServer());
              }
            })
        .onFailure(ctx::fail);
  }

  /**
   * POST /api/mcp/servers/:id/refresh: lists the server's tools live (tools/list, bounded by
   * MCP_LIST_TIMEOUT_SECONDS), keeps the list, and answers 200 with the server and its tools. The
   * server failing is 502 {@code mcp_unreachable} with the reason (also kept as its last_error);
   * its credential revoked meanwhile is 409 {@code credential_missing}.
   */
  void refresh(RoutingContext ctx) {
    UUID id = Bodies.pathId(ctx, "id", "MCP server");
    UUID workspace = Authenticator.principal(ctx).workspaceId();
    AuditTrail.target(ctx, "mcp_server", id.toString());
    McpRepository repo = Scopes.of(ctx).mcp();
    repo.get(workspace, id)
        .compose(
            found -> {
              McpServer server = found.orElseThrow(McpHandlers::noSuchServer);
              return auth(ctx, server)
                  .compose(
                      auth ->
                          lister
                              .list(server.url(), auth.orElse(null))
                              .recover(
                                  err ->
                                      err instanceof McpToolLister.Unreachable down
                                          ? repo.recordListingError(
                                                  workspace, id, down.getMessage())
                                              .transform(
                                                  v ->
                                                      Future.failedFuture(
                                                          new ApiError(
                                                              502,
                                                              "mcp_unreachable",
                                                              "the MCP server '"
                                                                  + server.name()
                                                                  + "' failed: "
                                                                  + down.getMessage())))
                                          : Future.failedFuture(err)));
            })
        .compose(tools -> repo.recordListing(workspace, id, tools))
        .onSuccess(
            found ->
                found.ifPresentOrElse(
                    s -> {
                      AuditTrail.detail(
                          ctx,
                          new JsonObject().put("tools", s.tools() == null ? 0 : s.tools().size()));
                      Responses.json(ctx, 200, json(s));
                    },
                    () -> ctx.fail(noSuchServer())))
        .onFailure(ctx::fail);
  }

  /**
   * GET /api/agents/:id/mcp-grants: {@code {"grants": [{server_id, server, tool, capability,
   * namespaced}]}}.
   */
  void grants(RoutingContext ctx) {
    UUID agent = AgentHandlers.agentId(ctx);
    UUID workspace = Authenticator.principal(ctx).workspaceId();
    Scopes.of(ctx)
        .agents()
        .get(workspace, agent)
        .compose(
            a ->
                a.isPresent()
                    ? Scopes.of(ctx).mcp().grants(workspace, agent)
                    : Future.failedFuture(AgentHandlers.noSuchAgent()))
        .onSuccess(grants -> Responses.json(ctx, 200, grantsJson(grants)))
        .onFailure(ctx::fail);
  }

  /**
   * PUT /api/agents/:id/mcp-grants {grants: [{server: name or id, tool: name or "*",
   * capability?}]}: replaces the agent's grants; 200 with them as GET lists them. 400 naming an
   * unknown server, a tool missing from the server's last tool list ({@code *} always passes; a
   * server never listed takes any name), or a capability that is not read_local, write_local,
   * external, destructive.
   */
  void replaceGrants(RoutingContext ctx) {
    UUID agent = AgentHandlers.agentId(ctx);
    JsonObject body = Bodies.object(ctx, Set.of("grants"), true);
    if (!(body.getValue("grants") instanceof JsonArray wanted)) {
      throw ApiError.badRequest("'grants' must be an array of {server, tool, capability?}");
    }
    if (wanted.size() > MAX_GRANTS) {
      throw ApiError.badRequest("at most " + MAX_GRANTS + " grants");
    }
    List<WantedGrant> parsed = new ArrayList<>();
    for (int i = 0; i < wanted.size(); i++) {
      parsed.add(wantedGrant(wanted.getValue(i), i));
    }
    var principal = Authenticator.principal(ctx);
    UUID workspace = principal.workspaceId();
    McpRepository repo = Scopes.of(ctx).mcp();
    AuditTrail.target(ctx, "agent", agent.toString());
    repo.list(workspace)
        .compose(
            servers ->
                repo.replaceGrants(workspace, agent, resolve(parsed, servers), principal.userId()))
        .onSuccess(
            result -> {
              switch (result) {
                case GrantsResult.Replaced r -> {
                  JsonObject out = grantsJson(r.grants());
                  AuditTrail.detail(
                      ctx,
                      new JsonObject()
                          .put(
                              "grants",
                              new JsonArray(
                                  r.grants().stream()
                                      .map(
                                          g ->
                                              g.namespaced()
                                                  + (g.capability() == null
                                                      ? ""
                                                      : " (" + g.capability().wire() + ")"))
                                      .toList())));
                  Responses.json(ctx, 200, out);
                }
                case GrantsResult.AgentNotFound a -> ctx.fail(AgentHandlers.noSuchAgent());
                case GrantsResult.ServerNotFound s ->
                    ctx.fail(
                        new ApiError(400, "unknown_server", "no live MCP server " + s.serverId()));
              }
            })
        .onFailure(ctx::fail);
  }

  private record WantedGrant(String server, String tool, Capability capability) {}

  private static WantedGrant wantedGrant(Object raw, int index) {
    String where = "grants[" + index + "]";
    if (!(raw instanceof JsonObject g)) {
      throw ApiError.badRequest(where + " must be an object {server, tool, capability?}");
    }
    for (String field : g.fieldNames()) {
      if (!Set.of("server", "tool", "capability").contains(field)) {
        throw ApiError.badRequest(where + " has an unknown field '" + field + "'");
      }
    }
    String server = Bodies.requiredString(g, "server", 64, false);
    String tool = Bodies.requiredString(g, "tool", MAX_TOOL_NAME, false);
    Capability capability = null;
    if (g.getValue("capability") != null) {
      capability =
          g.getValue("capability") instanceof String s ? Capability.fromWire(s).orElse(null) : null;
      if (capability == null) {
        throw ApiError.badRequest(
            where + ".capability must be one of read_local, write_local, external, destructive");
      }
    }
    return new WantedGrant(server, tool, capability);
  }

  // Names to ids, and each tool checked against the server's last list.
  private static List<NewGrant> resolve(List<WantedGrant> wanted, List<McpServer> servers) {
    List<NewGrant> out = new ArrayList<>();
    for (WantedGrant w : wanted) {
      McpServer server =
          servers.stream()
              .filter(
                  s ->
                      s.name().equals(w.server()) || s.id().toString().equalsIgnoreCase(w.server()))
              .findFirst()
              .orElseThrow(
                  () ->
                      new ApiError(
                          400,
                          "unknown_server",
                          "no MCP server named '" + w.server() + "' in this workspace"));
      if (!McpServer.ALL_TOOLS.equals(w.tool()) && server.tools() != null) {
        boolean listed =
            server.tools().stream()
                .anyMatch(t -> t instanceof JsonObject o && w.tool().equals(o.getString("name")));
        if (!listed) {
          throw new ApiError(
              400,
              "unknown_tool",
              "the MCP server '"
                  + server.name()
                  + "' lists no tool '"
                  + w.tool()
                  + "' (refresh it if it changed; '*' grants every tool)");
        }
      }
      out.add(new NewGrant(server.id(), w.tool(), w.capability()));
    }
    return out;
  }

  // The header to send on a refresh, with the credential opened from the vault.
  private Future<Optional<McpToolLister.Auth>> auth(RoutingContext ctx, McpServer server) {
    if (server.credentialName() == null) {
      return Future.succeededFuture(Optional.empty());
    }
    Vault v = vault();
    UUID workspace = server.workspaceId();
    return Scopes.of(ctx)
        .credentials()
        .live(workspace)
        .compose(
            stored -> {
              var found =
                  stored.stream().filter(c -> c.name().equals(server.credentialName())).findFirst();
              if (found.isEmpty()) {
                return Future.failedFuture(
                    ApiError.conflict(
                        "credential_missing",
                        "the server's credential '"
                            + server.credentialName()
                            + "' was revoked: add it again or change the server's credential_name"));
              }
              String secret = v.open(workspace, found.get().name(), found.get().sealed());
              String scheme = server.authScheme() == null ? "" : server.authScheme();
              String value = scheme.isEmpty() ? secret : scheme + " " + secret;
              return Future.succeededFuture(
                  Optional.of(new McpToolLister.Auth(server.authHeader(), value, secret)));
            });
  }

  private Future<Void> credentialExists(RoutingContext ctx, String credential) {
    if (credential == null) {
      return Future.succeededFuture();
    }
    return Scopes.of(ctx)
        .credentials()
        .list(Authenticator.principal(ctx).workspaceId())
        .compose(
            list ->
                list.stream().anyMatch(c -> c.name().equals(credential))
                    ? Future.succeededFuture()
                    : Future.failedFuture(
                        new ApiError(
                            400,
                            "unknown_credential",
                            "the workspace has no credential named '"
                                + credential
                                + "' (POST /api/credentials adds one)")));
  }

  private Vault vault() {
    return vault.orElseThrow(
        () ->
            new ApiError(
                503,
                "vault_not_configured",
                "credentials need OPEN_PINCERY_VAULT_KEY (base64 of 32 random bytes) on the server"));
  }

  // The wake worker's rule (McpServer.refusedUrl: https, or http to a loopback address unless
  // MCP_ALLOW_HTTP), then the shape the API keeps: no user info or fragment, scheme in lower case.
  private String url(String raw) {
    String refused = McpServer.refusedUrl(raw, allowHttp);
    Optional<String> problem =
        refused != null
            ? Optional.of(
                refused
                    .replaceFirst("^its URL ", "")
                    .replaceFirst("^plain", "must be https: plain"))
            : StandardWebhooks.urlProblem(raw, true);
    if (problem.isEmpty() && !raw.matches("https?://\\S+")) {
      problem = Optional.of("must start with https:// (or http://) in lower case");
    }
    if (problem.isPresent()) {
      throw new ApiError(400, "invalid_url", "'url' " + problem.get());
    }
    return raw;
  }

  private static String credentialName(Optional<String> raw) {
    if (raw.isPresent() && !CREDENTIAL.matcher(raw.get()).matches()) {
      throw ApiError.badRequest(
          "'credential_name' is a credential's name: 1-64 letters, digits or '_', not starting"
              + " with a digit");
    }
    return raw.orElse(null);
  }

  private static String header(Optional<String> raw) {
    if (raw.isPresent()
        && (!HEADER.matcher(raw.get()).matches()
            || RESTRICTED_HEADERS.contains(raw.get().toLowerCase(Locale.ROOT)))) {
      throw ApiError.badRequest(
          "'auth_header' must be an HTTP header name (such as Authorization or X-Api-Key), not one"
              + " of "
              + String.join(", ", RESTRICTED_HEADERS));
    }
    return raw.orElse(null);
  }

  private static String scheme(Optional<String> raw) {
    if (raw.isPresent() && !SCHEME.matcher(raw.get()).matches()) {
      throw ApiError.badRequest(
          "'auth_scheme' is a single word such as Bearer or Token (up to 32), or '' for the raw"
              + " value");
    }
    return raw.orElse(null);
  }

  private static ApiError noSuchServer() {
    return ApiError.notFound("no such MCP server");
  }

  /**
   * A tool's capability class when no grant overrides it (docs/supervision.md, the MCP spec's
   * annotation defaults): {@code readOnlyHint: true} is external; else {@code destructiveHint}
   * (true unless said otherwise) is destructive; else external.
   */
  static Capability toolClass(JsonObject annotations) {
    JsonObject a = annotations == null ? new JsonObject() : annotations;
    return Capability.ofMcpHints(hint(a, "readOnlyHint"), hint(a, "destructiveHint"));
  }

  // A boolean annotation as stored, or null when absent or not a boolean.
  private static Boolean hint(JsonObject annotations, String name) {
    return annotations.getValue(name) instanceof Boolean b ? b : null;
  }

  static JsonObject json(McpServer s) {
    JsonArray tools = null;
    if (s.tools() != null) {
      tools = new JsonArray();
      for (Object t : s.tools()) {
        if (t instanceof JsonObject tool) {
          tools.add(
              tool.copy()
                  .put("capability", toolClass(tool.getJsonObject("annotations")).wire())
                  .put(
                      "namespaced",
                      org.openpincery.model.McpToolNames.namespaced(
                          s.name(), tool.getString("name", ""))));
        }
      }
    }
    return new JsonObject()
        .put("id", s.id().toString())
        .put("name", s.name())
        .put("url", s.url())
        .put("transport", s.transport())
        .put("credential_name", s.credentialName())
        .put("auth_header", s.authHeader())
        .put("auth_scheme", s.authScheme())
        .put("enabled", s.enabled())
        .put("description", s.description())
        .put("tools", tools)
        .put("tools_listed_at", s.toolsListedAt() == null ? null : s.toolsListedAt().toString())
        .put("last_error", s.lastError())
        .put("created_at", s.createdAt().toString())
        .put("updated_at", s.updatedAt().toString());
  }

  static JsonObject grantsJson(List<McpGrant> grants) {
    JsonArray out = new JsonArray();
    for (McpGrant g : grants) {
      out.add(
          new JsonObject()
              .put("server_id", g.serverId().toString())
              .put("server", g.server())
              .put("tool", g.tool())
              .put("capability", g.capability() == null ? null : g.capability().wire())
              .put("namespaced", g.namespaced()));
    }
    return new JsonObject().put("grants", out);
  }
}
