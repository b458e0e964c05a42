package org.openpincery.gateway;

import io.vertx.core.Vertx;
import java.util.Map;
import java.util.Set;
import org.openpincery.config.ConfigException;
import org.openpincery.config.DatabaseConfig;
import org.openpincery.config.Env;
import org.openpincery.config.Logging;
import org.openpincery.db.DatabaseUrl;
import org.openpincery.notify.Channel;
import org.openpincery.notify.NotificationListener;
import org.openpincery.ops.Metrics;
import org.openpincery.ops.SchemaGate;
import org.openpincery.store.Database;
import org.openpincery.store.Store;

/**
 * The gateway as its own process (split deployments). Needs {@code DATABASE_URL}, migrated by
 * {@code migrate}. Exit codes: 78 a setting is wrong (named on stderr), 1 anything else.
 */
public final class Main {

  private Main() {}

  public static void main(String[] args) {
    Env env = Env.of(System.getenv());
    try {
      Logging.configure(env);
      GatewayConfig config = GatewayConfig.from(env, "0.0.0.0");
      // The memory search's embedding model, checked by its SHA-256 before anything starts.
      config.memory().verifyModel();
      DatabaseUrl url = env.requiredDatabaseUrl();
      Metrics ops = Metrics.from(env);
      Vertx vertx = ops.vertx();
      GatewayMetrics metrics = new GatewayMetrics(ops.registry());

      Store store = Store.open(vertx, DatabaseConfig.from(env, url, "pincery-gateway"));
      SchemaGate.awaitCurrent(store.health(), "gateway");
      NotificationListener listener =
          new NotificationListener(
              vertx,
              Database.connectOptions(url, "pincery-gateway-listen"),
              Set.of(Channel.EVENTS, Channel.SESSIONS),
              v -> vertx.eventBus().publish(Channel.EVENTS.address(), EventStream.RESYNC));
      listener.start();
      var verticle =
          new GatewayVerticle(
              config,
              vx ->
                  ApiRouter.create(
                      vx,
                      store,
                      config,
                      metrics,
                      Map.of("notification_listener", listener::connected)));
      try {
        vertx.deployVerticle(verticle).await();
      } catch (Exception e) {
        throw new ConfigException(
            "OPEN_PINCERY_PORT",
            config.host()
                + ":"
                + config.port()
                + " cannot be bound ("
                + e.getMessage()
                + "); set OPEN_PINCERY_PORT to a free port");
      }
      org.slf4j.LoggerFactory.getLogger(Main.class)
          .info("gateway listening on {}:{}", config.host(), config.port());
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    vertx.undeploy(verticle.deploymentID()).otherwiseEmpty().await();
                    listener.stop().otherwiseEmpty().await();
                    store.closeAsync().otherwiseEmpty().await();
                    vertx.close().await();
                  },
                  "gateway-shutdown"));
    } catch (ConfigException e) {
      System.err.println("open-pincery gateway: " + e.getMessage());
      System.exit(ConfigException.EXIT_CODE);
    } catch (Exception e) {
      System.err.println("open-pincery gateway: start-up failed: " + e.getMessage());
      System.exit(1);
    }
  }
}
