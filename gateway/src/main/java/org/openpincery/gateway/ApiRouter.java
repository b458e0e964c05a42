package org.openpincery.gateway;

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
import org.openpincery.ops.HealthEndpoints;
import org.openpincery.ops.Readiness;
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
    HealthEndpoints health =
        new HealthEndpoints(new Readiness(vertx, store.health(), background, details));
    AuthHandlers sessions = new AuthHandlers(store.auth(), config, auth);
    AgentHandlers agents =
        new AgentHandlers(store.agents(), store.events(), store.idempotency(), config, metrics);
    EventHandlers events = new EventHandlers(store.agents(), store.events());
    ScheduleHandlers schedules =
        new ScheduleHandlers(store.schedules(), store.agents(), store.idempotency());
    ModelCallHandlers modelCalls = new ModelCallHandlers(events, store.modelCalls());
    HistoryHandlers history = new HistoryHandlers(events, store.history());
    TimerHandlers timers =
        new TimerHandlers(events, store.timers(), store.agents(), store.idempotency());
    CredentialHandlers credentials =
        new CredentialHandlers(store.credentials(), store.idempotency(), config.vault());
    EventStream stream =
        new EventStream(vertx, store.auth(), store.agents(), store.events(), config, metrics);
    String openapi = OpenApiDocument.render(resource("/openapi.json"), config);

    Router router = Router.router(vertx);
    router.route().handler(ApiRouter::accessLog);
    // Every request is answered within the request timeout, except event streams, which answer at
    // once and then last (their end is the idle timeout, the session, or the client).
    TimeoutHandler timeout = TimeoutHandler.create(config.requestTimeout().toMillis(), 503);
    router
        .route()
        .handler(
            ctx -> {
              if (ctx.request().path().endsWith("/events/stream")) {
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
    router.post("/api/bootstrap").handler(auth::limitUnauthenticated).handler(sessions::bootstrap);
    router.post("/api/login").handler(auth::limitUnauthenticated).handler(sessions::login);

    // Routes that need a session.
    router
        .post("/api/logout")
        .handler(ctx -> auth.requireSession(ctx, false))
        .handler(sessions::logout);
    router.get("/api/me").handler(ctx -> auth.requireSession(ctx, false)).handler(sessions::me);
    router
        .post("/api/agents")
        .handler(ctx -> auth.requireSession(ctx, false))
        .handler(agents::create);
    router.get("/api/agents").handler(ctx -> auth.requireSession(ctx, false)).handler(agents::list);
    router
        .get("/api/agents/:id")
        .handler(ctx -> auth.requireSession(ctx, false))
        .handler(agents::show);
    router
        .patch("/api/agents/:id")
        .handler(ctx -> auth.requireSession(ctx, false))
        .handler(agents::update);
    router
        .delete("/api/agents/:id")
        .handler(ctx -> auth.requireSession(ctx, false))
        .handler(agents::delete);
    router
        .post("/api/agents/:id/messages")
        .handler(ctx -> auth.requireSession(ctx, false))
        .handler(agents::message);
    router
        .get("/api/agents/:id/events")
        .handler(ctx -> auth.requireSession(ctx, false))
        .handler(events::list);
    router
        .get("/api/agents/:id/events/verify")
        .handler(ctx -> auth.requireSession(ctx, false))
        .handler(events::verify);
    router
        .get("/api/agents/:id/model-calls")
        .handler(ctx -> auth.requireSession(ctx, false))
        .handler(modelCalls::list);
    router
        .get("/api/agents/:id/model-calls/:call_id")
        .handler(ctx -> auth.requireSession(ctx, false))
        .handler(modelCalls::show);
    router
        .get("/api/agents/:id/projections")
        .handler(ctx -> auth.requireSession(ctx, false))
        .handler(history::projections);
    router
        .get("/api/agents/:id/wakes")
        .handler(ctx -> auth.requireSession(ctx, false))
        .handler(history::wakes);
    router
        .get("/api/agents/:id/events/stream")
        .handler(ctx -> auth.requireSession(ctx, true))
        .handler(stream::open);
    router
        .post("/api/credentials")
        .handler(ctx -> auth.requireSession(ctx, false))
        .handler(credentials::create);
    router
        .get("/api/credentials")
        .handler(ctx -> auth.requireSession(ctx, false))
        .handler(credentials::list);
    router
        .delete("/api/credentials/:name")
        .handler(ctx -> auth.requireSession(ctx, false))
        .handler(credentials::revoke);
    router
        .post("/api/agents/:id/schedules")
        .handler(ctx -> auth.requireSession(ctx, false))
        .handler(schedules::create);
    router
        .get("/api/agents/:id/schedules")
        .handler(ctx -> auth.requireSession(ctx, false))
        .handler(schedules::list);
    router
        .delete("/api/agents/:id/schedules/:schedule_id")
        .handler(ctx -> auth.requireSession(ctx, false))
        .handler(schedules::delete);
    router
        .get("/api/agents/:id/timers")
        .handler(ctx -> auth.requireSession(ctx, false))
        .handler(timers::list);
    router
        .post("/api/agents/:id/timers")
        .handler(ctx -> auth.requireSession(ctx, false))
        .handler(timers::add);
    router
        .delete("/api/agents/:id/timers/:timer_id")
        .handler(ctx -> auth.requireSession(ctx, false))
        .handler(timers::cancel);
    router
        .post("/api/agents/:id/webhook/rotate")
        .handler(ctx -> auth.requireSession(ctx, false))
        .handler(agents::rotateWebhookSecret);

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
          if (agent != null) {
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
