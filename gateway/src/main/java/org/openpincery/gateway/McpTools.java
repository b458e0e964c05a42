package org.openpincery.gateway;

import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.server.McpAsyncServerExchange;
import io.modelcontextprotocol.server.McpServerFeatures.AsyncResourceSpecification;
import io.modelcontextprotocol.server.McpServerFeatures.AsyncResourceTemplateSpecification;
import io.modelcontextprotocol.server.McpServerFeatures.AsyncToolSpecification;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.openpincery.model.AgentView;
import org.openpincery.model.Role;
import org.openpincery.model.ScheduleSpec;
import org.openpincery.store.AppendBatcher;
import org.openpincery.store.AppendResult;
import org.openpincery.store.AuditRepository;
import org.openpincery.store.AuthRepository.Principal;
import org.openpincery.store.Store;
import reactor.core.publisher.Mono;

/**
 * The tools and resources Open Pincery offers MCP clients (issue 15; docs/mcp.md): {@code
 * list_agents}, {@code get_agent}, {@code read_events} (role viewer), {@code send_message}, {@code
 * set_schedule} (role operator), the resource {@code pincery://agents} and the resource templates
 * {@code pincery://agents/{id}/events} and {@code pincery://agents/{id}/projection}.
 *
 * <p>Every handler acts for the principal of the HTTP request that carried the call, in its
 * workspace, through the request's row-level-security scope ({@link Scopes}) and the same store
 * methods as the REST handlers. A caller below the role a tool needs, an unknown agent or a bad
 * argument gets a tool error ({@code isError: true}) saying why; nothing runs. Writes are on the
 * audit trail as {@code mcp.send_message} and {@code mcp.set_schedule}; a refusal by role as {@code
 * authorization.refused} with the tool's action in {@code detail.action}, as REST does.
 */
final class McpTools {

  static final int MAX_WAIT_SECONDS = 120;
  static final int MAX_EVENTS = 200;
  static final int DEFAULT_EVENTS = 50;
  private static final long WAIT_POLL_MILLIS = 250;
  private static final Pattern RESOURCE =
      Pattern.compile("pincery://agents/([^/]+)/(events|projection)");
  static final String AGENTS_URI = "pincery://agents";
  private static final Pattern DURATION = Pattern.compile("(\\d{1,9})\\s*([smhd]?)");

  private final io.vertx.core.Vertx vertx;
  private final AppendBatcher messages;
  private final AuditRepository audit;
  private final GatewayMetrics metrics;

  /** A refusal or a bad argument: becomes the tool's error result. */
  static final class ToolError extends RuntimeException {
    ToolError(String message) {
      super(message, null, false, false);
    }
  }

  /** The calling request's principal and scope, from the transport context. */
  private record Caller(
      Principal principal, Store.InWorkspaces scope, String address, String requestId) {
    static Caller of(McpAsyncServerExchange exchange) {
      McpTransportContext c = exchange.transportContext();
      return new Caller(
          (Principal) c.get(McpTransport.PRINCIPAL),
          (Store.InWorkspaces) c.get(McpTransport.SCOPE),
          (String) c.get(McpTransport.ADDRESS),
          (String) c.get(McpTransport.REQUEST_ID));
    }

    UUID workspace() {
      return principal.workspaceId();
    }
  }

  McpTools(
      io.vertx.core.Vertx vertx,
      AppendBatcher messages,
      AuditRepository audit,
      GatewayMetrics metrics) {
    this.vertx = vertx;
    this.messages = messages;
    this.audit = audit;
    this.metrics = metrics;
  }

  List<AsyncToolSpecification> tools() {
    return List.of(
        tool(
            "list_agents",
            "List the agents of your workspace: id, name, status, permission mode, stopped, budget.",
            "{\"type\":\"object\",\"properties\":{},\"additionalProperties\":false}",
            true,
            this::listAgents),
        tool(
            "get_agent",
            "An agent's identity, work list, latest wake summary, status, permission mode, whether"
                + " it is stopped, and its budget.",
            schema("\"agent\":" + AGENT_ARG, "\"agent\""),
            true,
            this::getAgent),
        tool(
            "send_message",
            "Send an agent a message as a person (it wakes the agent). 'stop' or 'carry on' alone"
                + " stops or resumes it. With wait_seconds > 0, waits up to that long for the wake"
                + " that reads the message to end and returns the agent's replies. Needs role"
                + " operator.",
            schema(
                "\"agent\":"
                    + AGENT_ARG
                    + ",\"content\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":"
                    + AgentHandlers.MAX_MESSAGE_CHARS
                    + ",\"description\":\"the message\"},\"wait_seconds\":{\"type\":\"integer\","
                    + "\"minimum\":0,\"maximum\":"
                    + MAX_WAIT_SECONDS
                    + ",\"description\":\"how long to wait for the reply (0: do not wait)\"}",
                "\"agent\",\"content\""),
            false,
            this::sendMessage),
        tool(
            "read_events",
            "An agent's event log: with after_seq, the events after that seq, oldest first; else"
                + " the newest. next_after_seq continues.",
            schema(
                "\"agent\":"
                    + AGENT_ARG
                    + ",\"after_seq\":{\"type\":\"integer\",\"minimum\":0},\"limit\":{\"type\":"
                    + "\"integer\",\"minimum\":1,\"maximum\":"
                    + MAX_EVENTS
                    + ",\"description\":\"default "
                    + DEFAULT_EVENTS
                    + "\"}",
                "\"agent\""),
            true,
            this::readEvents),
        tool(
            "set_schedule",
            "Give an agent a recurring timer: every (seconds, or '30m', '2h', '1d') or cron (five"
                + " fields, UTC), with a note the agent reads when it fires. Needs role operator.",
            schema(
                "\"agent\":"
                    + AGENT_ARG
                    + ",\"every\":{\"type\":[\"integer\",\"string\"],\"description\":\"seconds,"
                    + " or a number with s, m, h or d\"},\"cron\":{\"type\":\"string\",\"maxLength\""
                    + ":200},\"note\":{\"type\":\"string\",\"maxLength\":1000}",
                "\"agent\",\"note\""),
            false,
            this::setSchedule));
  }

  /**
   * {@code pincery://agents}: the caller's workspace's agents, each with the URIs of its resources
   * (the SDK's {@code resources/list} is the same for every caller, so the per-workspace list is
   * this one resource's content).
   */
  List<AsyncResourceSpecification> fixedResources() {
    return List.of(
        new AsyncResourceSpecification(
            McpSchema.Resource.builder()
                .uri(AGENTS_URI)
                .name("agents")
                .title("Your workspace's agents")
                .description(
                    "The agents of your workspace, each with its events and projection resource"
                        + " URIs")
                .mimeType("application/json")
                .build(),
            this::readAgents));
  }

  private Mono<McpSchema.ReadResourceResult> readAgents(
      McpAsyncServerExchange exchange, McpSchema.ReadResourceRequest request) {
    Caller caller = Caller.of(exchange);
    return Mono.fromCompletionStage(
        listAgents(caller, Map.of())
            .map(
                json -> {
                  json.getJsonArray("agents")
                      .forEach(
                          a -> {
                            JsonObject agent = (JsonObject) a;
                            String base = "pincery://agents/" + agent.getString("id");
                            agent.put("events_uri", base + "/events");
                            agent.put("projection_uri", base + "/projection");
                          });
                  return new McpSchema.ReadResourceResult(
                      List.of(
                          new McpSchema.TextResourceContents(
                              AGENTS_URI, "application/json", json.encodePrettily())));
                })
            .toCompletionStage());
  }

  List<AsyncResourceTemplateSpecification> resources() {
    return List.of(
        new AsyncResourceTemplateSpecification(
            McpSchema.ResourceTemplate.builder()
                .uriTemplate("pincery://agents/{id}/events")
                .name("agent-events")
                .title("An agent's recent events")
                .description("The newest " + DEFAULT_EVENTS + " events of the agent, oldest first")
                .mimeType("application/json")
                .build(),
            this::readResource),
        new AsyncResourceTemplateSpecification(
            McpSchema.ResourceTemplate.builder()
                .uriTemplate("pincery://agents/{id}/projection")
                .name("agent-projection")
                .title("An agent's identity, work list and summary")
                .description(
                    "The agent's latest projection (version, identity, work list, summary)")
                .mimeType("application/json")
                .build(),
            this::readResource));
  }

  private static final String AGENT_ARG =
      "{\"type\":\"string\",\"minLength\":1,\"maxLength\":64,\"description\":\"the agent's name or"
          + " id\"}";

  private static String schema(String properties, String required) {
    return "{\"type\":\"object\",\"properties\":{"
        + properties
        + "},\"required\":["
        + required
        + "],\"additionalProperties\":false}";
  }

  private AsyncToolSpecification tool(
      String name,
      String description,
      String inputSchema,
      boolean readOnly,
      java.util.function.BiFunction<Caller, Map<String, Object>, Future<JsonObject>> run) {
    McpSchema.Tool tool =
        McpSchema.Tool.builder()
            .name(name)
            .description(description)
            .inputSchema(io.modelcontextprotocol.json.McpJsonDefaults.getMapper(), inputSchema)
            .annotations(new McpSchema.ToolAnnotations(null, readOnly, false, false, false, null))
            .build();
    return new AsyncToolSpecification(
        tool,
        (exchange, request) -> {
          Caller caller = Caller.of(exchange);
          Future<JsonObject> result;
          try {
            Map<String, Object> args = request.arguments() == null ? Map.of() : request.arguments();
            result = run.apply(caller, args);
          } catch (ToolError e) {
            result = Future.failedFuture(e);
          }
          return Mono.fromCompletionStage(
              result
                  .map(McpTools::ok)
                  .recover(
                      err ->
                          err instanceof ToolError
                              ? Future.succeededFuture(error(err.getMessage()))
                              : Future.failedFuture(err))
                  .toCompletionStage());
        });
  }

  // The result as text and as structured content; the latter as plain maps and lists (a JsonArray
  // inside JsonObject.getMap() would reach the SDK's Jackson as a bean: {"empty", "list"}).
  @SuppressWarnings("unchecked")
  private static McpSchema.CallToolResult ok(JsonObject json) {
    return McpSchema.CallToolResult.builder()
        .addTextContent(json.encodePrettily())
        .structuredContent(
            (java.util.Map<String, Object>)
                io.vertx.core.json.Json.decodeValue(json.encode(), java.util.Map.class))
        .isError(false)
        .build();
  }

  private static McpSchema.CallToolResult error(String message) {
    return McpSchema.CallToolResult.builder().addTextContent(message).isError(true).build();
  }

  // ---- tools ----

  private Future<JsonObject> listAgents(Caller caller, Map<String, Object> args) {
    return caller
        .scope()
        .agents()
        .list(caller.workspace(), false)
        .map(
            list -> {
              JsonArray out = new JsonArray();
              list.forEach(a -> out.add(agentJson(a)));
              return new JsonObject().put("agents", out);
            });
  }

  private Future<JsonObject> getAgent(Caller caller, Map<String, Object> args) {
    String ref = string(args, "agent", 64, true);
    return agent(caller, ref, true)
        .compose(
            a ->
                caller
                    .scope()
                    .agents()
                    .latestProjection(a.id())
                    .map(
                        p ->
                            agentJson(a)
                                .put("identity", p.map(x -> x.identity()).orElse(null))
                                .put("work_list", p.map(x -> x.workList()).orElse(null))
                                .put("wake_summary", p.map(x -> x.summary()).orElse(null))
                                .put("projection_version", p.map(x -> x.version()).orElse(0))));
  }

  private Future<JsonObject> readEvents(Caller caller, Map<String, Object> args) {
    String ref = string(args, "agent", 64, true);
    Long after = integer(args, "after_seq", 0, Long.MAX_VALUE);
    Long limitArg = integer(args, "limit", 1, MAX_EVENTS);
    int limit = limitArg == null ? DEFAULT_EVENTS : limitArg.intValue();
    return agent(caller, ref, true)
        .compose(
            a ->
                after == null
                    ? caller.scope().events().pageNewest(a.id(), limit)
                    : caller.scope().events().pageAfter(a.id(), after, limit))
        .map(
            list ->
                new JsonObject()
                    .put("events", Responses.events(list))
                    .put("next_after_seq", list.isEmpty() ? null : list.getLast().seq()));
  }

  private Future<JsonObject> sendMessage(Caller caller, Map<String, Object> args) {
    String ref = string(args, "agent", 64, true);
    String content = string(args, "content", AgentHandlers.MAX_MESSAGE_CHARS, true);
    if (content.isBlank()) {
      throw new ToolError("'content' must not be blank");
    }
    Long wait = integer(args, "wait_seconds", 0, MAX_WAIT_SECONDS);
    return writer(caller, "mcp.send_message")
        .compose(v -> agent(caller, ref, false))
        .compose(
            a ->
                messages
                    .appendInWorkspace(
                        caller.workspace(),
                        a.id(),
                        AgentHandlers.personMessage(caller.principal().userId(), content))
                    .compose(
                        result ->
                            switch (result) {
                              case AppendResult.Appended ok -> {
                                metrics.messageAccepted();
                                JsonObject detail =
                                    new JsonObject()
                                        .put("seq", ok.seq())
                                        .put("event_id", ok.eventId().toString());
                                yield audited(caller, "mcp.send_message", a.id(), detail)
                                    .map(
                                        x ->
                                            new JsonObject()
                                                .put("agent_id", a.id().toString())
                                                .put("event_id", ok.eventId().toString())
                                                .put("seq", ok.seq()));
                              }
                              case AppendResult.AgentNotFound n ->
                                  Future.failedFuture(
                                      new ToolError("agent '" + ref + "' was deleted"));
                              case AppendResult.LeaseLost l ->
                                  Future.failedFuture(new ToolError("no agent '" + ref + "'"));
                            })
                    .compose(
                        sent ->
                            wait == null || wait == 0
                                ? Future.succeededFuture(sent)
                                : new ReplyWait(
                                        vertx,
                                        caller.scope(),
                                        caller.workspace(),
                                        a.id(),
                                        sent.getLong("seq"))
                                    .await(wait * 1000, WAIT_POLL_MILLIS)
                                    .map(sent::mergeIn)));
  }

  private Future<JsonObject> setSchedule(Caller caller, Map<String, Object> args) {
    String ref = string(args, "agent", 64, true);
    Object every = args.get("every");
    String cron = args.get("cron") == null ? null : string(args, "cron", 200, false);
    String note = string(args, "note", 1000, true);
    if ((every == null) == (cron == null)) {
      throw new ToolError("give exactly one of 'every' and 'cron'");
    }
    ScheduleSpec spec;
    Integer seconds = null;
    try {
      if (every != null) {
        seconds = seconds(every);
        spec = ScheduleSpec.every(seconds);
      } else {
        spec = ScheduleSpec.cron(cron);
      }
    } catch (IllegalArgumentException e) {
      throw new ToolError(e.getMessage());
    }
    Instant first = spec.nextAfter(Instant.now()).orElseThrow();
    Integer everySeconds = seconds;
    return writer(caller, "mcp.set_schedule")
        .compose(v -> agent(caller, ref, false))
        .compose(
            a ->
                caller
                    .scope()
                    .schedules()
                    .create(
                        caller.workspace(),
                        a.id(),
                        everySeconds,
                        cron,
                        note,
                        first,
                        caller.principal().userId())
                    .compose(
                        created -> {
                          if (created.isEmpty()) {
                            return Future.failedFuture(
                                new ToolError("agent '" + ref + "' was deleted"));
                          }
                          JsonObject json = created.get().toJson();
                          return audited(
                                  caller,
                                  "mcp.set_schedule",
                                  a.id(),
                                  new JsonObject()
                                      .put("schedule_id", json.getString("id"))
                                      .put("every_seconds", everySeconds)
                                      .put("cron", cron))
                              .map(x -> json);
                        }));
  }

  // ---- resources ----

  private Mono<McpSchema.ReadResourceResult> readResource(
      McpAsyncServerExchange exchange, McpSchema.ReadResourceRequest request) {
    Caller caller = Caller.of(exchange);
    Matcher m = RESOURCE.matcher(request.uri());
    if (!m.matches()) {
      return Mono.error(notFound("unknown resource " + request.uri()));
    }
    String ref = m.group(1);
    Function<AgentView, Future<JsonObject>> read =
        m.group(2).equals("events")
            ? a ->
                caller
                    .scope()
                    .events()
                    .pageNewest(a.id(), DEFAULT_EVENTS)
                    .map(list -> new JsonObject().put("events", Responses.events(list)))
            : a ->
                caller
                    .scope()
                    .agents()
                    .latestProjection(a.id())
                    .map(
                        p ->
                            new JsonObject()
                                .put("agent_id", a.id().toString())
                                .put("version", p.map(x -> x.version()).orElse(0))
                                .put("identity", p.map(x -> x.identity()).orElse(null))
                                .put("work_list", p.map(x -> x.workList()).orElse(null))
                                .put("summary", p.map(x -> x.summary()).orElse(null)));
    Future<McpSchema.ReadResourceResult> result =
        agent(caller, ref, true)
            .compose(read)
            .map(
                json ->
                    new McpSchema.ReadResourceResult(
                        List.of(
                            new McpSchema.TextResourceContents(
                                request.uri(), "application/json", json.encodePrettily()))));
    return Mono.fromCompletionStage(
        result
            .recover(
                err ->
                    Future.failedFuture(
                        err instanceof ToolError ? notFound(err.getMessage()) : err))
            .toCompletionStage());
  }

  // ---- helpers ----

  private static McpError notFound(String message) {
    return McpError.builder(McpSchema.ErrorCodes.RESOURCE_NOT_FOUND).message(message).build();
  }

  /**
   * The agent named {@code ref} (a name, or an id) of the caller's workspace. A deleted agent is
   * found only when {@code deletedToo} (reads: its history stays readable).
   */
  private static Future<AgentView> agent(Caller caller, String ref, boolean deletedToo) {
    Optional<UUID> id = uuid(ref);
    Future<Optional<AgentView>> found =
        id.isPresent()
            ? caller.scope().agents().get(caller.workspace(), id.get())
            : caller
                .scope()
                .agents()
                .list(caller.workspace(), false)
                .map(list -> list.stream().filter(a -> a.name().equals(ref)).findFirst());
    return found.compose(
        a -> {
          if (a.isEmpty()) {
            return Future.failedFuture(
                new ToolError("no agent named or with id '" + ref + "' in your workspace"));
          }
          if (a.get().deleted() && !deletedToo) {
            return Future.failedFuture(
                new ToolError("agent '" + ref + "' was deleted: it takes no input"));
          }
          return Future.succeededFuture(a.get());
        });
  }

  /** Lets an operator on; else records the refusal (as REST does) and fails with a ToolError. */
  private Future<Void> writer(Caller caller, String action) {
    Principal p = caller.principal();
    if (p.role().atLeast(Role.OPERATOR)) {
      return Future.succeededFuture();
    }
    String message =
        action.substring(4)
            + " needs role "
            + Role.OPERATOR.wire()
            + "; you are "
            + p.role().wire();
    return append(
            caller,
            AuditTrail.AUTHORIZATION_REFUSED,
            null,
            null,
            false,
            403,
            new JsonObject()
                .put("action", action)
                .put("reason", "forbidden")
                .put("method", "POST")
                .put("path", "/mcp"))
        .compose(v -> Future.failedFuture(new ToolError(message)));
  }

  private Future<Void> audited(Caller caller, String action, UUID agent, JsonObject detail) {
    return append(caller, action, "agent", agent.toString(), true, 200, detail);
  }

  // A failed append is logged and counted by the repository's callers in REST; here the write
  // already happened, so the tool still answers (as REST sends its response).
  private Future<Void> append(
      Caller caller,
      String action,
      String targetType,
      String targetId,
      boolean ok,
      int status,
      JsonObject detail) {
    AuditTrail.Actor actor = AuditTrail.actorOf(caller.principal());
    return audit
        .append(
            new AuditRepository.Entry(
                caller.workspace(),
                actor.type(),
                actor.id(),
                actor.userId(),
                action,
                targetType,
                targetId,
                ok,
                status,
                caller.address(),
                caller.requestId(),
                detail))
        .<Void>mapEmpty()
        .recover(
            err -> {
              metrics.auditAppendFailed();
              return Future.succeededFuture();
            });
  }

  private static JsonObject agentJson(AgentView a) {
    JsonObject json = Responses.agent(a);
    json.remove("workspace_id");
    return json;
  }

  private static Optional<UUID> uuid(String s) {
    try {
      return Optional.of(UUID.fromString(s));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  private static String string(Map<String, Object> args, String name, int max, boolean required) {
    Object v = args.get(name);
    if (v == null) {
      if (required) {
        throw new ToolError("'" + name + "' is required");
      }
      return null;
    }
    if (!(v instanceof String s)) {
      throw new ToolError("'" + name + "' must be a string");
    }
    if (s.length() > max) {
      throw new ToolError("'" + name + "' is longer than " + max + " characters");
    }
    return s;
  }

  private static Long integer(Map<String, Object> args, String name, long min, long max) {
    Object v = args.get(name);
    if (v == null) {
      return null;
    }
    long n;
    if (v instanceof Integer || v instanceof Long || v instanceof Short) {
      n = ((Number) v).longValue();
    } else if (v instanceof Number d && d.doubleValue() == Math.rint(d.doubleValue())) {
      n = d.longValue();
    } else {
      throw new ToolError("'" + name + "' must be a whole number");
    }
    if (n < min || n > max) {
      throw new ToolError("'" + name + "' must be between " + min + " and " + max);
    }
    return n;
  }

  /** Seconds from {@code every}: a whole number, or a number with s, m, h or d. */
  static int seconds(Object every) {
    long n;
    if (every instanceof Number num && num.doubleValue() == Math.rint(num.doubleValue())) {
      n = num.longValue();
    } else if (every instanceof String s && DURATION.matcher(s.strip()).matches()) {
      Matcher m = DURATION.matcher(s.strip());
      m.matches();
      long unit =
          switch (m.group(2)) {
            case "m" -> 60;
            case "h" -> 3600;
            case "d" -> 86_400;
            default -> 1;
          };
      n = Long.parseLong(m.group(1)) * unit;
    } else {
      throw new IllegalArgumentException(
          "'every' must be whole seconds or a number with s, m, h or d (such as 30m)");
    }
    if (n > Integer.MAX_VALUE || n < Integer.MIN_VALUE) {
      throw new IllegalArgumentException("'every' is too long");
    }
    return (int) n;
  }
}
