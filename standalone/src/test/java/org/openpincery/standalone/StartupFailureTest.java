package org.openpincery.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.openpincery.db.DatabaseUrl;
import org.openpincery.testkit.TestPostgres;

/** Each operator mistake stops start-up with one line naming the setting, and writes nothing. */
class StartupFailureTest {

  @TempDir Path work;

  @Test
  void malformedDatabaseUrlIsNamed() throws Exception {
    var result = run(Map.of("DATABASE_URL", "mysql://root:hunter2@db/pincery"));

    assertThat(result.exitCode).isEqualTo(78);
    assertThat(result.stderr).startsWith("open-pincery: DATABASE_URL: ").doesNotContain("hunter2");
  }

  @Test
  void unwritableDataDirectoryIsNamed() throws Exception {
    Path aFile = Files.writeString(work.resolve("not-a-dir"), "x");

    var result = run(Map.of("OPEN_PINCERY_DATA_DIR", aFile.resolve("data").toString()));

    assertThat(result.exitCode).isEqualTo(78);
    assertThat(result.stderr)
        .startsWith("open-pincery: OPEN_PINCERY_DATA_DIR: cannot create or write");
  }

  @Test
  void databaseMigratedByANewerVersionIsRefusedUntouched() throws Exception {
    DatabaseUrl db = TestPostgres.freshDatabase();
    int historyRows = count(db, "SELECT count(*) FROM flyway_schema_history");
    try (Connection c = TestPostgres.connect(db);
        Statement st = c.createStatement()) {
      st.execute(
          "INSERT INTO flyway_schema_history (installed_rank, version, description, type, script,"
              + " checksum, installed_by, execution_time, success)"
              + " VALUES (99, '999', 'from the future', 'SQL', 'V999__from_the_future.sql', 0, 'test', 1, true)");
    }
    String url = TestPostgres.urlString(db);

    var result = run(Map.of("DATABASE_URL", url));

    assertThat(result.exitCode).isEqualTo(78);
    assertThat(result.stderr)
        .startsWith(
            "open-pincery: DATABASE_URL: the database schema is at version 999, newer than");
    assertThat(count(db, "SELECT count(*) FROM flyway_schema_history"))
        .as("nothing was migrated")
        .isEqualTo(historyRows + 1);
  }

  @Test
  void credentialsWithoutAVaultKeyAreRefusedAndAMalformedKeyIsNamed() throws Exception {
    DatabaseUrl db = TestPostgres.freshDatabase();
    try (Connection c = TestPostgres.connect(db);
        Statement st = c.createStatement()) {
      st.execute(
          "WITH w AS (INSERT INTO workspaces (name) VALUES ('w') RETURNING id)"
              + " INSERT INTO credentials (workspace_id, name, ciphertext, nonce)"
              + " SELECT id, 'token', '\\x00', '\\x000000000000000000000000' FROM w");
    }
    String url = TestPostgres.urlString(db);

    String port = Integer.toString(StandaloneProcess.freePort());
    var missing = run(Map.of("DATABASE_URL", url, "OPEN_PINCERY_PORT", port));
    assertThat(missing.exitCode).isEqualTo(78);
    assertThat(missing.stderr)
        .startsWith("open-pincery: OPEN_PINCERY_VAULT_KEY: is required: the database holds 1");

    var malformed = run(Map.of("DATABASE_URL", url, "OPEN_PINCERY_VAULT_KEY", "c2hvcnQ="));
    assertThat(malformed.exitCode).isEqualTo(78);
    assertThat(malformed.stderr)
        .startsWith("open-pincery: OPEN_PINCERY_VAULT_KEY: must be 32 bytes")
        .doesNotContain("c2hvcnQ=");
  }

  private static int count(DatabaseUrl db, String sql) throws Exception {
    try (Connection c = TestPostgres.connect(db);
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getInt(1);
    }
  }

  @Test
  void portInUseIsNamedBeforeAnythingIsWritten() throws Exception {
    Path dataDir = work.resolve("data");
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      var result =
          run(
              Map.of(
                  "OPEN_PINCERY_DATA_DIR", dataDir.toString(),
                  "OPEN_PINCERY_PORT", Integer.toString(taken.getLocalPort())));

      assertThat(result.exitCode).isEqualTo(78);
      assertThat(result.stderr)
          .startsWith("open-pincery: OPEN_PINCERY_PORT: 127.0.0.1:" + taken.getLocalPort());
    }
    assertThat(dataDir.resolve("postgres")).doesNotExist();
  }

  @Test
  void outOfRangeNumberIsNamed() throws Exception {
    var result = run(Map.of("OPEN_PINCERY_PORT", "80800"));

    assertThat(result.exitCode).isEqualTo(78);
    assertThat(result.stderr)
        .startsWith("open-pincery: OPEN_PINCERY_PORT: must be a whole number from 1 to 65535");
  }

  @ParameterizedTest
  @ValueSource(strings = {"10.0.0.0/40", "10.0.0.0/-1", "fd00::/129", "not-an-address"})
  void badTrustedProxyEntryIsNamed(String entry) throws Exception {
    var result =
        run(
            Map.of(
                "OPEN_PINCERY_DATA_DIR",
                work.resolve("data").toString(),
                "OPEN_PINCERY_TRUSTED_PROXIES",
                "127.0.0.1," + entry));

    assertThat(result.exitCode).isEqualTo(78);
    assertThat(result.stderr)
        .startsWith("open-pincery: OPEN_PINCERY_TRUSTED_PROXIES: '" + entry + "'");
    assertThat(work.resolve("data").resolve("postgres")).doesNotExist();
  }

  @Test
  void publicUrlThatIsNotAnAbsoluteHttpUrlIsNamed() throws Exception {
    var result = run(Map.of("OPEN_PINCERY_PUBLIC_URL", "pincery.example.com"));

    assertThat(result.exitCode).isEqualTo(78);
    assertThat(result.stderr)
        .startsWith("open-pincery: OPEN_PINCERY_PUBLIC_URL: must be an absolute http or https URL");
  }

  @Test
  void heartbeatNotShorterThanTheIdleTimeoutIsNamed() throws Exception {
    var result =
        run(
            Map.of(
                "OPEN_PINCERY_IDLE_TIMEOUT_SECONDS", "30",
                "OPEN_PINCERY_SSE_HEARTBEAT_SECONDS", "30"));

    assertThat(result.exitCode).isEqualTo(78);
    assertThat(result.stderr)
        .startsWith(
            "open-pincery: OPEN_PINCERY_SSE_HEARTBEAT_SECONDS: must be shorter than"
                + " OPEN_PINCERY_IDLE_TIMEOUT_SECONDS");
  }

  @Test
  void aMemorySettingIsNamedAndAnUnknownTextSearchLanguageToo() throws Exception {
    var flag = run(Map.of("MEMORY_EMBEDDINGS", "maybe"));
    assertThat(flag.exitCode).isEqualTo(78);
    assertThat(flag.stderr).startsWith("open-pincery: MEMORY_EMBEDDINGS: must be on or off");

    var language =
        run(
            Map.of(
                "OPEN_PINCERY_DATA_DIR",
                work.resolve("data").toString(),
                "MEMORY_TEXT_SEARCH_CONFIG",
                "klingon"));
    assertThat(language.exitCode).isEqualTo(78);
    assertThat(language.stderr)
        .startsWith("open-pincery: MEMORY_TEXT_SEARCH_CONFIG: ")
        .contains("no text search configuration 'klingon'");
  }

  private record Result(int exitCode, String stderr) {}

  private Result run(Map<String, String> env) throws Exception {
    try (StandaloneProcess p = StandaloneProcess.start(work, env)) {
      int code = p.exitCode();
      String err = p.stderrText().strip();
      assertThat(err.lines().count()).as("one line on stderr: %s", err).isEqualTo(1);
      return new Result(code, err);
    }
  }
}
