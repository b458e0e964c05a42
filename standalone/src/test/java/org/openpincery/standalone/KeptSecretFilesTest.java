package org.openpincery.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openpincery.db.DatabaseUrl;
import org.openpincery.testkit.TestPostgres;

/**
 * Secrets kept in the data directory are never replaced. {@code <data dir>/vault-key} in
 * particular: a bad one stops start-up (78) naming the file and leaves it as it was; a missing one
 * is not created over stored credentials. Standalone runs as a real process.
 */
class KeptSecretFilesTest {

  @TempDir Path work;

  private final HttpClient http = HttpClient.newHttpClient();

  private record Result(int exitCode, String stderr) {}

  private Result run(Path dataDir) throws Exception {
    try (StandaloneProcess p =
        StandaloneProcess.start(
            work,
            Map.of(
                "OPEN_PINCERY_DATA_DIR", dataDir.toString(),
                "OPEN_PINCERY_PORT", Integer.toString(StandaloneProcess.freePort())))) {
      int code = p.exitCode();
      String err = p.stderrText().strip();
      assertThat(err.lines().count()).as("one line on stderr: %s", err).isEqualTo(1);
      return new Result(code, err);
    }
  }

  @Test
  void aVaultKeyFileThatIsADirectoryEmptyOrMalformedStopsStartUpAndStaysAsItWas() throws Exception {
    // A directory cannot be read as a file even by root (chmod 000 would be).
    Path asDirectory = work.resolve("dir-data");
    Path dir = Files.createDirectories(asDirectory.resolve("vault-key"));
    Files.writeString(dir.resolve("inside"), "kept");
    var directory = run(asDirectory);
    assertThat(directory.exitCode).isEqualTo(78);
    assertThat(directory.stderr)
        .startsWith(
            "open-pincery: OPEN_PINCERY_VAULT_KEY: is not set and " + dir + " is a directory")
        .contains("never replaced")
        .contains("restore");
    assertThat(dir).isDirectory();
    assertThat(Files.readString(dir.resolve("inside"))).isEqualTo("kept");
    assertThat(asDirectory.resolve("postgres"))
        .as("refused before the database starts")
        .doesNotExist();

    for (String content : new String[] {"", "  \n", "not-a-key\n", "c2hvcnQ=\n"}) {
      Path dataDir =
          Files.createDirectories(
              work.resolve("data-" + content.strip().length() + "-" + content.length()));
      Path file = Files.writeString(dataDir.resolve("vault-key"), content);
      FileTime written = Files.getLastModifiedTime(file);
      var result = run(dataDir);
      assertThat(result.exitCode).as("content %s", content).isEqualTo(78);
      assertThat(result.stderr)
          .startsWith("open-pincery: OPEN_PINCERY_VAULT_KEY: is not set and " + file)
          .contains(content.isBlank() ? "is empty" : "does not hold a vault key");
      assertThat(Files.readString(file)).isEqualTo(content);
      assertThat(Files.getLastModifiedTime(file)).isEqualTo(written);
      assertThat(dataDir.resolve("postgres")).doesNotExist();
    }
  }

  @Test
  void aBootstrapTokenFileTooShortIsRefusedNotReplaced() throws Exception {
    Path dataDir = Files.createDirectories(work.resolve("data"));
    Path file = Files.writeString(dataDir.resolve("bootstrap-token"), "short\n");
    var result = run(dataDir);
    assertThat(result.exitCode).isEqualTo(78);
    assertThat(result.stderr)
        .startsWith(
            "open-pincery: OPEN_PINCERY_BOOTSTRAP_TOKEN: is not set and "
                + file
                + " does not hold a token of at least 16 characters")
        .doesNotContain("short");
    assertThat(Files.readString(file)).isEqualTo("short\n");
  }

  @Test
  void aMissingVaultKeyFileIsNotCreatedAgainOverStoredCredentials() throws Exception {
    Path dataDir = work.resolve("data");
    int httpPort = StandaloneProcess.freePort();
    int pgPort = StandaloneProcess.freePort();
    Map<String, String> env =
        Map.of(
            "OPEN_PINCERY_DATA_DIR", dataDir.toString(),
            "OPEN_PINCERY_PORT", Integer.toString(httpPort),
            "OPEN_PINCERY_EMBEDDED_PG_PORT", Integer.toString(pgPort));
    Path keyFile = dataDir.resolve("vault-key");
    long postmasterPid;
    try (StandaloneProcess first = StandaloneProcess.start(work, env)) {
      first.awaitReady(httpPort);
      assertThat(Files.getPosixFilePermissions(keyFile))
          .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
      try (Connection c =
              TestPostgres.connect(
                  DatabaseUrl.of("127.0.0.1", pgPort, "postgres", "postgres", null));
          Statement st = c.createStatement()) {
        st.execute(
            "WITH w AS (INSERT INTO workspaces (name) VALUES ('w') RETURNING id)"
                + " INSERT INTO credentials (workspace_id, name, ciphertext, nonce)"
                + " SELECT id, 'token', '\\x00', '\\x000000000000000000000000' FROM w");
      }
      postmasterPid =
          Long.parseLong(
              Files.readAllLines(dataDir.resolve("postgres/postmaster.pid")).get(0).strip());
      first.terminate();
    }
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> ProcessHandle.of(postmasterPid).map(p -> !p.isAlive()).orElse(true));
    String key = Files.readString(keyFile);
    Files.move(keyFile, work.resolve("vault-key.saved"));

    try (StandaloneProcess second = StandaloneProcess.start(work, env)) {
      assertThat(second.exitCode()).isEqualTo(78);
      assertThat(second.stderrText().strip())
          .startsWith(
              "open-pincery: OPEN_PINCERY_VAULT_KEY: is not set and "
                  + keyFile
                  + " does not exist, but the database holds 1 credential(s)");
    }
    assertThat(keyFile).doesNotExist();
    assertThat(Files.readString(work.resolve("vault-key.saved"))).isEqualTo(key);
  }
}
