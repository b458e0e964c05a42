package org.openpincery.webhook;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import java.util.Map;
import org.openpincery.config.ConfigException;
import org.openpincery.config.DatabaseConfig;
import org.openpincery.config.Env;
import org.openpincery.config.Logging;
import org.openpincery.db.DatabaseUrl;
import org.openpincery.http.HttpEdges;
import org.openpincery.ops.HealthEndpoints;
import org.openpincery.ops.Metrics;
import org.openpincery.ops.Readiness;
import org.openpincery.ops.SchemaGate;
import org.openpincery.store.Store;
import org.slf4j.LoggerFactory;

/**
 * Webhook ingress as its own process. Needs {@code DATABASE_URL}, migrated by {@code migrate} (it
 * waits for that); serves {@code /health}, {@code /ready} and the webhook route on {@code
 * OPEN_PINCERY_WEBHOOK_PORT}, metrics on {@code METRICS_ADDR}. Exit codes: 78 a setting is wrong
 * (named on stderr), 1 anything else.
 */
public final class Main {

  private Main() {}

  public static void main(String[] args) {
    Env env = Env.of(System.getenv());
    try {
      Logging.configure(env);
      WebhookConfig config = WebhookConfig.from(env);
      java.time.Duration idleTimeout = HttpEdges.idleTimeout(env);
      java.time.Duration requestTimeout = HttpEdges.requestTimeout(env);
      DatabaseUrl url = env.requiredDatabaseUrl();
      Metrics metrics = Metrics.from(env);
      Vertx vertx = metrics.vertx();
      Store store = Store.open(vertx, DatabaseConfig.from(env, url, "pincery-webhooks"));
      SchemaGate.awaitCurrent(store.health(), "webhook-ingress");
      HealthEndpoints health =
          new HealthEndpoints(new Readiness(vertx, store.health(), Map.of(), Map.of()));
      String id;
      try {
        id =
            vertx
                .deployVerticle(
                    new WebhookIngressVerticle(
                        store, config, metrics.registry(), health, idleTimeout, requestTimeout),
                    new DeploymentOptions())
                .await();
      } catch (Exception e) {
        throw new ConfigException(
            "OPEN_PINCERY_WEBHOOK_PORT",
            config.host() + ":" + config.port() + " cannot be bound (" + e.getMessage() + ")");
      }
      LoggerFactory.getLogger(Main.class)
          .info("webhook ingress listening on {}:{}", config.host(), config.port());
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    vertx.undeploy(id).otherwiseEmpty().await();
                    store.closeAsync().otherwiseEmpty().await();
                    vertx.close().await();
                  },
                  "webhooks-shutdown"));
    } catch (ConfigException e) {
      System.err.println("open-pincery webhook-ingress: " + e.getMessage());
      System.exit(ConfigException.EXIT_CODE);
    } catch (Exception e) {
      System.err.println("open-pincery webhook-ingress: start-up failed: " + e.getMessage());
      System.exit(1);
    }
  }
}
