package org.openpincery.gateway;

import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.TypeRef;
import io.modelcontextprotocol.spec.HttpHeaders;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpStreamableServerSession;
import io.modelcontextprotocol.spec.McpStreamableServerTransport;
import io.modelcontextprotocol.spec.McpStreamableServerTransportProvider;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.openpincery.store.AuthRepository.Principal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * The MCP Streamable HTTP transport (spec 2025-06-18 / 2025-11-25, "Transports") on Vert.x, as an
 * implementation of the MCP Java SDK's {@link McpStreamableServerTransportProvider}: the SDK ships
 * servlet and WebFlux providers only, and this one follows its {@code
 * HttpServletStreamableServerTransportProvider} without ever blocking the event loop (Reactor
 * publishers are subscribed, never {@code block()}ed).
 *
 * <ul>
 *   <li>{@code POST /mcp}: one JSON-RPC message. {@code initialize} answers JSON with a new {@code
 *       Mcp-Session-Id}; another request answers an SSE stream ({@code text/event-stream}) that
 *       carries its response and ends; a notification or response answers {@code 202}.
 *   <li>{@code GET /mcp}: the session's server-to-client SSE stream (no resumption: {@code
 *       Last-Event-ID} is ignored).
 *   <li>{@code DELETE /mcp}: ends the session, {@code 204}.
 * </ul>
 *
 * <p>A session belongs to the principal (session or API token) that initialized it, in the
 * workspace it was in: another bearer token, even of the same user, or the same session token
 * switched to another workspace, gets {@code 404} for it, as an unknown session would. The route
 * authenticates before this class sees a request (401 otherwise). A request's principal and
 * workspace scope reach the SDK's handlers in its {@link McpTransportContext} ({@link #PRINCIPAL},
 * {@link #SCOPE}, {@link #ADDRESS}, {@link #REQUEST_ID}). Sessions idle for {@link #IDLE} are
 * forgotten; at most {@link #MAX_SESSIONS} live at once (503 past that).
 */
final class McpTransport implements McpStreamableServerTransportProvider {

  static final String PRINCIPAL = "principal";
  static final String SCOPE = "scope";
  static final String ADDRESS = "address";
  static final String REQUEST_ID = "request_id";
  static final Duration IDLE = Duration.ofMinutes(30);
  static final int MAX_SESSIONS = 10_000;

  private static final Logger LOG = LoggerFactory.getLogger(McpTransport.class);

  private final Vertx vertx;
  private final ClientAddress clients;
  // SSE comments keep a long tool call's stream alive through proxies and the idle timeout
  // (OPEN_PINCERY_SSE_HEARTBEAT_SECONDS, which the config keeps shorter than it).
  private final long keepAliveMillis;
  private final McpJsonMapper json = McpJsonDefaults.getMapper();
  private final Map<String, Bound> sessions = new ConcurrentHashMap<>();
  private volatile McpStreamableServerSession.Factory factory;
  private volatile boolean closing;

  /**
   * A session, the principal it belongs to ({@link Principal#sessionId()}: session or token) and
   * the workspace it was opened in (a session token can switch workspaces; its MCP session cannot).
   */
  private record Bound(
      McpStreamableServerSession session, UUID owner, UUID workspace, AtomicLong lastUsed) {

    boolean heldBy(Principal p) {
      return owner.equals(p.sessionId()) && workspace.equals(p.workspaceId());
    }
  }

  McpTransport(Vertx vertx, ClientAddress clients, Duration keepAlive) {
    this.vertx = vertx;
    this.clients = clients;
    this.keepAliveMillis = Math.max(1, keepAlive.toMillis());
    vertx.setPeriodic(60_000, id -> forgetIdle());
  }

  @Override
  public void setSessionFactory(McpStreamableServerSession.Factory sessionFactory) {
    this.factory = sessionFactory;
  }

  @Override
  public Mono<Void> notifyClients(String method, Object params) {
    return Mono.fromRunnable(
        () ->
            sessions
                .values()
                .forEach(
                    b ->
                        b.session()
                            .sendNotification(method, params)
                            .subscribe(
                                v -> {},
                                err -> LOG.debug("notification not sent: {}", err.toString()))));
  }

  @Override
  public Mono<Void> notifyClient(String sessionId, String method, Object params) {
    Bound b = sessions.get(sessionId);
    return b == null ? Mono.empty() : b.session().sendNotification(method, params);
  }

  @Override
  public Mono<Void> closeGracefully() {
    return Mono.fromRunnable(
        () -> {
          closing = true;
          sessions.values().forEach(b -> b.session().close());
          sessions.clear();
        });
  }

  /** Serves one authenticated request to {@code /mcp}. */
  void handle(RoutingContext ctx) {
    if (closing) {
      rpcError(ctx, 503, McpSchema.ErrorCodes.INTERNAL_ERROR, "the server is shutting down");
      return;
    }
    switch (ctx.request().method().name()) {
      case "POST" -> post(ctx);
      case "GET" -> get(ctx);
      case "DELETE" -> delete(ctx);
      default -> {
        ctx.response().putHeader("Allow", "GET, POST, DELETE");
        rpcError(ctx, 405, McpSchema.ErrorCodes.METHOD_NOT_FOUND, "use POST, GET or DELETE");
      }
    }
  }

  private void post(RoutingContext ctx) {
    String accept = ctx.request().getHeader(HttpHeaders.ACCEPT);
    if (!accepts(accept, "application/json") || !accepts(accept, "text/event-stream")) {
      rpcError(
          ctx,
          406,
          McpSchema.ErrorCodes.INVALID_REQUEST,
          "the Accept header must list application/json and text/event-stream");
      return;
    }
    McpSchema.JSONRPCMessage message;
    try {
      String body = ctx.body() == null ? "" : ctx.body().asString();
      message = McpSchema.deserializeJsonRpcMessage(json, body);
    } catch (Exception e) {
      rpcError(ctx, 400, McpSchema.ErrorCodes.PARSE_ERROR, "not one JSON-RPC 2.0 message");
      return;
    }
    McpTransportContext context = context(ctx);
    if (message instanceof McpSchema.JSONRPCRequest request
        && McpSchema.METHOD_INITIALIZE.equals(request.method())) {
      initialize(ctx, request);
      return;
    }
    Bound bound = session(ctx);
    if (bound == null) {
      return;
    }
    McpStreamableServerSession session = bound.session();
    switch (message) {
      case McpSchema.JSONRPCRequest request -> {
        SseTransport transport = new SseTransport(ctx.response(), session.getId());
        session
            .responseStream(request, transport)
            .contextWrite(c -> c.put(McpTransportContext.KEY, context))
            .subscribe(
                v -> {},
                err -> {
                  LOG.warn("MCP request stream failed: {}", err.toString());
                  transport.close();
                });
      }
      case McpSchema.JSONRPCNotification notification ->
          accepted(ctx, session.accept(notification), context);
      case McpSchema.JSONRPCResponse response -> accepted(ctx, session.accept(response), context);
      default ->
          rpcError(ctx, 400, McpSchema.ErrorCodes.INVALID_REQUEST, "unknown JSON-RPC message");
    }
  }

  private void initialize(RoutingContext ctx, McpSchema.JSONRPCRequest request) {
    if (sessions.size() >= MAX_SESSIONS) {
      forgetIdle();
      if (sessions.size() >= MAX_SESSIONS) {
        rpcError(ctx, 503, McpSchema.ErrorCodes.INTERNAL_ERROR, "too many MCP sessions; retry");
        return;
      }
    }
    McpSchema.InitializeRequest init;
    try {
      init = json.convertValue(request.params(), new TypeRef<McpSchema.InitializeRequest>() {});
    } catch (Exception e) {
      rpcError(ctx, 400, McpSchema.ErrorCodes.INVALID_PARAMS, "initialize: bad params");
      return;
    }
    var started = factory.startSession(init);
    McpStreamableServerSession session = started.session();
    Principal principal = Authenticator.principal(ctx);
    sessions.put(
        session.getId(),
        new Bound(
            session,
            principal.sessionId(),
            principal.workspaceId(),
            new AtomicLong(System.nanoTime())));
    started
        .initResult()
        .subscribe(
            result -> {
              String body;
              try {
                body =
                    json.writeValueAsString(McpSchema.JSONRPCResponse.result(request.id(), result));
              } catch (Exception e) {
                ctx.fail(e);
                return;
              }
              // Through the audit trail, as every API response: an API token's first use in an
              // hour is on record (token.use); an MCP session starts with this request.
              AuditTrail.beforeSend(
                  ctx,
                  200,
                  null,
                  null,
                  () -> {
                    if (!ctx.response().ended()) {
                      ctx.response()
                          .putHeader("content-type", "application/json")
                          .putHeader(HttpHeaders.MCP_SESSION_ID, session.getId())
                          .setStatusCode(200)
                          .end(body);
                    }
                  });
            },
            err -> {
              sessions.remove(session.getId());
              ctx.fail(err);
            });
  }

  private void get(RoutingContext ctx) {
    if (!accepts(ctx.request().getHeader(HttpHeaders.ACCEPT), "text/event-stream")) {
      rpcError(
          ctx,
          406,
          McpSchema.ErrorCodes.INVALID_REQUEST,
          "the Accept header must list text/event-stream");
      return;
    }
    Bound bound = session(ctx);
    if (bound == null) {
      return;
    }
    SseTransport transport = new SseTransport(ctx.response(), bound.session().getId());
    var stream = bound.session().listeningStream(transport);
    ctx.response()
        .closeHandler(
            v -> {
              transport.close();
              stream.close();
            });
  }

  private void delete(RoutingContext ctx) {
    Bound bound = session(ctx);
    if (bound == null) {
      return;
    }
    String id = bound.session().getId();
    bound
        .session()
        .delete()
        .contextWrite(c -> c.put(McpTransportContext.KEY, context(ctx)))
        .subscribe(
            v -> {},
            err -> ctx.fail(err),
            () -> {
              sessions.remove(id);
              if (!ctx.response().ended()) {
                ctx.response().setStatusCode(204).end();
              }
            });
  }

  /**
   * The request's session, checked against its principal and protocol version; null when it
   * answered the request already (400 without a session id or with an unsupported {@code
   * MCP-Protocol-Version}, 404 for an unknown session or another principal's).
   */
  private Bound session(RoutingContext ctx) {
    String id = ctx.request().getHeader(HttpHeaders.MCP_SESSION_ID);
    if (id == null || id.isBlank()) {
      rpcError(
          ctx, 400, McpSchema.ErrorCodes.INVALID_REQUEST, "the Mcp-Session-Id header is required");
      return null;
    }
    String version = ctx.request().getHeader(HttpHeaders.PROTOCOL_VERSION);
    if (version != null && !protocolVersions().contains(version)) {
      rpcError(
          ctx,
          400,
          McpSchema.ErrorCodes.INVALID_REQUEST,
          "unsupported MCP-Protocol-Version; supported: " + String.join(", ", protocolVersions()));
      return null;
    }
    Bound bound = sessions.get(id);
    if (bound == null || !bound.heldBy(Authenticator.principal(ctx))) {
      // Another principal's session is answered as an unknown one: its existence is not told.
      rpcError(ctx, 404, McpSchema.ErrorCodes.INVALID_REQUEST, "no such MCP session; initialize");
      return null;
    }
    bound.lastUsed().set(System.nanoTime());
    return bound;
  }

  private McpTransportContext context(RoutingContext ctx) {
    return McpTransportContext.create(
        Map.of(
            PRINCIPAL, Authenticator.principal(ctx),
            SCOPE, Scopes.of(ctx),
            ADDRESS, clients.of(ctx.request()),
            REQUEST_ID, RequestIds.of(ctx)));
  }

  private static void accepted(RoutingContext ctx, Mono<Void> done, McpTransportContext context) {
    done.contextWrite(c -> c.put(McpTransportContext.KEY, context))
        .subscribe(
            v -> {},
            err -> ctx.fail(err),
            () -> {
              if (!ctx.response().ended()) {
                ctx.response().setStatusCode(202).end();
              }
            });
  }

  private void forgetIdle() {
    long now = System.nanoTime();
    sessions
        .entrySet()
        .removeIf(
            e -> {
              boolean idle = now - e.getValue().lastUsed().get() > IDLE.toNanos();
              if (idle) {
                e.getValue().session().close();
              }
              return idle;
            });
  }

  private static boolean accepts(String accept, String type) {
    return accept != null && (accept.contains(type) || accept.contains("*/*"));
  }

  /** A JSON-RPC error answer, the shape MCP clients read on this endpoint (id null). */
  private static void rpcError(RoutingContext ctx, int status, int code, String message) {
    if (ctx.response().ended()) {
      return;
    }
    ctx.response()
        .setStatusCode(status)
        .putHeader("content-type", "application/json")
        .end(
            new io.vertx.core.json.JsonObject()
                .put("jsonrpc", "2.0")
                .putNull("id")
                .put(
                    "error",
                    new io.vertx.core.json.JsonObject().put("code", code).put("message", message))
                .encode());
  }

  /** One SSE response: the messages of one request (or the session's listening stream). */
  private final class SseTransport implements McpStreamableServerTransport {
    private final HttpServerResponse response;
    private final String sessionId;
    private final long keepAlive;
    private volatile boolean closed;

    SseTransport(HttpServerResponse response, String sessionId) {
      this.response = response;
      this.sessionId = sessionId;
      response
          .setChunked(true)
          .setStatusCode(200)
          .putHeader("content-type", "text/event-stream")
          .putHeader("cache-control", "no-cache")
          .putHeader(HttpHeaders.MCP_SESSION_ID, sessionId);
      response.writeHead();
      this.keepAlive = vertx.setPeriodic(keepAliveMillis, id -> write(": keep-alive\n\n"));
      response.closeHandler(v -> close());
    }

    @Override
    public Mono<Void> sendMessage(McpSchema.JSONRPCMessage message) {
      return sendMessage(message, null);
    }

    @Override
    public Mono<Void> sendMessage(McpSchema.JSONRPCMessage message, String messageId) {
      return Mono.fromRunnable(
          () -> {
            String data;
            try {
              data = json.writeValueAsString(message);
            } catch (Exception e) {
              throw new IllegalStateException("cannot encode an MCP message", e);
            }
            write(
                "id: "
                    + (messageId != null ? messageId : sessionId)
                    + "\nevent: message\ndata: "
                    + data
                    + "\n\n");
          });
    }

    private synchronized void write(String chunk) {
      if (!closed && !response.ended() && !response.closed()) {
        response.write(chunk);
      }
    }

    @Override
    public <T> T unmarshalFrom(Object data, TypeRef<T> typeRef) {
      return json.convertValue(data, typeRef);
    }

    @Override
    public Mono<Void> closeGracefully() {
      return Mono.fromRunnable(this::close);
    }

    @Override
    public synchronized void close() {
      if (closed) {
        return;
      }
      closed = true;
      vertx.cancelTimer(keepAlive);
      if (!response.ended() && !response.closed()) {
        response.end();
      }
    }
  }
}
