package org.openpincery.bench.peers;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.openpincery.db.DatabaseUrl;
import org.openpincery.testkit.TestPostgres;

/**
 * The pincery drivers speak the peers protocol as the orchestrator starts them: READY after set-up,
 * one JSON answer per RUN (closed, drain), every drained agent asleep again, exit 0 on QUIT; and
 * the orchestrator can read the driver's CPU and peak RSS from /proc.
 */
class PinceryDriverTest {

  @ParameterizedTest
  @ValueSource(strings = {"pincery-bare", "pincery-full"})
  void speaksTheProtocol(String system) throws Exception {
    DatabaseUrl db = TestPostgres.emptyDatabase();
    String java = ProcessHandle.current().info().command().orElseThrow();
    PeerSystem driver =
        new PeerSystem(
            system,
            "bench",
            List.of(
                java,
                "-Dlogback.configurationFile=peers-logback.xml",
                "-cp",
                System.getProperty("java.class.path"),
                PinceryDriver.class.getName()));
    Map<String, String> env =
        Map.of(
            "PEER_DATABASE_URL", TestPostgres.urlString(db),
            "PEER_SYSTEM", system,
            "PEER_CONCURRENCY", "4",
            "PEER_AGENTS", "2",
            "PEER_DRAIN_JOBS", "10");
    Path log = Files.createTempFile(system, ".log");

    DriverProcess d = DriverProcess.start(driver, env, log);
    try (d) {
      JsonObject closed = d.run("closed", 2, 1);
      assertThat(closed.getString("system")).isEqualTo(system);
      assertThat(closed.getString("mode")).isEqualTo("closed");
      assertThat(closed.getInteger("producers")).isEqualTo(2);
      assertThat(closed.getLong("jobs")).isPositive();
      assertThat(closed.getDouble("per_second")).isPositive();
      assertThat(closed.getDouble("latency_p50_ms")).isNotNull();
      assertThat(closed.getDouble("latency_p99_ms"))
          .isGreaterThanOrEqualTo(closed.getDouble("latency_p50_ms"));

      JsonObject drain = d.run("drain", 10, 0);
      assertThat(drain.getString("mode")).isEqualTo("drain");
      assertThat(drain.getLong("jobs")).isEqualTo(10);

      assertThat(ProcStat.treeTicks(d.handle())).isPositive();
      assertThat(ProcStat.peakRssKib(d.handle().pid())).isPositive();
    }
    assertThat(d.exitValue()).isZero();

    // The drain's agents (created at set-up as drain-0 … drain-9) each woke once and sleep again.
    try (Connection c = TestPostgres.connect(db);
        ResultSet rs =
            c.createStatement()
                .executeQuery(
                    "SELECT count(*) FILTER (WHERE status = 'asleep' AND NOT has_pending),"
                        + " count(*) FROM agents WHERE name LIKE 'drain-%'")) {
      rs.next();
      assertThat(rs.getLong(1)).isEqualTo(10);
      assertThat(rs.getLong(2)).isEqualTo(10);
    }
  }
}
