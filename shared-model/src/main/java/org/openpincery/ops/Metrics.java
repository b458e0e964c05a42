package org.openpincery.ops;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.PrometheusRequestHandler;
import java.util.Optional;
import org.openpincery.config.ConfigException;
import org.openpincery.config.Env;

/**
 * A tier's metrics. With {@code METRICS_ADDR} set, its meters (the tier's own, Vert.x's HTTP, pool
 * and event-bus meters, and the JVM's) are served in the Prometheus text format at {@code
 * http://METRICS_ADDR/metrics} by the Vert.x Micrometer embedded Prometheus server, a listener of
 * its own (never the API port); without it they are kept in memory and go nowhere.
 */
public final class Metrics {

  public static final String METRICS_ADDR = "METRICS_ADDR";

  /** Where the metrics listener binds, from {@code host:port} ({@code [::1]:9090} for IPv6). */
  public record Address(String host, int port) {
    public static Address parse(String raw) {
      int colon = raw.lastIndexOf(':');
      try {
        if (colon <= 0) {
          throw new NumberFormatException();
        }
        int port = Integer.parseInt(raw.substring(colon + 1));
        if (port < 1 || port > 65535) {
          throw new NumberFormatException();
        }
        String host = raw.substring(0, colon);
        return new Address(
            host.startsWith("[") && host.endsWith("]")
                ? host.substring(1, host.length() - 1)
                : host,
            port);
      } catch (NumberFormatException e) {
        throw new ConfigException(
            METRICS_ADDR, "must be host:port such as 127.0.0.1:9090, got '" + raw + "'");
      }
    }
  }

  private final Optional<Address> address;
  private final MeterRegistry registry;

  private Metrics(Optional<Address> address) {
    this.address = address;
    this.registry =
        address.isPresent()
            ? new PrometheusMeterRegistry(PrometheusConfig.DEFAULT)
            : new SimpleMeterRegistry();
    // Three of Micrometer's JVM and process meters break Prometheus' naming rules, which promtool
    // check metrics enforces: two counters in abbreviated units (JIT time in ms, CPU time in ns;
    // process_cpu_usage says the same) and a gauge ending in "_count", which is renamed.
    registry
        .config()
        .meterFilter(MeterFilter.denyNameStartsWith("jvm.compilation.time"))
        .meterFilter(MeterFilter.denyNameStartsWith("process.cpu.time"))
        .meterFilter(
            new MeterFilter() {
              @Override
              public Meter.Id map(Meter.Id id) {
                return id.getName().equals("system.cpu.count")
                    ? id.withName("system.cpu.cores")
                    : id;
              }
            });
  }

  /** From {@code METRICS_ADDR}; a malformed one is a {@link ConfigException}. */
  public static Metrics from(Env env) {
    return new Metrics(env.string(METRICS_ADDR).map(Address::parse));
  }

  /** Metrics served at {@code address}. */
  public static Metrics servedAt(Address address) {
    return new Metrics(Optional.of(address));
  }

  /** Metrics that go nowhere. */
  public static Metrics discarding() {
    return new Metrics(Optional.empty());
  }

  public MeterRegistry registry() {
    return registry;
  }

  public Optional<Address> address() {
    return address;
  }

  /**
   * A Vert.x instance whose meters go to {@link #registry()}, and that serves them at {@code
   * /metrics} on the address when there is one, with Vert.x Micrometer's Prometheus handler on a
   * listener of its own. (Not its embedded server: that one ignores the server options given to it
   * and answers HTTP/2 clear-text upgrades, some of which it then leaves unanswered.)
   *
   * @throws ConfigException naming {@code METRICS_ADDR} when the address cannot be bound
   */
  public Vertx vertx() {
    if (address.isEmpty()) {
      return Vertx.vertx();
    }
    Vertx vertx =
        Vertx.builder()
            .with(
                new VertxOptions()
                    .setMetricsOptions(
                        new MicrometerMetricsOptions().setEnabled(true).setJvmMetricsEnabled(true)))
            .withMetrics(new MicrometerMetricsFactory(registry))
            .build();
    Address a = address.get();
    try {
      vertx
          .createHttpServer(new HttpServerOptions().setHttp2ClearTextEnabled(false))
          .requestHandler(
              PrometheusRequestHandler.create((PrometheusMeterRegistry) registry, "/metrics"))
          .listen(a.port(), a.host())
          .await();
    } catch (Exception e) {
      vertx.close();
      throw new ConfigException(
          METRICS_ADDR,
          "cannot listen on " + a.host() + ":" + a.port() + " (" + e.getMessage() + ")");
    }
    return vertx;
  }
}
