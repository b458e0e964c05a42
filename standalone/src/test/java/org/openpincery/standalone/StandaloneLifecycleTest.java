package org.openpincery.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openpincery.db.DatabaseUrl;
import org.openpincery.testkit.TestPostgres;

class StandaloneLifecycleTest {

  private final HttpClient http = HttpClient.newHttpClient();

  @TempDir Path work;

  @Test
  void startsFromAnEmptyDataDirectoryStopsCleanlyAndKeepsItsDataAcrossARestart() throws Exception {
    Path dataDir = work.resolve("data");
    int httpPort = StandaloneProcess.freePort();
    int pgPort = StandaloneProcess.freePort();
    Map<String, String> env =
        Map.of(
            "OPEN_PINCERY_DATA_DIR", dataDir.toString(),
            "OPEN_PINCERY_PORT", Integer.toString(httpPort),
            "OPEN_PINCERY_EMBEDDED_PG_PORT", Integer.toString(pgPort));
    DatabaseUrl db = DatabaseUrl.of("127.0.0.1", pgPort, "postgres", "postgres", null);
    assertThat(dataDir).doesNotExist();

    long postmasterPid;
    String bootstrapToken = null;
    try (StandaloneProcess first = StandaloneProcess.start(work, env)) {
      first.awaitReady(httpPort);
      try (Connection c = TestPostgres.connect(db);
          Statement st = c.createStatement()) {
        st.execute("INSERT INTO workspaces (name) VALUES ('survivor')");
      }
      // No bootstrap token configured: standalone keeps one in the data directory, owner-only.
      Path tokenFile = dataDir.resolve("bootstrap-token");
      assertThat(java.nio.file.Files.getPosixFilePermissions(tokenFile))
          .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
      bootstrapToken = Files.readString(tokenFile).strip();
      assertThat(post(httpPort, "/api/bootstrap", bootstrapToken)).isEqualTo(201);
      assertThat(first.stdoutText()).contains(tokenFile.toString()).doesNotContain(bootstrapToken);
      postmasterPid =
          Long.parseLong(
              Files.readAllLines(dataDir.resolve("postgres/postmaster.pid")).get(0).strip());
      assertThat(ProcessHandle.of(postmasterPid)).isPresent();

      first.terminate();
      assertThat(first.stdoutText()).contains("Open Pincery standalone stopped");
    }
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> ProcessHandle.of(postmasterPid).map(p -> !p.isAlive()).orElse(true));

    try (StandaloneProcess second = StandaloneProcess.start(work, env)) {
      second.awaitReady(httpPort);
      try (Connection c = TestPostgres.connect(db);
          Statement st = c.createStatement();
          ResultSet rs =
              st.executeQuery("SELECT count(*) FROM workspaces WHERE name = 'survivor'")) {
        rs.next();
        assertThat(rs.getInt(1)).isEqualTo(1);
      }
      assertThat(second.stdoutText()).contains("0 migration(s) applied now");
      assertThat(Files.readString(dataDir.resolve("bootstrap-token")).strip())
          .isEqualTo(bootstrapToken);
      assertThat(post(httpPort, "/api/login", bootstrapToken)).isEqualTo(200);
      assertThat(post(httpPort, "/api/bootstrap", bootstrapToken))
          .as("already bootstrapped")
          .isEqualTo(409);
    }
  }

  private int post(int port, String path, String bearer) throws Exception {
    return http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Authorization", "Bearer " + bearer)
                .POST(HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }
}
