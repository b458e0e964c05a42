package org.openpincery.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.ResultSet;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.openpincery.testkit.TestPostgres;
import org.openpincery.vault.Vault;

/** The credentials API: values go in sealed and never come out. */
class CredentialsApiTest {

  private static final String VALUE = "sk_live_never_shown_again_42";

  private static String session(GatewayFixture api) {
    return api.call("POST", "/api/bootstrap", GatewayFixture.BOOTSTRAP_TOKEN, null)
        .json()
        .getString("session_token");
  }

  @Test
  void storeListRevokeAndTheValueIsNeverReturnedNorStoredInTheClear() throws Exception {
    try (GatewayFixture api = new GatewayFixture(Map.of(Vault.KEY_SETTING, Vault.newKey()))) {
      String token = session(api);
      var created =
          api.call(
              "POST",
              "/api/credentials",
              token,
              "{\"name\":\"stripe_key\",\"value\":\"" + VALUE + "\"}");
      assertThat(created.status()).isEqualTo(201);
      assertThat(created.text()).doesNotContain(VALUE).contains("stripe_key");
      assertThat(
              api.call(
                      "POST",
                      "/api/credentials",
                      token,
                      "{\"name\":\"stripe_key\",\"value\":\"x\"}")
                  .status())
          .isEqualTo(409);
      assertThat(
              api.call("POST", "/api/credentials", token, "{\"name\":\"9bad\",\"value\":\"x\"}")
                  .status())
          .isEqualTo(400);
      var list = api.call("GET", "/api/credentials", token, null);
      assertThat(list.status()).isEqualTo(200);
      assertThat(list.text()).contains("stripe_key").doesNotContain(VALUE);
      try (var c = TestPostgres.connect(api.url);
          ResultSet rs =
              c.createStatement()
                  .executeQuery(
                      "SELECT count(*) FROM credentials t WHERE t::text LIKE '%"
                          + VALUE
                          + "%'"
                          + " OR encode(ciphertext, 'escape') LIKE '%"
                          + VALUE
                          + "%'")) {
        rs.next();
        assertThat(rs.getLong(1)).isZero();
      }
      assertThat(api.call("DELETE", "/api/credentials/stripe_key", token, null).status())
          .isEqualTo(204);
      assertThat(api.call("DELETE", "/api/credentials/stripe_key", token, null).status())
          .isEqualTo(404);
      assertThat(
              api.call("GET", "/api/credentials", token, null).json().getJsonArray("credentials"))
          .isEmpty();
    }
  }

  @Test
  void withoutAVaultKeyStoringIsRefusedWithTheSettingToFix() {
    try (GatewayFixture api = new GatewayFixture()) {
      var r =
          api.call(
              "POST",
              "/api/credentials",
              session(api),
              "{\"name\":\"k\",\"value\":\"" + VALUE + "\"}");
      assertThat(r.status()).isEqualTo(503);
      assertThat(r.errorCode()).isEqualTo("vault_not_configured");
      assertThat(r.text()).contains(Vault.KEY_SETTING).doesNotContain(VALUE);
    }
  }
}
