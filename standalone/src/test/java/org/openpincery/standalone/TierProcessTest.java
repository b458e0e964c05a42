package org.openpincery.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.openpincery.db.DatabaseUrl;
import org.openpincery.db.SchemaMigrator;
import org.openpincery.testkit.FreePort;
import org.openpincery.testkit.TestPostgres;

/**
 * Every tier as its own process, as a split deployment runs it: it waits for {@code migrate},
 * serves {@code /health} and {@code /ready} (database, migrations, its own parts) and Prometheus
 * metrics on {@code METRICS_ADDR}, and stops on SIGTERM.
 */
class TierProcessTest {

  private final HttpClient http = HttpClient.newHttpClient();

  @TempDir Path work;

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "gateway, org.openpincery.gateway.Main, OPEN_PINCERY_PORT, notification_listener",
    "webhook-ingress, org.openpincery.webhook.Main, OPEN_PINCERY_WEBHOOK_PORT, migrations",
    "wake-worker, org.openpincery.wake.Main, OPEN_PINCERY_PORT, wake_worker",
    "maintenance-worker, org.openpincery.maintenance.Main, OPEN_PINCERY_PORT, maintenance_worker",
    "scheduler, org.openpincery.scheduler.Main, OPEN_PINCERY_PORT, scheduler",
    "memory-indexer, org.openpincery.memory.indexer.Main, OPEN_PINCERY_PORT, memory_indexer"
  })
  void aTierWaitsForMigrateThenReportsReadyAndServesItsMetrics(
      String tier, String mainClass, String portSetting, String ownCheck) throws Exception {
    DatabaseUrl db = TestPostgres.emptyDatabase();
    int port = FreePort.pick();
    int metricsPort = FreePort.pick();
    Map<String, String> env = new HashMap<>();
    env.put("DATABASE_URL", TestPostgres.urlString(db));
    env.put(portSetting, Integer.toString(port));
    env.put("METRICS_ADDR", "127.0.0.1:" + metricsPort);
    env.put("OPEN_PINCERY_SANDBOX", "auto");
    try (StandaloneProcess process = StandaloneProcess.start(mainClass, work.resolve(tier), env)) {
      if (!tier.equals("gateway") && !tier.equals("webhook-ingress")) {
        // Worker tiers answer probes while they wait, saying why they are not ready.
        await().atMost(Duration.ofSeconds(60)).until(() -> status(port, "/ready", process) == 503);
        JsonObject waiting = new JsonObject(get(port, "/ready").body());
        assertThat(waiting.getJsonObject("checks").getString("migrations"))
            .startsWith("schema at version 0");
        assertThat(get(port, "/health").statusCode()).isEqualTo(200);
      }
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> process.stdoutText().contains("waiting for migrate"));

      SchemaMigrator.migrate(db);

      await().atMost(Duration.ofSeconds(60)).until(() -> status(port, "/ready", process) == 200);
      JsonObject ready = new JsonObject(get(port, "/ready").body());
      assertThat(ready.getString("status")).isEqualTo("ready");
      assertThat(ready.getJsonObject("checks").getString("database")).isEqualTo("ok");
      assertThat(ready.getJsonObject("checks").getString(ownCheck)).isEqualTo("ok");
      assertThat(get(port, "/health").statusCode()).isEqualTo(200);

      HttpResponse<String> metrics = get(metricsPort, "/metrics");
      assertThat(metrics.statusCode()).isEqualTo(200);
      assertThat(metrics.body()).contains("jvm_memory_used_bytes").contains("vertx_pool");

      process.terminate();
      assertThat(process.stderrText()).doesNotContain("Exception");
    }
  }

  @Test
  void aTierRefusesADatabaseWhoseSchemaIsNewerThanItsBuild() throws Exception {
    DatabaseUrl db = TestPostgres.freshDatabase();
    try (Connection c = TestPostgres.connect(db);
        Statement st = c.createStatement()) {
      st.execute(
          "INSERT INTO flyway_schema_history (installed_rank, version, description, type, script,"
              + " installed_by, execution_time, success) VALUES (1000, '999', 'from the future',"
              + " 'SQL', 'V999__future.sql', 'test', 0, true)");
    }
    try (StandaloneProcess process =
        StandaloneProcess.start(
            "org.openpincery.scheduler.Main",
            work.resolve("future"),
            Map.of(
                "DATABASE_URL",
                TestPostgres.urlString(db),
                "OPEN_PINCERY_PORT",
                Integer.toString(FreePort.pick())))) {
      assertThat(process.exitCode()).isEqualTo(78);
      assertThat(process.stderrText())
          .contains("DATABASE_URL")
          .contains("999")
          .contains("newer than this build's " + SchemaMigrator.SCHEMA_VERSION);
    }
  }

  private int status(int port, String path, StandaloneProcess process) throws Exception {
    assertThat(process.process.isAlive()).as("the tier exited: %s", process.stderrText()).isTrue();
    try {
      return get(port, path).statusCode();
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof java.io.IOException) {
        return -1; // not listening yet
      }
      throw e;
    }
  }

  // Bounded as a whole (the client's own timeout ends at the headers).
  private HttpResponse<String> get(int port, String path) throws Exception {
    return http.sendAsync(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .get(20, java.util.concurrent.TimeUnit.SECONDS);
  }
}
