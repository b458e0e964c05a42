package org.openpincery.standalone;

import java.nio.file.Path;
import java.util.Optional;
import org.openpincery.config.ConfigException;
import org.openpincery.config.Env;
import org.openpincery.db.DatabaseUrl;
import org.openpincery.gateway.GatewayConfig;
import org.openpincery.maintenance.MaintenanceWorkerConfig;
import org.openpincery.maintenance.NotificationConfig;
import org.openpincery.memory.MemoryConfig;
import org.openpincery.ops.Metrics;
import org.openpincery.reasoner.ReasonerConfig;
import org.openpincery.scheduler.SchedulerConfig;
import org.openpincery.wake.WakeWorkerConfig;
import org.openpincery.wake.sandbox.SandboxConfig;
import org.openpincery.webhook.WebhookConfig;

/**
 * Settings of the all-in-one process.
 *
 * @param dataDir where the embedded PostgreSQL keeps its data ({@code OPEN_PINCERY_DATA_DIR})
 * @param databaseUrl an external PostgreSQL instead of the embedded one ({@code DATABASE_URL})
 * @param gateway the operator API; its host defaults to loopback here, since a zero-install run is
 *     one person's machine
 * @param embeddedPgPort the embedded PostgreSQL's port, 0 for any free one ({@code
 *     OPEN_PINCERY_EMBEDDED_PG_PORT})
 * @param poolSize connections in the process's pool ({@code DATABASE_POOL_SIZE})
 * @param reasoner the model ({@code LLM_*}); without {@code LLM_API_KEY} the offline model
 * @param wakeWorker the wake worker ({@code WAKE_*}, caps, prompt budget)
 * @param maintenanceWorker the maintenance worker ({@code MAINTENANCE_*})
 * @param notifications the outbound notification deliverer and chain checker ({@code NOTIFY_*},
 *     {@code CHAIN_CHECK_*})
 * @param scheduler the scheduler ({@code SCHEDULER_*})
 * @param webhooks webhook ingress, served on the API's port ({@code OPEN_PINCERY_WEBHOOK_*})
 * @param sandbox the shell's sandbox ({@code OPEN_PINCERY_SANDBOX*}, {@code SHELL_*})
 * @param memory the memory index and search ({@code MEMORY_*})
 */
public record StandaloneConfig(
    Path dataDir,
    Optional<DatabaseUrl> databaseUrl,
    GatewayConfig gateway,
    Optional<Metrics.Address> metricsAddr,
    int embeddedPgPort,
    int poolSize,
    ReasonerConfig reasoner,
    WakeWorkerConfig wakeWorker,
    MaintenanceWorkerConfig maintenanceWorker,
    NotificationConfig notifications,
    SchedulerConfig scheduler,
    WebhookConfig webhooks,
    SandboxConfig sandbox,
    MemoryConfig memory) {

  public static final String DATA_DIR = "OPEN_PINCERY_DATA_DIR";
  public static final String DATABASE_URL = "DATABASE_URL";
  public static final String HOST = "OPEN_PINCERY_HOST";
  public static final String PORT = "OPEN_PINCERY_PORT";
  public static final String EMBEDDED_PG_PORT = "OPEN_PINCERY_EMBEDDED_PG_PORT";

  public static StandaloneConfig from(Env env) {
    Path dataDir;
    try {
      dataDir = Path.of(env.string(DATA_DIR, "data")).toAbsolutePath().normalize();
    } catch (RuntimeException e) {
      throw new ConfigException(DATA_DIR, "is not a usable path: " + e.getMessage());
    }
    return new StandaloneConfig(
        dataDir,
        env.databaseUrl(DATABASE_URL),
        GatewayConfig.from(env, "127.0.0.1"),
        env.string(Metrics.METRICS_ADDR).map(Metrics.Address::parse),
        env.integer(EMBEDDED_PG_PORT, 0, 0, 65535),
        env.integer("DATABASE_POOL_SIZE", 16, 1, 500),
        ReasonerConfig.from(env),
        // Every tier shares these cores: wakes whose model answers at once must leave some to
        // the API (docs/performance.md, "Messages through the operator API").
        WakeWorkerConfig.from(env, Runtime.getRuntime().availableProcessors()),
        MaintenanceWorkerConfig.from(env),
        NotificationConfig.from(env),
        SchedulerConfig.from(env),
        WebhookConfig.from(env),
        SandboxConfig.from(env),
        MemoryConfig.from(env));
  }

  /** The setting an operator changes to point at another database. */
  public String databaseSetting() {
    return databaseUrl.isPresent() ? DATABASE_URL : DATA_DIR;
  }
}
