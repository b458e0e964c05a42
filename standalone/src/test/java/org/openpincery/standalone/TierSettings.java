package org.openpincery.standalone;

import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.openpincery.config.DatabaseConfig;
import org.openpincery.config.Env;
import org.openpincery.config.Logging;
import org.openpincery.db.DatabaseUrl;
import org.openpincery.gateway.GatewayConfig;
import org.openpincery.http.HttpEdges;
import org.openpincery.maintenance.MaintenanceWorkerConfig;
import org.openpincery.maintenance.NotificationConfig;
import org.openpincery.memory.MemoryConfig;
import org.openpincery.ops.Metrics;
import org.openpincery.ops.OpsServer;
import org.openpincery.reasoner.ReasonerConfig;
import org.openpincery.scheduler.SchedulerConfig;
import org.openpincery.vault.Vault;
import org.openpincery.wake.WakeWorkerConfig;
import org.openpincery.wake.sandbox.SandboxConfig;
import org.openpincery.webhook.WebhookConfig;

/**
 * The config records each tier's {@code Main} builds from its environment, read here the same way:
 * what a tier accepts (a wrong value throws as at start-up) and which settings it reads at all.
 */
final class TierSettings {

  private static final Map<String, Consumer<Env>> TIERS =
      Map.of(
          "migrate",
          env -> env.requiredDatabaseUrl(),
          "gateway",
          env -> {
            common(env);
            GatewayConfig.from(env, "0.0.0.0");
          },
          "webhook-ingress",
          env -> {
            common(env);
            WebhookConfig.from(env);
            HttpEdges.idleTimeout(env);
            HttpEdges.requestTimeout(env);
          },
          "scheduler",
          env -> {
            common(env);
            OpsServer.Config.from(env);
            SchedulerConfig.from(env);
          },
          "maintenance-worker",
          env -> {
            common(env);
            OpsServer.Config.from(env);
            ReasonerConfig.from(env);
            MaintenanceWorkerConfig.from(env);
            NotificationConfig.from(env);
          },
          "memory-indexer",
          env -> {
            common(env);
            OpsServer.Config.from(env);
            MemoryConfig.from(env);
          },
          "wake-worker",
          env -> {
            common(env);
            OpsServer.Config.from(env);
            ReasonerConfig.from(env);
            WakeWorkerConfig.from(env);
            SandboxConfig.from(env);
            Vault.fromEnv(env);
          });

  private TierSettings() {}

  static Set<String> tiers() {
    return TIERS.keySet();
  }

  /** Reads {@code tier}'s settings from {@code vars}; returns every setting name it read. */
  static Set<String> read(String tier, Map<String, String> vars) {
    Env env = Env.of(vars);
    TIERS.get(tier).accept(env);
    return env.namesRead();
  }

  private static void common(Env env) {
    env.string(Logging.LOG_FORMAT);
    DatabaseUrl url = env.requiredDatabaseUrl();
    DatabaseConfig.from(env, url, "check");
    Metrics.from(env);
  }
}
