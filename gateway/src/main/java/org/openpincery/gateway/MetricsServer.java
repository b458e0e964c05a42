package org.openpincery.gateway;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import org.openpincery.config.ConfigException;

/** Prometheus text on its own listener ({@code METRICS_ADDR}), never on the API port. */
public final class MetricsServer {

  public static final String METRICS_ADDR = "METRICS_ADDR";

  private MetricsServer() {}

  /** Where to listen, from {@code host:port}. */
  public record Address(String host, int port) {
    public static Address parse(String raw) {
      int colon = raw.lastIndexOf(':');
      try {
        if (colon <= 0) {
          throw new NumberFormatException();
        }
        int port = Integer.parseInt(raw.substring(colon + 1));
        if (port < 0 || port > 65535) {
          throw new NumberFormatException();
        }
        String host = raw.substring(0, colon);
        return new Address(
            host.startsWith("[") ? host.substring(1, host.length() - 1) : host, port);
      } catch (NumberFormatException e) {
        throw new ConfigException(
            METRICS_ADDR, "must be host:port such as 127.0.0.1:9090, got '" + raw + "'");
      }
    }
  }

  public static Future<HttpServer> start(
      Vertx vertx, Address address, PrometheusMeterRegistry registry) {
    return vertx
        .createHttpServer()
        .requestHandler(
            req -> {
              if (req.path().equals("/metrics")) {
                req.response()
                    .putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8")
                    .end(registry.scrape());
              } else {
                req.response()
                    .setStatusCode(404)
                    .putHeader("content-type", "application/json")
                    .end(
                        "{\"error\":{\"code\":\"not_found\",\"message\":\"metrics are at /metrics\"}}");
              }
            })
        .listen(address.port(), address.host());
  }
}
