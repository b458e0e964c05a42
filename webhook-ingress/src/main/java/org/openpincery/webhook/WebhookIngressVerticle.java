package org.openpincery.webhook;

import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.TimeoutHandler;
import java.time.Clock;
import java.time.Duration;
import org.openpincery.http.HttpEdges;
import org.openpincery.ops.HealthEndpoints;
import org.openpincery.store.DatabaseOutage;
import org.openpincery.store.Store;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Webhook ingress as its own HTTP server (split deployments), on the event loop: the webhook route,
 * {@code /health}, {@code /ready}, the API's JSON error shape with an {@code X-Request-Id} for
 * everything the framework or the codec refuses (400, 404, 405, 413, 414, 431, and 503 for a
 * request not answered within the request timeout; see {@link HttpEdges}), and 503 with {@code
 * Retry-After} while the database cannot be reached.
 */
public final class WebhookIngressVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(WebhookIngressVerticle.class);

  private final Store store;
  private final WebhookConfig config;
  private final MeterRegistry registry;
  private final HealthEndpoints health;
  private final Duration idleTimeout;
  private final Duration requestTimeout;
  private HttpServer server;

  public WebhookIngressVerticle(
      Store store, WebhookConfig config, MeterRegistry registry, HealthEndpoints health) {
    this(store, config, registry, health, Duration.ofSeconds(120), Duration.ofSeconds(30));
  }

  /**
   * @param health answers {@code /health} and {@code /ready}
   * @param idleTimeout {@code OPEN_PINCERY_IDLE_TIMEOUT_SECONDS}: an idle connection closes
   * @param requestTimeout {@code OPEN_PINCERY_REQUEST_TIMEOUT_SECONDS}: a delivery not answered
   *     within this long gets {@code 503 request_timeout}
   */
  public WebhookIngressVerticle(
      Store store,
      WebhookConfig config,
      MeterRegistry registry,
      HealthEndpoints health,
      Duration idleTimeout,
      Duration requestTimeout) {
    this.store = store;
    this.config = config;
    this.registry = registry;
    this.health = health;
    this.idleTimeout = idleTimeout;
    this.requestTimeout = requestTimeout;
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);
    router.route().handler(TimeoutHandler.create(requestTimeout.toMillis(), 503));
    router.get("/health").handler(ctx -> health.health(ctx.request()));
    router.get("/ready").handler(ctx -> health.ready(ctx.request()));
    WebhookRoutes.mount(router, vertx, store, config, registry, Clock.systemUTC());
    router
        .route()
        .failureHandler(
            ctx -> {
              if (ctx.failure() != null
                  && DatabaseOutage.is(ctx.failure())
                  && !ctx.response().headWritten()) {
                // Senders retry a 503 after Retry-After; the delivery was not kept.
                ctx.response()
                    .putHeader("Retry-After", Integer.toString(DatabaseOutage.RETRY_AFTER_SECONDS));
                HttpEdges.sendError(
                    ctx.response(),
                    503,
                    "database_unavailable",
                    "the database cannot be reached right now; retry shortly");
              } else {
                ctx.next();
              }
            });
    for (int status : new int[] {400, 404, 405, 413, 500, 503}) {
      router.errorHandler(status, ctx -> frameworkError(ctx, status));
    }
    server = vertx.createHttpServer(HttpEdges.serverOptions(idleTimeout));
    HttpEdges.install(server, router);
    return server.listen(config.port(), config.host());
  }

  private void frameworkError(RoutingContext ctx, int status) {
    if (ctx.response().ended()) {
      return;
    }
    if (ctx.response().headWritten()) {
      ctx.response().reset();
      return;
    }
    String code =
        switch (status) {
          case 400 -> "invalid_request";
          case 404 -> "not_found";
          case 405 -> "method_not_allowed";
          case 413 -> "payload_too_large";
          case 503 -> HttpEdges.REQUEST_TIMEOUT_CODE;
          default -> "internal_error";
        };
    String message =
        switch (status) {
          case 400 -> "the request is malformed";
          case 404 -> "no route for " + ctx.request().path();
          case 405 -> ctx.request().method() + " is not allowed here";
          case 413 -> "the body is larger than this server accepts";
          case 503 -> HttpEdges.requestTimeoutMessage(requestTimeout);
          default -> "something went wrong on our side";
        };
    if (status == 500) {
      // The one answer that is our fault: leave a trace with the request id it carries.
      LOG.atError()
          .addKeyValue("request_id", ctx.response().headers().get(HttpEdges.REQUEST_ID))
          .setCause(ctx.failure())
          .log("unhandled failure on {} {}", ctx.request().method(), ctx.request().path());
    }
    HttpEdges.sendError(ctx.response(), status, code, message);
  }

  public int actualPort() {
    return server.actualPort();
  }

  @Override
  public Future<?> stop() {
    return server == null ? Future.succeededFuture() : server.close();
  }
}
