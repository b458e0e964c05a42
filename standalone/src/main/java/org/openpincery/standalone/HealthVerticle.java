package org.openpincery.standalone;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import java.util.function.BooleanSupplier;
import org.openpincery.db.SchemaMigrator;
import org.openpincery.store.HealthRepository;

/**
 * Serves {@code /health} and {@code /ready} until the gateway tier takes them over. An event-loop
 * verticle: it only answers from a cheap query and an in-memory flag.
 */
final class HealthVerticle extends VerticleBase {

  private final String host;
  private final int port;
  private final HealthRepository health;
  private final BooleanSupplier listenerConnected;
  private HttpServer server;

  HealthVerticle(
      String host, int port, HealthRepository health, BooleanSupplier listenerConnected) {
    this.host = host;
    this.port = port;
    this.health = health;
    this.listenerConnected = listenerConnected;
  }

  @Override
  public Future<?> start() {
    server = vertx.createHttpServer().requestHandler(this::handle);
    return server.listen(port, host);
  }

  private void handle(HttpServerRequest request) {
    switch (request.path()) {
      case "/health" -> respond(request, 200, new JsonObject().put("status", "ok"));
      case "/ready" -> ready(request);
      default ->
          respond(
              request,
              404,
              new JsonObject()
                  .put(
                      "error",
                      new JsonObject()
                          .put("code", "not_found")
                          .put("message", "no route " + request.path())));
    }
  }

  private void ready(HttpServerRequest request) {
    health
        .schemaVersion()
        .map(
            version ->
                new JsonObject()
                    .put("database", "ok")
                    .put(
                        "migrations",
                        version == SchemaMigrator.SCHEMA_VERSION
                            ? "ok"
                            : "schema at "
                                + version
                                + ", expected "
                                + SchemaMigrator.SCHEMA_VERSION))
        .otherwise(
            err ->
                new JsonObject()
                    .put("database", "unreachable: " + err.getMessage())
                    .put("migrations", "unknown"))
        .onSuccess(
            checks -> {
              checks.put(
                  "notification_listener",
                  listenerConnected.getAsBoolean() ? "ok" : "disconnected");
              boolean ready =
                  checks.fieldNames().stream().allMatch(k -> "ok".equals(checks.getString(k)));
              respond(
                  request,
                  ready ? 200 : 503,
                  new JsonObject()
                      .put("status", ready ? "ready" : "unavailable")
                      .put("checks", checks));
            });
  }

  private static void respond(HttpServerRequest request, int status, JsonObject body) {
    request
        .response()
        .setStatusCode(status)
        .putHeader("content-type", "application/json")
        .putHeader("cache-control", "no-store")
        .end(body.encode());
  }

  @Override
  public Future<?> stop() {
    return server == null ? Future.succeededFuture() : server.close();
  }
}
