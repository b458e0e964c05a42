package org.openpincery.standalone;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.openpincery.config.ConfigException;
import org.openpincery.config.DatabaseConfig;
import org.openpincery.db.DatabaseUrl;
import org.openpincery.db.SchemaMigrator;
import org.openpincery.gateway.ApiRouter;
import org.openpincery.gateway.GatewayConfig;
import org.openpincery.gateway.GatewayMetrics;
import org.openpincery.gateway.GatewayVerticle;
import org.openpincery.maintenance.MaintenanceWorkerVerticle;
import org.openpincery.maintenance.NotificationDeliveryVerticle;
import org.openpincery.memory.indexer.MemoryIndexerVerticle;
import org.openpincery.notify.Channel;
import org.openpincery.notify.NotificationListener;
import org.openpincery.ops.Metrics;
import org.openpincery.reasoner.ChatClient;
import org.openpincery.scheduler.SchedulerVerticle;
import org.openpincery.store.Database;
import org.openpincery.store.Store;
import org.openpincery.vault.Vault;
import org.openpincery.wake.WakeWorkerVerticle;
import org.openpincery.wake.sandbox.Sandbox;
import org.openpincery.webhook.WebhookRoutes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every tier in one JVM: embedded (or external) PostgreSQL, migrations, the notification listener
 * and the verticles. Start-up checks everything an operator can get wrong before it writes
 * anything, and a failure part-way stops what had started.
 */
final class Standalone {

  private static final Logger LOG = LoggerFactory.getLogger(Standalone.class);
  private static final Duration STEP_TIMEOUT = Duration.ofSeconds(60);

  private final StandaloneConfig config;
  private EmbeddedDatabase embedded;
  private Vertx vertx;
  private Store store;
  private NotificationListener listener;
  private WakeWorkerVerticle wakeWorker;
  private MaintenanceWorkerVerticle maintenanceWorker;
  private NotificationDeliveryVerticle notifications;
  private SchedulerVerticle scheduler;
  private MemoryIndexerVerticle memoryIndexer;
  // Secrets kept in the data directory, read before anything starts (empty: not used, or for the
  // vault key no file yet).
  private Optional<String> keptBootstrapToken = Optional.empty();
  private Optional<String> keptVaultKey = Optional.empty();

  private Standalone(StandaloneConfig config) {
    this.config = config;
  }

  /** Starts everything, or stops what it started and throws. */
  static Standalone start(StandaloneConfig config) {
    Standalone app = new Standalone(config);
    try {
      app.startAll();
      return app;
    } catch (RuntimeException e) {
      app.stop();
      throw e;
    }
  }

  private void startAll() {
    if (config.databaseUrl().isEmpty()) {
      prepareDataDir(config.dataDir());
    }
    checkPortFree(config.gateway().host(), config.gateway().port());
    if (config.databaseUrl().isEmpty()) {
      if (config.gateway().bootstrapToken().isEmpty()) {
        keptBootstrapToken = Optional.of(BootstrapTokenFile.readOrCreate(config.dataDir()));
      }
      if (config.gateway().vault().isEmpty()) {
        keptVaultKey = VaultKeyFile.read(config.dataDir());
      }
    }

    DatabaseUrl url;
    if (config.databaseUrl().isPresent()) {
      url = config.databaseUrl().get();
    } else {
      embedded = EmbeddedDatabase.start(config.dataDir(), config.embeddedPgPort());
      url = embedded.url();
    }
    migrate(url);

    Metrics ops = config.metricsAddr().map(Metrics::servedAt).orElseGet(Metrics::discarding);
    vertx = ops.vertx();
    GatewayMetrics metrics = new GatewayMetrics(ops.registry());
    store = Store.open(vertx, new DatabaseConfig(url, config.poolSize(), "pincery-standalone"));
    listener =
        new NotificationListener(
            vertx,
            Database.connectOptions(url, "pincery-standalone-listen"),
            EnumSet.allOf(Channel.class),
            v -> catchUp());
    await(listener.start(), "connect the notification listener");
    GatewayConfig gateway = config.gateway();
    if (keptBootstrapToken.isPresent()) {
      gateway = gateway.withBootstrapToken(keptBootstrapToken.get());
      LOG.info(
          "{} is not set: using the bootstrap token kept in {}",
          GatewayConfig.BOOTSTRAP_TOKEN,
          BootstrapTokenFile.path(config.dataDir()));
    }
    ChatClient model = ChatClient.create(vertx, config.reasoner());
    if (config.reasoner().offline()) {
      LOG.warn(
          "LLM_API_KEY is not set: agents are answered by the built-in offline model"
              + " (set LLM_API_KEY, and LLM_API_BASE_URL for a provider other than OpenRouter)");
    } else {
      LOG.info(
          "model {} (maintenance: {}) at {}",
          config.reasoner().model(),
          config.reasoner().maintenanceModel(),
          config.reasoner().baseUrl());
    }
    Optional<Vault> vault = vault(gateway);
    if (vault.isPresent() && gateway.vault().isEmpty()) {
      gateway = gateway.withVault(vault.get());
    }
    Sandbox sandbox = Sandbox.probe(config.sandbox());
    wakeWorker =
        new WakeWorkerVerticle(
            store,
            model,
            config.reasoner(),
            config.wakeWorker(),
            sandbox,
            vault,
            metrics.registry());
    maintenanceWorker =
        new MaintenanceWorkerVerticle(store, model, config.reasoner(), config.maintenanceWorker());
    await(
        vertx.deployVerticle(wakeWorker, WakeWorkerVerticle.deploymentOptions()),
        "start the wake worker");
    await(
        vertx.deployVerticle(maintenanceWorker, MaintenanceWorkerVerticle.deploymentOptions()),
        "start the maintenance worker");
    notifications =
        new NotificationDeliveryVerticle(store, config.notifications(), metrics.registry());
    await(
        vertx.deployVerticle(notifications, NotificationDeliveryVerticle.deploymentOptions()),
        "start the notification deliverer");
    scheduler = new SchedulerVerticle(store, config.scheduler(), metrics.registry());
    await(
        vertx.deployVerticle(scheduler, SchedulerVerticle.deploymentOptions()),
        "start the scheduler");
    config.memory().verifyModel();
    memoryIndexer = new MemoryIndexerVerticle(store, config.memory(), metrics.registry());
    await(
        vertx.deployVerticle(memoryIndexer, MemoryIndexerVerticle.deploymentOptions()),
        "start the memory indexer");
    Map<String, String> details =
        Map.of(
            "model",
            config.reasoner().offline()
                ? "offline (LLM_API_KEY is not set; the built-in offline model answers)"
                : config.reasoner().model() + " at " + config.reasoner().baseUrl(),
            "sandbox",
            sandbox.profile(),
            "vault",
            vault.isPresent() ? "configured" : "not configured (set " + Vault.KEY_SETTING + ")");
    GatewayConfig api = gateway;
    try {
      await(
          vertx.deployVerticle(
              new GatewayVerticle(
                  api,
                  vx -> {
                    var router =
                        ApiRouter.create(
                            vx,
                            store,
                            api,
                            metrics,
                            Map.of(
                                "notification_listener",
                                listener::connected,
                                "wake_worker",
                                wakeWorker::running,
                                "maintenance_worker",
                                maintenanceWorker::running,
                                "notification_deliverer",
                                notifications::running,
                                "scheduler",
                                scheduler::running,
                                "memory_indexer",
                                memoryIndexer::running),
                            details);
                    WebhookRoutes.mount(
                        router,
                        vx,
                        store,
                        config.webhooks(),
                        metrics.registry(),
                        java.time.Clock.systemUTC());
                    return router;
                  })),
          "start the HTTP server");
    } catch (IllegalStateException e) {
      if (e.getCause() instanceof BindException) {
        throw portInUse();
      }
      throw e;
    }
    if (gateway.bootstrapToken().isEmpty()) {
      LOG.warn(
          "{} is not set: bootstrap and login are disabled until it is",
          GatewayConfig.BOOTSTRAP_TOKEN);
    }
    LOG.info(
        "Open Pincery standalone ready on http://{}:{} (database: {})",
        gateway.host(),
        gateway.port(),
        embedded != null ? "embedded, data in " + config.dataDir() : url);
  }

  /**
   * The vault: {@code OPEN_PINCERY_VAULT_KEY}, else (embedded database) the key kept in the data
   * directory (see VaultKeyFile: never replaced, created only while no credential is stored).
   * Without either, start-up refuses a database that already holds credentials.
   */
  private Optional<Vault> vault(GatewayConfig gateway) {
    if (gateway.vault().isPresent()) {
      return gateway.vault();
    }
    Path keyFile = VaultKeyFile.path(config.dataDir());
    if (embedded != null) {
      String key =
          keptVaultKey.orElseGet(
              () -> {
                long stored = await(store.credentials().count(), "count the stored credentials");
                if (stored > 0) {
                  throw new ConfigException(
                      Vault.KEY_SETTING,
                      "is not set and "
                          + keyFile
                          + " does not exist, but the database holds "
                          + stored
                          + " credential(s) sealed under a vault key: restore that key into "
                          + keyFile
                          + ", or set "
                          + Vault.KEY_SETTING
                          + " to it");
                }
                return VaultKeyFile.create(config.dataDir());
              });
      LOG.info("{} is not set: using the vault key kept in {}", Vault.KEY_SETTING, keyFile);
      return Optional.of(Vault.of(key));
    }
    long stored = await(store.credentials().count(), "count the stored credentials");
    if (stored > 0) {
      throw new ConfigException(
          Vault.KEY_SETTING,
          "is required: the database holds "
              + stored
              + " credential(s) sealed under a vault key; set it to that key");
    }
    return Optional.empty();
  }

  /**
   * After every (re)connect of the listener: work notified while it was down is claimed now (each
   * worker's claim is itself the scan), and event streams re-read.
   */
  private void catchUp() {
    vertx.eventBus().publish(Channel.EVENTS.address(), "*");
    vertx.eventBus().publish(Channel.WAKE.address(), "*");
    vertx.eventBus().publish(Channel.MAINTENANCE.address(), "*");
    vertx.eventBus().publish(Channel.NOTIFICATIONS.address(), "*");
  }

  private void migrate(DatabaseUrl url) {
    try {
      var outcome = SchemaMigrator.migrate(url);
      LOG.info(
          "schema at version {} ({} migration(s) applied now)",
          outcome.schemaVersion(),
          outcome.appliedNow());
    } catch (SchemaMigrator.SchemaTooNewException | SchemaMigrator.DatabaseUnreachableException e) {
      throw new ConfigException(config.databaseSetting(), e.getMessage(), e);
    }
  }

  private static void prepareDataDir(Path dir) {
    try {
      Files.createDirectories(dir);
      Path probe = Files.createTempFile(dir, ".write-probe", ".tmp");
      Files.delete(probe);
    } catch (IOException | SecurityException e) {
      throw new ConfigException(
          StandaloneConfig.DATA_DIR,
          "cannot create or write the data directory "
              + dir
              + " ("
              + e
              + "); choose a writable directory");
    }
  }

  // Checked before anything is written, so a taken port leaves no trace behind.
  private void checkPortFree(String host, int port) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(host, port));
    } catch (IOException e) {
      throw portInUse();
    }
  }

  private ConfigException portInUse() {
    return new ConfigException(
        StandaloneConfig.PORT,
        config.gateway().host()
            + ":"
            + config.gateway().port()
            + " is already in use or cannot be bound; set "
            + StandaloneConfig.PORT
            + " to a free port (or "
            + StandaloneConfig.HOST
            + " to another address)");
  }

  /** Stops in reverse order: HTTP and workers, the listener and pool, then PostgreSQL. */
  void stop() {
    try {
      if (vertx != null) {
        // HTTP and workers first, while the pool is open: wakes end with `shutdown`.
        quietly(Future.join(vertx.deploymentIDs().stream().map(id -> vertx.undeploy(id)).toList()));
        if (listener != null) {
          quietly(listener.stop());
        }
        if (store != null) {
          quietly(store.closeAsync());
        }
        quietly(vertx.close());
      }
    } finally {
      if (embedded != null) {
        try {
          embedded.close();
        } catch (IOException | RuntimeException e) {
          LOG.warn("embedded PostgreSQL did not stop cleanly: {}", e.getMessage());
        }
      }
    }
    LOG.info("Open Pincery standalone stopped");
  }

  private static void quietly(Future<?> f) {
    try {
      f.toCompletionStage().toCompletableFuture().get(STEP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      LOG.warn("shutdown step failed: {}", e.toString());
    }
  }

  private static <T> T await(Future<T> f, String what) {
    try {
      return f.toCompletionStage()
          .toCompletableFuture()
          .get(STEP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while trying to " + what, e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof ConfigException config) {
        throw config; // a setting a verticle refused at start: named as at any other start-up
      }
      throw new IllegalStateException(
          "could not " + what + ": " + e.getCause().getMessage(), e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException("timed out trying to " + what, e);
    }
  }
}
