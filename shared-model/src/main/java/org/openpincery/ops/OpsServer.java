package org.openpincery.ops;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import org.openpincery.config.ConfigException;
import org.openpincery.config.Env;

/**
 * The HTTP listener of a tier that serves no API (wake worker, maintenance worker, scheduler):
 * {@code GET /health} and {@code GET /ready} for probes, a JSON 404 for anything else.
 */
public final class OpsServer {

  public static final String HOST = "OPEN_PINCERY_HOST";
  public static final String PORT = "OPEN_PINCERY_PORT";

  /** Where it listens: {@code OPEN_PINCERY_HOST} (0.0.0.0) and {@code OPEN_PINCERY_PORT} (8080). */
  public record Config(String host, int port) {
    public static Config from(Env env) {
      return new Config(env.string(HOST, "0.0.0.0"), env.integer(PORT, 8080, 0, 65535));
    }
  }

  private OpsServer() {}

  /** Listens, or fails with a {@link ConfigException} naming the port setting. */
  public static HttpServer start(Vertx vertx, Config config, HealthEndpoints endpoints) {
    HttpServer server =
        vertx
            .createHttpServer(
                new HttpServerOptions().setIdleTimeout(60).setHttp2ClearTextEnabled(false))
            .requestHandler(
                req -> {
                  switch (req.path()) {
                    case "/health" -> endpoints.health(req);
                    case "/ready" -> endpoints.ready(req);
                    default ->
                        req.response()
                            .setStatusCode(404)
                            .putHeader("content-type", "application/json")
                            .end(
                                new JsonObject()
                                    .put(
                                        "error",
                                        new JsonObject()
                                            .put("code", "not_found")
                                            .put("message", "this tier serves /health and /ready"))
                                    .encode());
                  }
                });
    try {
      return server.listen(config.port(), config.host()).await();
    } catch (Exception e) {
      throw new ConfigException(
          PORT,
          config.host()
              + ":"
              + config.port()
              + " cannot be bound ("
              + e.getMessage()
              + "); set "
              + PORT
              + " to a free port");
    }
  }
}
