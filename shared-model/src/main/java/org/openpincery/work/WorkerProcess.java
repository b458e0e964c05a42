package org.openpincery.work;

import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Verticle;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import org.openpincery.config.ConfigException;
import org.openpincery.config.DatabaseConfig;
import org.openpincery.config.Env;
import org.openpincery.config.Logging;
import org.openpincery.db.DatabaseUrl;
import org.openpincery.notify.Channel;
import org.openpincery.notify.NotificationListener;
import org.openpincery.ops.HealthEndpoints;
import org.openpincery.ops.Metrics;
import org.openpincery.ops.OpsServer;
import org.openpincery.ops.Readiness;
import org.openpincery.ops.SchemaGate;
import org.openpincery.store.Database;
import org.openpincery.store.Store;
import org.slf4j.LoggerFactory;

/**
 * The shell of a worker tier run as its own process (split deployments): settings from the
 * environment, metrics ({@code METRICS_ADDR}), a pool, one notification listener for the tier's
 * channels if it has any (a reconnect re-kicks the worker, whose claim is itself the catch-up
 * scan), the schema check, the worker's virtual-thread verticle, {@code /health} and {@code /ready}
 * on {@code OPEN_PINCERY_PORT}, and an orderly stop on SIGTERM. Exit codes: 78 a setting is wrong
 * (named on stderr) or the database schema is newer than this build, 1 anything else.
 */
public final class WorkerProcess {

  /**
   * A tier's verticle, how it says it is working, and facts for {@code /ready}'s details (such as
   * which model answers).
   */
  public record Tier(Verticle verticle, BooleanSupplier running, Map<String, String> details) {
    public Tier(Verticle verticle, BooleanSupplier running) {
      this(verticle, running, Map.of());
    }
  }

  /** Builds the tier; may throw {@link ConfigException} for its own settings. */
  public interface Factory {
    Tier create(Env env, Vertx vertx, Store store, MeterRegistry registry);
  }

  private WorkerProcess() {}

  private static Map<String, String> details(String tier, Tier built) {
    Map<String, String> details = new LinkedHashMap<>(built.details());
    details.put("tier", tier);
    return details;
  }

  public static void run(String tier, Set<Channel> channels, Factory factory) {
    Env env = Env.of(System.getenv());
    try {
      Logging.configure(env);
      DatabaseUrl url = env.requiredDatabaseUrl();
      OpsServer.Config ops = OpsServer.Config.from(env);
      Metrics metrics = Metrics.from(env);
      if (metrics.address().map(a -> a.port() == ops.port()).orElse(false)) {
        throw new ConfigException(
            Metrics.METRICS_ADDR,
            "uses port " + ops.port() + ", which " + OpsServer.PORT + " uses too; choose another");
      }
      Vertx vertx = metrics.vertx();
      Store store = Store.open(vertx, DatabaseConfig.from(env, url, "pincery-" + tier));
      Tier built = factory.create(env, vertx, store, metrics.registry());
      NotificationListener listener =
          channels.isEmpty()
              ? null
              : new NotificationListener(
                  vertx,
                  Database.connectOptions(url, "pincery-" + tier + "-listen"),
                  channels,
                  v -> channels.forEach(c -> vertx.eventBus().publish(c.address(), "*")));
      Map<String, BooleanSupplier> background = new LinkedHashMap<>();
      if (listener != null) {
        background.put("notification_listener", listener::connected);
      }
      background.put(tier.replace('-', '_'), built.running());
      HttpServer probes =
          OpsServer.start(
              vertx,
              ops,
              new HealthEndpoints(
                  new Readiness(vertx, store.health(), background, details(tier, built))));
      SchemaGate.awaitCurrent(store.health(), tier);
      if (listener != null) {
        listener.start();
      }
      String deployment =
          vertx
              .deployVerticle(
                  built.verticle(),
                  new DeploymentOptions().setThreadingModel(ThreadingModel.VIRTUAL_THREAD))
              .await();
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    vertx.undeploy(deployment).otherwiseEmpty().await();
                    probes.close().otherwiseEmpty().await();
                    if (listener != null) {
                      listener.stop().otherwiseEmpty().await();
                    }
                    store.closeAsync().otherwiseEmpty().await();
                    vertx.close().await();
                  },
                  tier + "-shutdown"));
      LoggerFactory.getLogger(WorkerProcess.class)
          .info("{} running; /health and /ready on {}:{}", tier, ops.host(), probes.actualPort());
    } catch (ConfigException e) {
      System.err.println("open-pincery " + tier + ": " + e.getMessage());
      System.exit(ConfigException.EXIT_CODE);
    } catch (Exception e) {
      System.err.println("open-pincery " + tier + ": start-up failed: " + e.getMessage());
      System.exit(1);
    }
  }
}
