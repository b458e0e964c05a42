package org.openpincery.webhook;

import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.TimeoutHandler;
import java.time.Clock;
import java.time.Duration;
import org.openpincery.http.HttpEdges;
import org.openpincery.store.Store;

/**
 * Webhook ingress as its own HTTP server (split deployments), on the event loop: the webhook route,
 * {@code /health}, and the API's JSON error shape with an {@code X-Request-Id} for everything the
 * framework or the codec refuses (400, 404, 405, 413, 414, 431, and 503 for a request not answered
 * within the request timeout; see {@link HttpEdges}).
 */
public final class WebhookIngressVerticle extends VerticleBase {

  private final Store store;
  private final WebhookConfig config;
  private final MeterRegistry registry;
  private final Duration idleTimeout;
  private final Duration requestTimeout;
  private HttpServer server;

  public WebhookIngressVerticle(Store store, WebhookConfig config, MeterRegistry registry) {
    this(store, config, registry, Duration.ofSeconds(120), Duration.ofSeconds(30));
  }

  /**
   * @param idleTimeout {@code OPEN_PINCERY_IDLE_TIMEOUT_SECONDS}: an idle connection closes
   * @param requestTimeout {@code OPEN_PINCERY_REQUEST_TIMEOUT_SECONDS}: a delivery not answered
   *     within this long gets {@code 503 request_timeout}
   */
  public WebhookIngressVerticle(
      Store store,
      WebhookConfig config,
      MeterRegistry registry,
      Duration idleTimeout,
      Duration requestTimeout) {
    this.store = store;
    this.config = config;
    this.registry = registry;
    this.idleTimeout = idleTimeout;
    this.requestTimeout = requestTimeout;
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);
    router.route().handler(TimeoutHandler.create(requestTimeout.toMillis(), 503));
    router
        .get("/health")
        .handler(
            ctx ->
                ctx.response()
                    .putHeader("content-type", "application/json")
                    .end(new JsonObject().put("status", "ok").encode()));
    WebhookRoutes.mount(router, vertx, store, config, registry, Clock.systemUTC());
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
