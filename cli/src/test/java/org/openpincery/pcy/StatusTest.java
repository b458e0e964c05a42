package org.openpincery.pcy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openpincery.db.DatabaseUrl;
import org.openpincery.standalone.CliStack;
import org.openpincery.testkit.TcpProxy;
import org.openpincery.testkit.TestPostgres;

/**
 * {@code pcy status} and the server's 5xx: the stack reaches PostgreSQL through a proxy the test
 * cuts, so the server is up but not ready.
 */
class StatusTest {

  @TempDir Path home;

  @Test
  void statusExitsNonZeroWhileTheServerIsNotReadyAndA503IsExit5() {
    DatabaseUrl db = TestPostgres.freshDatabase();
    try (TcpProxy proxy = new TcpProxy(db.host(), db.port());
        CliStack stack =
            CliStack.start(
                null,
                DatabaseUrl.of(
                    "127.0.0.1", proxy.port(), db.database(), db.user(), db.password()))) {
      Cli cli = new Cli(stack.url(), home.resolve("config.json"));
      assertThat(cli.run("bootstrap", "--bootstrap-token", CliStack.BOOTSTRAP_TOKEN).exit())
          .isZero();
      assertThat(cli.run("status").exit()).isZero();

      proxy.cut();
      await().atMost(Duration.ofSeconds(30)).until(() -> cli.run("status").exit() == 1);
      var status = cli.run("status");
      assertThat(status.json().get("status").asText()).isEqualTo("unavailable");
      assertThat(status.json().at("/checks/database").asText()).isNotEqualTo("ok");
      assertThat(status.err()).contains("is not ready");
      assertThat(cli.run("-o", "table", "status").out()).contains("database:");

      var list = cli.run("agent", "list");
      assertThat(list.exit()).as(list.toString()).isEqualTo(5);
      assertThat(list.err()).contains("database_unavailable");

      proxy.restore();
      await().atMost(Duration.ofSeconds(30)).until(() -> cli.run("status").exit() == 0);
      assertThat(cli.run("agent", "list").exit()).isZero();
    }
  }
}
