package org.openpincery.work;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Verticle;
import io.vertx.core.Vertx;
import java.util.Set;
import org.openpincery.config.ConfigException;
import org.openpincery.config.DatabaseConfig;
import org.openpincery.config.Env;
import org.openpincery.config.Logging;
import org.openpincery.db.DatabaseUrl;
import org.openpincery.notify.Channel;
import org.openpincery.notify.NotificationListener;
import org.openpincery.store.Database;
import org.openpincery.store.Store;
import org.slf4j.LoggerFactory;

/**
 * The shell of a worker tier run as its own process (split deployments): settings from the
 * environment, a pool, one notification listener for the tier's channels if it has any (a reconnect
 * re-kicks the worker, whose claim is itself the catch-up scan), the worker's virtual-thread
 * verticle, and an orderly stop on SIGTERM. Exit codes: 78 a setting is wrong (named on stderr), 1
 * anything else.
 */
public final class WorkerProcess {

  /** Builds the tier's verticle; may throw {@link ConfigException} for its own settings. */
  public interface Factory {
    Verticle create(Env env, Vertx vertx, Store store);
  }

  private WorkerProcess() {}

  public static void run(String tier, Set<Channel> channels, Factory factory) {
    Env env = Env.of(System.getenv());
    try {
      Logging.configure(env);
      DatabaseUrl url = env.requiredDatabaseUrl();
      Vertx vertx = Vertx.vertx();
      Store store = Store.open(vertx, DatabaseConfig.from(env, url, "pincery-" + tier));
      Verticle verticle = factory.create(env, vertx, store);
      NotificationListener listener =
          channels.isEmpty()
              ? null
              : new NotificationListener(
                  vertx,
                  Database.connectOptions(url, "pincery-" + tier + "-listen"),
                  channels,
                  v -> channels.forEach(c -> vertx.eventBus().publish(c.address(), "*")));
      if (listener != null) {
        listener.start();
      }
      String deployment =
          vertx
              .deployVerticle(
                  verticle,
                  new DeploymentOptions().setThreadingModel(ThreadingModel.VIRTUAL_THREAD))
              .await();
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    vertx.undeploy(deployment).otherwiseEmpty().await();
                    if (listener != null) {
                      listener.stop().otherwiseEmpty().await();
                    }
                    store.closeAsync().otherwiseEmpty().await();
                    vertx.close().await();
                  },
                  tier + "-shutdown"));
      LoggerFactory.getLogger(WorkerProcess.class).info("{} running", tier);
    } catch (ConfigException e) {
      System.err.println("open-pincery " + tier + ": " + e.getMessage());
      System.exit(ConfigException.EXIT_CODE);
    } catch (RuntimeException e) {
      System.err.println("open-pincery " + tier + ": start-up failed: " + e.getMessage());
      System.exit(1);
    }
  }
}
