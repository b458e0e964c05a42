package org.openpincery.gateway;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.openpincery.http.HttpEdges;

/**
 * Serves a router on the event loop. Stopping is graceful: the server stops accepting, in-flight
 * requests get {@code shutdownGrace} to finish, then connections close. What the codec or the size
 * limits refuse is answered by {@link HttpEdges} in the same JSON shape as the router's errors; a
 * connection idle for {@code OPEN_PINCERY_IDLE_TIMEOUT_SECONDS} closes (event streams send
 * heartbeats more often, so an open stream is never idle).
 */
public final class GatewayVerticle extends VerticleBase {

  private final GatewayConfig config;
  private final Function<io.vertx.core.Vertx, Router> routerFactory;
  private HttpServer server;

  /**
   * @param routerFactory builds the router once the verticle has its Vert.x instance
   */
  public GatewayVerticle(
      GatewayConfig config, Function<io.vertx.core.Vertx, Router> routerFactory) {
    this.config = config;
    this.routerFactory = routerFactory;
  }

  @Override
  public Future<?> start() {
    server =
        vertx.createHttpServer(
            HttpEdges.serverOptions(config.idleTimeout()).setCompressionSupported(true));
    HttpEdges.install(server, routerFactory.apply(vertx));
    return server.listen(config.port(), config.host());
  }

  /** The port actually bound (useful when configured as 0). */
  public int actualPort() {
    return server.actualPort();
  }

  @Override
  public Future<?> stop() {
    return server == null
        ? Future.succeededFuture()
        : server.shutdown(config.shutdownGrace().toMillis(), TimeUnit.MILLISECONDS);
  }
}
