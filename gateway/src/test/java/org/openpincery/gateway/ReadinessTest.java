package org.openpincery.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.openpincery.testkit.TestPostgres;

class ReadinessTest {

  @Test
  void readyTurns503WhenTheDatabaseGoesAwayAnd200WhenItReturns() throws Exception {
    try (GatewayFixture api = new GatewayFixture()) {
      var ready = api.call("GET", "/ready", null, null);
      assertThat(ready.status()).isEqualTo(200);
      assertThat(ready.json().getJsonObject("checks").getString("database")).isEqualTo("ok");
      assertThat(ready.json().getJsonObject("checks").getString("migrations")).isEqualTo("ok");
      assertThat(ready.json().getJsonObject("checks").getString("notification_listener"))
          .isEqualTo("ok");

      String db = api.url.database();
      admin("ALTER DATABASE " + db + " ALLOW_CONNECTIONS false");
      admin(
          "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '"
              + db
              + "' AND pid <> pg_backend_pid()");
      try {
        await()
            .atMost(Duration.ofSeconds(20))
            .until(() -> api.call("GET", "/ready", null, null).status() == 503);
        var down = api.call("GET", "/ready", null, null).json();
        assertThat(down.getString("status")).isEqualTo("unavailable");
        assertThat(down.getJsonObject("checks").getString("database")).startsWith("unreachable");
        assertThat(api.call("GET", "/health", null, null).status())
            .as("still serving")
            .isEqualTo(200);
      } finally {
        admin("ALTER DATABASE " + db + " ALLOW_CONNECTIONS true");
      }
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> api.call("GET", "/ready", null, null).status() == 200);
    }
  }

  private static void admin(String sql) throws Exception {
    try (Connection c = TestPostgres.connect(TestPostgres.server().admin());
        Statement st = c.createStatement()) {
      st.execute(sql);
    }
  }
}
