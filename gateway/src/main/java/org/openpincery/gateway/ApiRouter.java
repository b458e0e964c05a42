package org.openpincery.gateway;

import static org.openpincery.model.Role.ADMIN;
import static org.openpincery.model.Role.OPERATOR;
import static org.openpincery.model.Role.VIEWER;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.TimeoutHandler;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.openpincery.limits.RateLimiter;
import org.openpincery.memory.MemorySearch;
import org.openpincery.memory.QueryEmbedder;
import org.openpincery.notify.Channel;
import org.openpincery.ops.HealthEndpoints;
import org.openpincery.ops.Readiness;
import org.openpincery.store.AppendBatcher;
import org.openpincery.store.Store;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator HTTP API as a {@link Router}, so that standalone can serve it beside other tiers'
 * routes on one port while a split deployment serves it alone. The route table is below, in one
 * place; {@code openapi.json} describes exactly these routes (a test holds them together).
 */
public final class ApiRouter {

  private static final Logger ACCESS = LoggerFactory.getLogger("org.openpincery.gateway.access");

  private ApiRouter() {}

  /**
   * @param background in-process checks that {@code /ready} reports (listener, loops)
   */
  public static Router create(
      Vertx vertx,
      Store store,
      GatewayConfig config,
      GatewayMetrics metrics,
      Map<String, BooleanSupplier> background) {
    return create(vertx, store, config, metrics, background, Map.of());
  }

  /**
   * @param background in-process checks that {@code /ready} reports (listener, loops)
   * @param details facts {@code /ready} states without judging them (such as which model answers)
   */
  public static Router create(
      Vertx vertx,
      Store store,
      GatewayConfig config,
      GatewayMetrics metrics,
      Map<String, BooleanSupplier> background,
      Map<String, String> details) {
    return create(
        vertx,
        store,
        config,
        metrics,
        background,
        details,
        new MemorySearch(QueryEmbedder.create(vertx, config.memory())));
  }

  /**
   * @param background in-process checks that {@code /ready} reports (listener, loops)
   * @param details facts {@code /ready} states without judging them (such as which model answers)
   * @param memory runs operators' memory searches (its query embedder loads the model on the first
   *     search that needs it); a process that embeds queries elsewhere too may share one
   */
  public static Router create(
      Vertx vertx,
      Store store,
      GatewayConfig config,
      GatewayMetrics metrics,
      Map<String, BooleanSupplier> background,
      Map<String, String> details,
      MemorySearch memory) {
    ClientAddress clients = new ClientAddress(config.trustedProxies());
    RateLimiter unauthenticated = new RateLimiter(config.unauthenticatedPerMinute());
    RateLimiter authenticated = new RateLimiter(config.authenticatedPerMinute());
    Authenticator auth =
        new Authenticator(
            store.auth(),
            unauthenticated,
            authenticated,
            clients,
            metrics,
            new SessionCache(config.sessionCacheTtl()));
    // Sessions and tokens ended, or roles changed, through any gateway process (NOTIFY after
    // commit): forget them here too, and end the streams of ended sessions.
    vertx
        .eventBus()
        .<String>consumer(
            Channel.SESSIONS.address(),
            m -> {
              String payload = m.body();
              int colon = payload.indexOf(':');
              if (colon < 0) {
                return; // a listener's reconnect hint: caches expire on their own within seconds
              }
              java.util.UUID id;
              try {
                id = java.util.UUID.fromString(payload.substring(colon + 1));
              } catch (IllegalArgumentException e) {
                return;
              }
              if (payload.startsWith("user:")) {
                auth.forgetUser(id);
              } else {
                auth.forget(java.util.List.of(id));
                vertx.eventBus().publish(EventStream.SESSION_ENDED, id.toString());
              }
            });
    HealthEndpoints health =
        new HealthEndpoints(new Readiness(vertx, store.health(), background, details));
    AuthHandlers sessions = new AuthHandlers(store.auth(), store.team(), config, auth);
    TeamHandlers team = new TeamHandlers(store.team(), config, auth);
    TokenHandlers tokens = new TokenHandlers(auth);
    OidcHandlers sso =
        new OidcHandlers(
            store.sso(), config, config.oidc().map(oidc -> new OidcClient(vertx, oidc)));
    // Messages from every request share commits; each batch runs scoped to its workspaces.
    AppendBatcher messages =
        new AppendBatcher(workspaces -> store.inWorkspaces(workspaces).events(), 2, 256);
    AgentHandlers agents = new AgentHandlers(messages, config, metrics);
    EventHandlers events = new EventHandlers(store.chainChecks());
    ScheduleHandlers schedules = new ScheduleHandlers();
    ModelCallHandlers modelCalls = new ModelCallHandlers(events);
    HistoryHandlers history = new HistoryHandlers(events);
    TimerHandlers timers = new TimerHandlers(events);
    ApprovalHandlers approvals = new ApprovalHandlers(events);
    // One query embedder for every request; each search runs over the request's workspace-scoped
    // repository.
    MemoryHandlers memorySearch =
        new MemoryHandlers(events, memory, config.memory().queryTimeout());
    CredentialHandlers credentials = new CredentialHandlers(config.vault());
    EventStream stream = new EventStream(vertx, store.auth(), config, metrics);
    AuditTrail audit = new AuditTrail(store.audit(), clients, metrics);
    AuditHandlers auditLog = new AuditHandlers(store.audit(), store.chainChecks());
    NotificationHandlers notifications = new NotificationHandlers(config.notifyAllowHttp());
    McpHandlers mcpServers =
        new McpHandlers(
            config.mcpAllowHttp(),
            config.vault(),
            new McpToolLister(vertx, config.mcpListTimeout()));
    String openapi = OpenApiDocument.render(resource("/openapi.json"), config);

    Router router = Router.router(vertx);
    router.route().handler(ApiRouter::accessLog);
    // Every request is answered within the request timeout, except event streams and the audit
    // export, which answer at once and then last (their end is the idle timeout, the session, the
    // last line, or the client).
    TimeoutHandler timeout = TimeoutHandler.create(config.requestTimeout().toMillis(), 503);
    router
        .route()
        .handler(
            ctx -> {
              if (ctx.request().path().endsWith("/events/stream")
                  || ctx.request().path().equals("/api/audit/export")
                  // MCP: the session's SSE stream lasts; a tool call is bounded by its own
                  // limits (send_message waits at most 120 s, with SSE heartbeats meanwhile).
                  || ctx.request().path().equals(McpEndpoint.PATH)) {
                ctx.next();
              } else {
                ErrorResponses.requestTimeout(ctx, config.requestTimeout());
                timeout.handle(ctx);
              }
            });
    BodyHandler bodies = BodyHandler.create(false).setBodyLimit(config.maxBodyBytes());
    router
        .route("/api/*")
        .handler(
            ctx -> {
              // Webhook ingress, when mounted here, reads its raw bodies with its own limit.
              if (ctx.request().path().endsWith("/webhooks")) {
                ctx.next();
              } else {
                bodies.handle(ctx);
              }
            });

    // Open routes.
    router.get("/health").handler(ctx -> health.health(ctx.request()));
    router.get("/ready").handler(ctx -> health.ready(ctx.request()));
    router
        .get("/openapi.json")
        .handler(ctx -> ctx.response().putHeader("content-type", "application/json").end(openapi));
    router
        .post("/api/bootstrap")
        .handler(auth::limitUnauthenticated)
        .handler(audit.action("session.bootstrap"))
        .handler(sessions::bootstrap);
    router
        .post("/api/login")
        .handler(auth::limitUnauthenticated)
        .handler(audit.action("session.login"))
        .handler(sessions::login);
    router
        .post("/api/invitations/accept")
        .handler(auth::limitUnauthenticated)
        .handler(audit.action("invitation.accept"))
        .handler(team::accept);
    router.get("/api/auth/sso").handler(sso::status);
    router.get("/api/auth/oidc/login").handler(auth::limitUnauthenticated).handler(sso::login);
    router
        .get("/api/auth/oidc/callback")
        .handler(auth::limitUnauthenticated)
        .handler(audit.action("session.oidc_login"))
        .handler(sso::callback);

    // Routes that need a signed-in caller (a session or an API token), each with who may call it:
    // the one place the API's authorization is decided (Access; tested route by route and role by
    // role in AuthorizationMatrixTest).
    Access viewer = Access.least(VIEWER);
    Access operator = Access.least(OPERATOR);
    Access admin = Access.least(ADMIN);
    // Budgets and permission modes (what an agent may do without a person) are the admins'.
    Access agentSettings =
        operator.field("budget_limit_usd", ADMIN).field(AgentHandlers.PERMISSION_MODE, ADMIN);
    Secured api = new Secured(router, auth, audit, store);
    api.post("/api/logout", viewer.sessionsOnly(), "session.logout", sessions::logout);
    api.get("/api/me", viewer, sessions::me);

    api.get("/api/workspaces", viewer, team::workspaces);
    api.post("/api/workspaces", viewer.sessionsOnly(), "workspace.create", team::createWorkspace);
    api.post("/api/session/workspace", viewer.sessionsOnly(), null, team::switchWorkspace);
    api.get("/api/members", viewer, team::members);
    api.patch("/api/members/:user_id", admin, "member.role_set", team::setRole);
    api.delete(
        "/api/members/:user_id", admin.orSelf("user_id", VIEWER), "member.remove", team::remove);
    api.post("/api/invitations", admin, "invitation.create", team::invite);
    api.get("/api/invitations", admin, team::invitations);
    api.delete(
        "/api/invitations/:invitation_id", admin, "invitation.revoke", team::revokeInvitation);
    api.post("/api/tokens", viewer.sessionsOnly(), "token.create", tokens::create);
    api.get("/api/tokens", viewer, tokens::list);
    api.delete("/api/tokens/:token_id", viewer, "token.revoke", tokens::revoke);

    api.post("/api/agents", agentSettings, "agent.create", agents::create);
    api.get("/api/agents", viewer, agents::list);
    api.get("/api/agents/:id", viewer, agents::show);
    api.patch("/api/agents/:id", agentSettings, "agent.update", agents::update);
    api.delete("/api/agents/:id", operator, "agent.delete", agents::delete);
    // Messages are on record in the agent's own event log.
    api.post("/api/agents/:id/messages", operator, null, agents::message);
    api.get("/api/agents/:id/events", viewer, events::list);
    api.get("/api/agents/:id/events/verify", viewer, events::verify);
    api.get("/api/agents/:id/model-calls", viewer, modelCalls::list);
    api.get("/api/agents/:id/model-calls/:call_id", viewer, modelCalls::show);
    api.get("/api/agents/:id/projections", viewer, history::projections);
    api.get("/api/agents/:id/wakes", viewer, history::wakes);
    api.get("/api/agents/:id/memory/search", viewer, memorySearch::search);
    api.post("/api/agents/:id/memory/rebuild", admin, "memory.rebuild", memorySearch::rebuild);
    api.get("/api/agents/:id/events/stream", viewer, stream::open);
    api.post("/api/credentials", operator, "credential.add", credentials::create);
    api.get("/api/credentials", viewer, credentials::list);
    api.delete("/api/credentials/:name", operator, "credential.revoke", credentials::revoke);
    api.post("/api/agents/:id/schedules", operator, "schedule.create", schedules::create);
    api.get("/api/agents/:id/schedules", viewer, schedules::list);
    api.delete(
        "/api/agents/:id/schedules/:schedule_id", operator, "schedule.delete", schedules::delete);
    api.get("/api/agents/:id/timers", viewer, timers::list);
    api.post("/api/agents/:id/timers", operator, "timer.create", timers::add);
    api.delete("/api/agents/:id/timers/:timer_id", operator, "timer.cancel", timers::cancel);
    api.post(
        "/api/agents/:id/webhook/rotate",
        operator,
        "agent.webhook_rotate",
        agents::rotateWebhookSecret);
    api.get("/api/approvals", viewer, approvals::list);
    api.get("/api/approvals/:id", viewer, approvals::show);
    api.post("/api/approvals/:id/approve", operator, "approval.approve", approvals::approve);
    api.post("/api/approvals/:id/deny", operator, "approval.deny", approvals::deny);
    api.get("/api/agents/:id/approvals", viewer, approvals::listOfAgent);
    api.get("/api/audit", admin, auditLog::list);
    api.get("/api/audit/export", admin, auditLog::export);
    api.get("/api/audit/verify", admin, auditLog::verify);
    // Outbound notifications: subscriptions (their URLs may embed secrets) are for admins; what
    // was delivered, and how each attempt went, for operators.
    String subscription = "/api/notifications/subscriptions/:subscription_id";
    api.post(
        "/api/notifications/subscriptions", admin, "notification.subscribe", notifications::create);
    api.get("/api/notifications/subscriptions", admin, notifications::list);
    api.get(subscription, admin, notifications::show);
    api.patch(subscription, admin, "notification.update", notifications::update);
    api.delete(subscription, admin, "notification.unsubscribe", notifications::delete);
    api.post(
        subscription + "/rotate-secret",
        admin,
        "notification.secret_rotate",
        notifications::rotateSecret);
    api.post(subscription + "/test", admin, "notification.test", notifications::test);
    api.get("/api/notifications/deliveries", operator, notifications::deliveries);
    api.get("/api/notifications/deliveries/:delivery_id", operator, notifications::delivery);
    api.post(
        "/api/notifications/deliveries/:delivery_id/retry",
        operator,
        "notification.redeliver",
        notifications::retry);
    // Remote MCP servers (issue 15): registering one and granting its tools widen what agents can
    // do, so they are the admins'; refreshing a tool list (a read of the server) the operators'.
    String mcpServer = "/api/mcp/servers/:id";
    api.get("/api/mcp/servers", viewer, mcpServers::list);
    api.post("/api/mcp/servers", admin, "mcp_server.create", mcpServers::create);
    api.get(mcpServer, viewer, mcpServers::show);
    api.patch(mcpServer, admin, "mcp_server.update", mcpServers::update);
    api.delete(mcpServer, admin, "mcp_server.delete", mcpServers::delete);
    api.post(mcpServer + "/refresh", operator, "mcp_server.refresh", mcpServers::refresh);
    api.get("/api/agents/:id/mcp-grants", viewer, mcpServers::grants);
    api.put("/api/agents/:id/mcp-grants", admin, "agent.mcp_grants", mcpServers::replaceGrants);

    // Open Pincery as an MCP server (docs/mcp.md): one path, POST/GET/DELETE, the MCP Streamable
    // HTTP transport. It is not a REST route, so it is declared without methods (the transport
    // answers other methods 405): routeSignatures() leaves it out, openapi.json does not describe
    // it, and AuthorizationMatrixTest does not list it; McpServerTest covers its authentication.
    // Any signed-in caller (viewer and up) may connect: each tool checks the role it needs.
    McpEndpoint mcp =
        new McpEndpoint(vertx, store, messages, clients, metrics, config.sseHeartbeat());
    router
        .route(McpEndpoint.PATH)
        .handler(bodies)
        .handler(audit.action(null))
        .handler(ctx -> auth.requireSession(ctx, false))
        .handler(viewer::check)
        .handler(ctx -> Scopes.enter(ctx, store))
        .handler(mcp::handle);

    // The control plane's static files, last: a path no route above took. /api stays JSON (its
    // unknown paths fall through to the 404 below).
    ControlPlane.mount(router);

    // One JSON error shape for everything, the framework's own 404/405/413 included.
    router.route().failureHandler(ErrorResponses::handle);
    for (int status : new int[] {400, 401, 403, 404, 405, 413, 415, 429, 500, 503}) {
      router.errorHandler(status, ErrorResponses::handle);
    }
    return router;
  }

  /** The (method, path) pairs this router serves, as OpenAPI spells paths. */
  public static java.util.Set<String> routeSignatures(Router router) {
    java.util.Set<String> out = new java.util.TreeSet<>();
    router
        .getRoutes()
        .forEach(
            route -> {
              if (route.getPath() == null || route.methods() == null) {
                return;
              }
              for (HttpMethod m : route.methods()) {
                out.add(m.name() + " " + route.getPath().replaceAll(":([A-Za-z_]+)", "{$1}"));
              }
            });
    return out;
  }

  /**
   * Declares routes that need a signed-in caller: the route's audit action (null: only a refusal of
   * the route is on record, as {@code authorization.refused}), authentication (the bearer token; an
   * event stream also takes {@code ?access_token=}), then the route's {@link Access}, then its
   * handler. Every POST, PUT, PATCH and DELETE names its action or null explicitly.
   */
  private record Secured(Router router, Authenticator auth, AuditTrail audit, Store store) {
    void get(String path, Access access, Handler<RoutingContext> handler) {
      add(HttpMethod.GET, path, access, null, handler);
    }

    void post(String path, Access access, String action, Handler<RoutingContext> handler) {
      add(HttpMethod.POST, path, access, action, handler);
    }

    void patch(String path, Access access, String action, Handler<RoutingContext> handler) {
      add(HttpMethod.PATCH, path, access, action, handler);
    }

    void delete(String path, Access access, String action, Handler<RoutingContext> handler) {
      add(HttpMethod.DELETE, path, access, action, handler);
    }

    void put(String path, Access access, String action, Handler<RoutingContext> handler) {
      add(HttpMethod.PUT, path, access, action, handler);
    }

    private void add(
        HttpMethod method,
        String path,
        Access access,
        String action,
        Handler<RoutingContext> handler) {
      boolean stream = path.endsWith("/events/stream");
      router
          .route(method, path)
          .handler(audit.action(action))
          .handler(ctx -> auth.requireSession(ctx, stream))
          .handler(access::check)
          .handler(ctx -> Scopes.enter(ctx, store))
          .handler(handler);
    }
  }

  private static void accessLog(RoutingContext ctx) {
    RequestIds.assign(ctx);
    long start = System.nanoTime();
    ctx.addEndHandler(
        v -> {
          if (!ACCESS.isInfoEnabled()) {
            return;
          }
          var principal = Authenticator.principal(ctx);
          var event =
              ACCESS
                  .atInfo()
                  .addKeyValue("request_id", RequestIds.of(ctx))
                  .addKeyValue("method", ctx.request().method().name())
                  .addKeyValue("path", ctx.request().path())
                  .addKeyValue("status", ctx.response().getStatusCode())
                  .addKeyValue("duration_ms", (System.nanoTime() - start) / 1_000_000);
          String agent = ctx.pathParam("id");
          if (agent != null && ctx.request().path().startsWith("/api/agents/")) {
            event = event.addKeyValue("agent_id", agent);
          }
          if (principal != null) {
            event = event.addKeyValue("user_id", principal.userId());
          }
          event.log("request");
        });
    ctx.next();
  }

  private static String resource(String name) {
    try (InputStream in = ApiRouter.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException(name + " is missing from the gateway jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + name, e);
    }
  }
}
