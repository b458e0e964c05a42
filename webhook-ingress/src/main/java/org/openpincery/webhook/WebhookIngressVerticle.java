package org.openpincery.webhook;

import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.time.Clock;
import org.openpincery.ops.HealthEndpoints;
import org.openpincery.store.DatabaseOutage;
import org.openpincery.store.Store;

/**
 * Webhook ingress as its own HTTP server (split deployments), on the event loop: the webhook route,
 * {@code /health}, {@code /ready}, and JSON errors for what the framework refuses (413, 404, 405).
 */
public final class WebhookIngressVerticle extends VerticleBase {

  private final Store store;
  private final WebhookConfig config;
  private final MeterRegistry registry;
  private final HealthEndpoints health;
  private HttpServer server;

  public WebhookIngressVerticle(
      Store store, WebhookConfig config, MeterRegistry registry, HealthEndpoints health) {
    this.store = store;
    this.config = config;
    this.registry = registry;
    this.health = health;
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);
    router.get("/health").handler(ctx -> health.health(ctx.request()));
    router.get("/ready").handler(ctx -> health.ready(ctx.request()));
    WebhookRoutes.mount(router, vertx, store, config, registry, Clock.systemUTC());
    router
        .route()
        .failureHandler(
            ctx -> {
              if (ctx.failure() != null && DatabaseOutage.is(ctx.failure())) {
                // Senders retry a 503 after Retry-After; the delivery was not kept.
                ctx.response()
                    .setStatusCode(503)
                    .putHeader("content-type", "application/json")
                    .putHeader("Retry-After", Integer.toString(DatabaseOutage.RETRY_AFTER_SECONDS))
                    .end(
                        new JsonObject()
                            .put(
                                "error",
                                new JsonObject()
                                    .put("code", "database_unavailable")
                                    .put(
                                        "message",
                                        "the database cannot be reached right now; retry shortly"))
                            .encode());
              } else {
                ctx.next();
              }
            });
    for (int status : new int[] {404, 405, 413, 500}) {
      router.errorHandler(
          status,
          ctx ->
              ctx.response()
                  .setStatusCode(status)
                  .putHeader("content-type", "application/json")
                  .end(
                      new JsonObject()
                          .put(
                              "error",
                              new JsonObject()
                                  .put("code", status == 413 ? "body_too_large" : "http_" + status)
                                  .put("message", ctx.response().getStatusMessage()))
                          .encode()));
    }
    server = vertx.createHttpServer().requestHandler(router);
    return server.listen(config.port(), config.host());
  }

  public int actualPort() {
    return server.actualPort();
  }

  @Override
  public Future<?> stop() {
    return server == null ? Future.succeededFuture() : server.close();
  }
}
