package org.openpincery.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Single sign-on against a real OpenID Connect provider (npm's oidc-provider) on loopback, end to
 * end over real HTTP: the authorization code flow with PKCE signs people in with their mapped role,
 * finds them again next time, works with a public client, keeps or syncs roles as configured, and
 * leaves the bootstrap token working.
 */
class OidcLoginTest extends OidcTestBase {

  @Test
  void signsInWithTheMappedRoleAndTheSameUserNextTime() throws Exception {
    try (GatewayFixture api = new GatewayFixture(sso(Map.of()))) {
      api.bootstrap();
      SsoBrowser browser = new SsoBrowser(api.port);

      HttpResponse<String> first = browser.get(browser.signInAtProvider("alice"), null);
      assertThat(first.statusCode()).as(first.body()).isEqualTo(302);
      String landing = first.headers().firstValue("Location").orElseThrow();
      assertThat(landing).matches("/#/sso/[0-9a-f]{64}");
      String token = landing.substring("/#/sso/".length());

      JsonObject me = api.call("GET", "/api/me", token, null).json();
      assertThat(me.getString("email")).isEqualTo("alice@example.com");
      assertThat(me.getString("name")).isEqualTo("Alice Admin");
      assertThat(me.getString("role")).isEqualTo("admin");
      assertThat(api.count("SELECT count(*) FROM sessions WHERE kind = 'oidc'")).isEqualTo(1);
      assertThat(api.count("SELECT count(*) FROM oidc_logins")).isZero();

      HttpResponse<String> second = browser.get(browser.signInAtProvider("alice"), null);
      assertThat(second.statusCode()).isEqualTo(302);
      String again = second.headers().firstValue("Location").orElseThrow().substring(7);
      assertThat(again).isNotEqualTo(token);
      assertThat(api.call("GET", "/api/me", again, null).json().getString("user_id"))
          .isEqualTo(me.getString("user_id"));
      assertThat(api.count("SELECT count(*) FROM users WHERE email = 'alice@example.com'"))
          .isEqualTo(1);
      assertThat(api.count("SELECT count(*) FROM sessions WHERE kind = 'oidc'")).isEqualTo(2);
      // Both sign-ins are on record in the workspace's audit trail before the redirect came back.
      assertThat(
              api.count(
                  "SELECT count(*) FROM audit_log WHERE action = 'session.oidc_login'"
                      + " AND outcome = 'ok' AND status = 302 AND actor_type = 'oidc'"
                      + " AND actor_id = '"
                      + me.getString("user_id")
                      + "' AND workspace_id = '"
                      + me.getString("workspace_id")
                      + "'"))
          .isEqualTo(2);
    }
  }

  @Test
  void answersJsonWhenAskedWithEmailsLowerCasedAndTheDefaultRoleForUnmappedPeople()
      throws Exception {
    try (GatewayFixture api = new GatewayFixture(sso(Map.of()))) {
      api.bootstrap();
      SsoBrowser browser = new SsoBrowser(api.port);

      HttpResponse<String> olga = browser.get(browser.signInAtProvider("olga"), "application/json");
      assertThat(olga.statusCode()).as(olga.body()).isEqualTo(200);
      JsonObject body = new JsonObject(olga.body());
      assertThat(body.getString("role")).isEqualTo("operator");
      assertThat(body.getBoolean("new_user")).isTrue();
      assertThat(body.getString("session_token")).matches("[0-9a-f]{64}");
      assertThat(
              api.call("GET", "/api/me", body.getString("session_token"), null)
                  .json()
                  .getString("email"))
          .isEqualTo("olga@example.com");

      SsoBrowser another = new SsoBrowser(api.port);
      HttpResponse<String> victor =
          another.get(another.signInAtProvider("victor"), "application/json");
      assertThat(new JsonObject(victor.body()).getString("role")).isEqualTo("viewer");
    }
  }

  @Test
  void theBootstrapTokenStillSignsTheAdminInWithSsoConfigured() {
    try (GatewayFixture api = new GatewayFixture(sso(Map.of()))) {
      api.bootstrap();
      var login = api.call("POST", "/api/login", GatewayFixture.BOOTSTRAP_TOKEN, "{}");
      assertThat(login.status()).as(login.text()).isEqualTo(200);
      String token = login.json().getString("session_token");
      assertThat(api.call("GET", "/api/me", token, null).json().getString("role"))
          .isEqualTo("owner");
    }
  }

  @Test
  void tellsTheControlPlaneWhetherSsoIsOn() {
    try (GatewayFixture api = new GatewayFixture(sso(Map.of()))) {
      JsonObject on = api.call("GET", "/api/auth/sso", null, null).json();
      assertThat(on.getBoolean("enabled")).isTrue();
      assertThat(on.getString("login_url"))
          .isEqualTo(SsoBrowser.PUBLIC_URL + "/api/auth/oidc/login");
    }
    try (GatewayFixture api = new GatewayFixture()) {
      JsonObject off = api.call("GET", "/api/auth/sso", null, null).json();
      assertThat(off.getBoolean("enabled")).isFalse();
      assertThat(off.getValue("login_url")).isNull();
      var login = api.call("GET", "/api/auth/oidc/login", null, null);
      assertThat(login.status()).isEqualTo(404);
      assertThat(login.errorCode()).isEqualTo("sso_not_configured");
    }
  }

  @Test
  void answers503WhileTheProviderCannotBeReached() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    try (GatewayFixture api =
        new GatewayFixture(sso(Map.of("OIDC_ISSUER", "http://127.0.0.1:" + closed)))) {
      var r = api.call("GET", "/api/auth/oidc/login", null, null);
      assertThat(r.status()).as(r.text()).isEqualTo(503);
      assertThat(r.errorCode()).isEqualTo("sso_unavailable");
    }
  }

  @Test
  void signsInThroughAPublicClientWithPkceAlone() throws Exception {
    Map<String, String> settings = sso(Map.of("OIDC_CLIENT_ID", "pincery-public"));
    settings.remove("OIDC_CLIENT_SECRET");
    try (GatewayFixture api = new GatewayFixture(settings)) {
      api.bootstrap();
      SsoBrowser browser = new SsoBrowser(api.port);
      HttpResponse<String> r = browser.get(browser.signInAtProvider("alice"), "application/json");
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      assertThat(new JsonObject(r.body()).getString("role")).isEqualTo("admin");
    }
  }

  @Test
  void anExistingMemberKeepsTheRoleSetInTheApplication() throws Exception {
    try (GatewayFixture api = new GatewayFixture(sso(Map.of()))) {
      api.bootstrap();
      SsoBrowser browser = new SsoBrowser(api.port);
      assertThat(browser.get(browser.signInAtProvider("alice"), null).statusCode()).isEqualTo(302);
      api.execute(
          "UPDATE memberships SET role = 'viewer' WHERE user_id ="
              + " (SELECT id FROM users WHERE email = 'alice@example.com')");

      HttpResponse<String> again =
          browser.get(browser.signInAtProvider("alice"), "application/json");

      assertThat(new JsonObject(again.body()).getString("role")).isEqualTo("viewer");
    }
  }

  @Test
  void roleSyncAppliesTheMappedRoleAtEachSignInButNeverDemotesAnOwner() throws Exception {
    try (GatewayFixture api = new GatewayFixture(sso(Map.of("OIDC_ROLE_SYNC", "true")))) {
      api.bootstrap();
      SsoBrowser browser = new SsoBrowser(api.port);
      assertThat(browser.get(browser.signInAtProvider("alice"), null).statusCode()).isEqualTo(302);
      api.execute(
          "UPDATE memberships SET role = 'viewer' WHERE user_id ="
              + " (SELECT id FROM users WHERE email = 'alice@example.com')");

      HttpResponse<String> again =
          browser.get(browser.signInAtProvider("alice"), "application/json");
      assertThat(new JsonObject(again.body()).getString("role")).isEqualTo("admin");

      // The bootstrap owner, whose provider account maps to viewer (no group), stays owner.
      SsoBrowser owner = new SsoBrowser(api.port);
      HttpResponse<String> root = owner.get(owner.signInAtProvider("root"), "application/json");
      assertThat(root.statusCode()).as(root.body()).isEqualTo(200);
      assertThat(new JsonObject(root.body()).getString("role")).isEqualTo("owner");
      assertThat(new JsonObject(root.body()).getBoolean("new_user")).isFalse();
    }
  }

  @Test
  void joinsTheWorkspaceOidcWorkspaceNames() throws Exception {
    String team = "6f1e9d4c-2b7a-4c1e-9a53-0d8f4b2e7c11";
    try (GatewayFixture api = new GatewayFixture(sso(Map.of("OIDC_WORKSPACE", team)))) {
      api.bootstrap();
      api.execute("INSERT INTO workspaces (id, name) VALUES ('" + team + "', 'Team')");
      SsoBrowser browser = new SsoBrowser(api.port);

      HttpResponse<String> r = browser.get(browser.signInAtProvider("olga"), "application/json");

      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      assertThat(new JsonObject(r.body()).getString("workspace_id")).isEqualTo(team);
      assertThat(
              api.count(
                  "SELECT count(*) FROM sessions WHERE kind = 'oidc' AND workspace_id = '"
                      + team
                      + "'"))
          .isEqualTo(1);
    }
  }
}
