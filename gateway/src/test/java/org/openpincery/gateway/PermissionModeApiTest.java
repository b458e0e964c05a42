package org.openpincery.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.openpincery.config.ConfigException;
import org.openpincery.config.Env;
import org.openpincery.model.PermissionMode;
import org.openpincery.model.Role;

/**
 * An agent's permission mode (issue 17) over real HTTP: shown on every agent, set on create and
 * PATCH by admins only, checked, and defaulted from {@code DEFAULT_PERMISSION_MODE}.
 */
class PermissionModeApiTest {

  @Test
  void adminsSetTheModeOnCreateAndPatchAndItIsShownEverywhere() {
    try (GatewayFixture api = new GatewayFixture()) {
      String admin = api.bootstrap();
      var created =
          api.call(
              "POST",
              "/api/agents",
              admin,
              new JsonObject().put("name", "careful").put("permission_mode", "locked").encode());
      assertThat(created.status()).as(created.text()).isEqualTo(201);
      assertThat(created.json().getString("permission_mode")).isEqualTo("locked");
      assertThat(created.json().getBoolean("stopped")).isFalse();
      String id = created.json().getString("id");

      var patched =
          api.call("PATCH", "/api/agents/" + id, admin, "{\"permission_mode\":\"autonomous\"}");
      assertThat(patched.status()).as(patched.text()).isEqualTo(200);
      assertThat(patched.json().getString("permission_mode")).isEqualTo("autonomous");
      assertThat(patched.json().getString("name")).isEqualTo("careful");

      var shown = api.call("GET", "/api/agents/" + id, admin, null).json();
      assertThat(shown.getString("permission_mode")).isEqualTo("autonomous");
      var listed = api.call("GET", "/api/agents", admin, null).json().getJsonArray("agents");
      assertThat(listed.getJsonObject(0).getString("permission_mode")).isEqualTo("autonomous");
      assertThat(listed.getJsonObject(0).getBoolean("stopped")).isFalse();

      // Other fields leave it alone.
      api.call("PATCH", "/api/agents/" + id, admin, "{\"name\":\"renamed\"}");
      assertThat(
              api.call("GET", "/api/agents/" + id, admin, null).json().getString("permission_mode"))
          .isEqualTo("autonomous");

      // The change is on record with the mode set.
      var audit =
          api.call("GET", "/api/audit?action=agent.update&target=" + id, admin, null)
              .json()
              .getJsonArray("entries");
      assertThat(audit.getJsonObject(0).getJsonObject("detail").getString("permission_mode"))
          .isEqualTo("autonomous");
    }
  }

  @Test
  void operatorsMayNotSetTheModeAndAnUnknownModeIsRefusedNamingTheThree() {
    try (GatewayFixture api = new GatewayFixture()) {
      String admin = api.bootstrap();
      String operator = Members.join(api, admin, Role.OPERATOR);
      String id = api.createAgent(admin, "guarded");

      var create =
          api.call(
              "POST",
              "/api/agents",
              operator,
              "{\"name\":\"sneaky\",\"permission_mode\":\"autonomous\"}");
      assertThat(create.status()).isEqualTo(403);
      assertThat(create.errorCode()).isEqualTo("forbidden");
      assertThat(create.json().getJsonObject("error").getString("message"))
          .contains("needs role admin");
      var patch =
          api.call("PATCH", "/api/agents/" + id, operator, "{\"permission_mode\":\"autonomous\"}");
      assertThat(patch.status()).isEqualTo(403);
      assertThat(
              api.call("GET", "/api/agents/" + id, admin, null).json().getString("permission_mode"))
          .isEqualTo("supervised");
      // Operators still create and change agents without the field.
      assertThat(
              api.call("POST", "/api/agents", operator, "{\"name\":\"plain\"}")
                  .json()
                  .getString("permission_mode"))
          .isEqualTo("supervised");
      assertThat(
              api.call("PATCH", "/api/agents/" + id, operator, "{\"is_enabled\":false}").status())
          .isEqualTo(200);

      for (String bad : new String[] {"\"yolo\"", "\"LOCKED\"", "3", "true", "[]"}) {
        for (String[] call :
            new String[][] {
              {"POST", "/api/agents", "{\"name\":\"x\",\"permission_mode\":" + bad + "}"},
              {"PATCH", "/api/agents/" + id, "{\"permission_mode\":" + bad + "}"}
            }) {
          var r = api.call(call[0], call[1], admin, call[2]);
          assertThat(r.status()).as(call[2]).isEqualTo(400);
          assertThat(r.errorCode()).isEqualTo("invalid_request");
          assertThat(r.json().getJsonObject("error").getString("message"))
              .contains("locked", "supervised", "autonomous");
        }
      }
      assertThat(api.call("GET", "/api/agents", admin, null).json().getJsonArray("agents"))
          .hasSize(2);
    }
  }

  @Test
  void newAgentsGetTheInstallationsDefaultMode() {
    try (GatewayFixture api = new GatewayFixture(Map.of("DEFAULT_PERMISSION_MODE", "locked"))) {
      String admin = api.bootstrap();
      var created = api.call("POST", "/api/agents", admin, "{\"name\":\"by default\"}");
      assertThat(created.json().getString("permission_mode")).isEqualTo("locked");
      var chosen =
          api.call(
              "POST",
              "/api/agents",
              admin,
              "{\"name\":\"by choice\",\"permission_mode\":\"supervised\"}");
      assertThat(chosen.json().getString("permission_mode")).isEqualTo("supervised");
    }
    try (GatewayFixture api = new GatewayFixture()) {
      String admin = api.bootstrap();
      assertThat(
              api.call("POST", "/api/agents", admin, "{\"name\":\"plain\"}")
                  .json()
                  .getString("permission_mode"))
          .isEqualTo("supervised");
    }
  }

  @Test
  void anUnknownDefaultModeStopsStartUpNamingTheSetting() {
    assertThat(GatewayConfig.from(Env.of(Map.of()), "127.0.0.1").defaultPermissionMode())
        .isEqualTo(PermissionMode.SUPERVISED);
    assertThat(
            GatewayConfig.from(Env.of(Map.of("DEFAULT_PERMISSION_MODE", "autonomous")), "0.0.0.0")
                .defaultPermissionMode())
        .isEqualTo(PermissionMode.AUTONOMOUS);
    assertThatThrownBy(
            () ->
                GatewayConfig.from(
                    Env.of(Map.of("DEFAULT_PERMISSION_MODE", "trusting")), "127.0.0.1"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("DEFAULT_PERMISSION_MODE")
        .hasMessageContaining("trusting")
        .satisfies(
            e -> assertThat(((ConfigException) e).setting()).isEqualTo("DEFAULT_PERMISSION_MODE"));
  }
}
