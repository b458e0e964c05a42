package org.openpincery.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Single sign-on against a real OpenID Connect provider (npm's oidc-provider) on loopback: the
 * authorization code flow with PKCE end to end, and each refusal (wrong audience, expired token,
 * wrong nonce, foreign signature, domain outside the allowed list, unverified email, no role,
 * forged, unbound and reused state) answered with its 4xx and nothing written.
 */
class OidcLoginTest {

  static final String SECRET = "pincery-test-client-secret-0123456789";
  static OidcTestProvider provider;

  @BeforeAll
  static void startProvider() throws Exception {
    JsonObject accounts =
        new JsonObject()
            .put("alice", account("alice@example.com", true, "Alice Admin", "pincery-admins"))
            .put("olga", account("Olga@Example.com", true, "Olga Ops", "pincery-ops", "staff"))
            .put("victor", account("victor@example.com", true, "Victor Viewer"))
            .put("mallory", account("mallory@elsewhere.org", true, "Mallory", "pincery-admins"))
            .put("una", account("una@example.com", false, "Una Unverified", "pincery-admins"))
            .put("root", account("admin@example.com", true, "The Owner"));
    JsonObject client =
        new JsonObject()
            .put("client_id", "pincery")
            .put("client_secret", SECRET)
            .put(
                "redirect_uris",
                new JsonArray().add(SsoBrowser.PUBLIC_URL + OidcConfig.CALLBACK_PATH));
    // The same application registered as a public client: PKCE alone, no client secret.
    JsonObject publicClient =
        new JsonObject()
            .put("client_id", "pincery-public")
            .put("token_endpoint_auth_method", "none")
            .put("redirect_uris", client.getJsonArray("redirect_uris").copy());
    provider =
        new OidcTestProvider(
            new JsonObject()
                .put("clients", new JsonArray().add(client).add(publicClient))
                .put("accounts", accounts));
  }

  @AfterAll
  static void stopProvider() throws Exception {
    if (provider != null) {
      provider.close();
    }
  }

  private static JsonObject account(String email, boolean verified, String name, String... groups) {
    return new JsonObject()
        .put("email", email)
        .put("email_verified", verified)
        .put("name", name)
        .put("groups", new JsonArray(java.util.List.of((Object[]) groups)));
  }

  static Map<String, String> sso(Map<String, String> extra) {
    Map<String, String> env = new HashMap<>();
    env.put("OPEN_PINCERY_PUBLIC_URL", SsoBrowser.PUBLIC_URL);
    env.put("OIDC_ISSUER", provider.issuer);
    env.put("OIDC_CLIENT_ID", "pincery");
    env.put("OIDC_CLIENT_SECRET", SECRET);
    env.put("OIDC_ALLOWED_DOMAINS", "example.com");
    env.put("OIDC_ROLE_MAP", "pincery-admins=admin,pincery-ops=operator");
    env.put("OIDC_SCOPES", "openid email profile groups");
    env.putAll(extra);
    return env;
  }

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
  void refusesAnIdTokenIssuedForAnotherAudience() throws Exception {
    refusesIdToken(
        new JsonObject().put("claims", new JsonObject().put("aud", "another-app")), "audience");
  }

  @Test
  void refusesAnExpiredIdToken() throws Exception {
    long now = System.currentTimeMillis() / 1000;
    refusesIdToken(
        new JsonObject()
            .put("claims", new JsonObject().put("iat", now - 7200).put("exp", now - 3600)),
        "expired");
  }

  @Test
  void refusesAnIdTokenWithAnotherLoginsNonce() throws Exception {
    refusesIdToken(
        new JsonObject().put("claims", new JsonObject().put("nonce", "a-nonce-of-another-login")),
        "nonce");
  }

  @Test
  void refusesAnIdTokenSignedWithAKeyTheProviderDoesNotPublish() throws Exception {
    refusesIdToken(new JsonObject().put("foreign_key", true), "signature");
  }

  private void refusesIdToken(JsonObject change, String reason) throws Exception {
    try (GatewayFixture api = new GatewayFixture(sso(Map.of()))) {
      api.bootstrap();
      Written before = Written.of(api);
      SsoBrowser browser = new SsoBrowser(api.port);
      URI callback = browser.signInAtProvider("alice");
      provider.changeNextIdToken(change);

      HttpResponse<String> r = browser.get(callback, null);

      assertThat(r.statusCode()).as(r.body()).isEqualTo(401);
      JsonObject error = new JsonObject(r.body()).getJsonObject("error");
      assertThat(error.getString("code")).isEqualTo("id_token_invalid");
      assertThat(error.getString("message")).contains("(" + reason + ")");
      assertThat(Written.of(api)).isEqualTo(before);
    }
  }

  @Test
  void refusesAnEmailOutsideTheAllowedDomains() throws Exception {
    refusesPerson("mallory", Map.of(), 403, "domain_not_allowed");
  }

  @Test
  void refusesAnEmailTheProviderHasNotVerified() throws Exception {
    refusesPerson("una", Map.of(), 403, "email_not_verified");
  }

  @Test
  void refusesAPersonWithoutAMappedRoleWhenTheDefaultRoleIsNone() throws Exception {
    refusesPerson("victor", Map.of("OIDC_DEFAULT_ROLE", "none"), 403, "no_role");
  }

  private void refusesPerson(String account, Map<String, String> settings, int status, String code)
      throws Exception {
    try (GatewayFixture api = new GatewayFixture(sso(settings))) {
      api.bootstrap();
      Written before = Written.of(api);
      SsoBrowser browser = new SsoBrowser(api.port);

      HttpResponse<String> r = browser.get(browser.signInAtProvider(account), null);

      assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
      assertThat(new JsonObject(r.body()).getJsonObject("error").getString("code")).isEqualTo(code);
      assertThat(Written.of(api)).isEqualTo(before);
    }
  }

  @Test
  void refusesAForgedState() throws Exception {
    try (GatewayFixture api = new GatewayFixture(sso(Map.of()))) {
      api.bootstrap();
      Written before = Written.of(api);
      SsoBrowser browser = new SsoBrowser(api.port);
      String forged = "forged-state-0123456789";

      // Even with a cookie to match, a state the gateway never issued signs nobody in.
      HttpResponse<String> r =
          browser.send(
              HttpRequest.newBuilder(
                      URI.create(
                          SsoBrowser.PUBLIC_URL
                              + OidcConfig.CALLBACK_PATH
                              + "?code=some-code&state="
                              + forged))
                  .header("Cookie", OidcHandlers.STATE_COOKIE + "=" + forged)
                  .GET());

      assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
      assertThat(new JsonObject(r.body()).getJsonObject("error").getString("code"))
          .isEqualTo("invalid_state");
      assertThat(Written.of(api)).isEqualTo(before);
    }
  }

  @Test
  void refusesACallbackDeliveredToAnotherBrowserAndLetsTheRightOneFinish() throws Exception {
    try (GatewayFixture api = new GatewayFixture(sso(Map.of()))) {
      api.bootstrap();
      Written before = Written.of(api);
      SsoBrowser person = new SsoBrowser(api.port);
      SsoBrowser victim = new SsoBrowser(api.port);
      URI callback = person.signInAtProvider("alice");

      HttpResponse<String> r = victim.get(callback, null);

      assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
      assertThat(new JsonObject(r.body()).getJsonObject("error").getString("code"))
          .isEqualTo("invalid_state");
      assertThat(Written.of(api)).isEqualTo(before);
      assertThat(api.count("SELECT count(*) FROM oidc_logins")).isEqualTo(1);

      assertThat(person.get(callback, null).statusCode()).isEqualTo(302);
    }
  }

  @Test
  void refusesAReusedState() throws Exception {
    try (GatewayFixture api = new GatewayFixture(sso(Map.of()))) {
      api.bootstrap();
      SsoBrowser browser = new SsoBrowser(api.port);
      URI callback = browser.signInAtProvider("alice");
      String cookie = OidcHandlers.STATE_COOKIE + "=" + query(callback, "state");
      assertThat(browser.get(callback, null).statusCode()).isEqualTo(302);
      Written after = Written.of(api);

      HttpResponse<String> replay =
          browser.send(HttpRequest.newBuilder(callback).header("Cookie", cookie).GET());

      assertThat(replay.statusCode()).as(replay.body()).isEqualTo(400);
      assertThat(new JsonObject(replay.body()).getJsonObject("error").getString("code"))
          .isEqualTo("invalid_state");
      assertThat(Written.of(api)).isEqualTo(after);
    }
  }

  @Test
  void refusesALoginCompletedAfterItsTenMinutes() throws Exception {
    try (GatewayFixture api = new GatewayFixture(sso(Map.of()))) {
      api.bootstrap();
      SsoBrowser browser = new SsoBrowser(api.port);
      URI callback = browser.signInAtProvider("alice");
      api.execute(
          "UPDATE oidc_logins SET created_at = now() - interval '20 minutes',"
              + " expires_at = now() - interval '10 minutes'");
      Written before = Written.of(api);

      HttpResponse<String> r = browser.get(callback, null);

      assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
      JsonObject error = new JsonObject(r.body()).getJsonObject("error");
      assertThat(error.getString("code")).isEqualTo("invalid_state");
      assertThat(error.getString("message")).contains("expired");
      assertThat(Written.of(api)).isEqualTo(before);
    }
  }

  @Test
  void refusesAnOverlongCallbackParameterBeforeTouchingTheLogin() throws Exception {
    try (GatewayFixture api = new GatewayFixture(sso(Map.of()))) {
      api.bootstrap();
      SsoBrowser browser = new SsoBrowser(api.port);
      String state = startedState(browser);

      HttpResponse<String> r =
          browser.get(callback("state=" + state + "&code=" + "a".repeat(5000)), null);

      assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
      assertThat(api.count("SELECT count(*) FROM oidc_logins")).isEqualTo(1);
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
  void refusesARedirectOffThisServer() throws Exception {
    try (GatewayFixture api = new GatewayFixture(sso(Map.of()))) {
      for (String bad : new String[] {"//evil.example", "https://evil.example/", "/a%23b"}) {
        var r = api.call("GET", "/api/auth/oidc/login?redirect=" + bad, null, null);
        assertThat(r.status()).as(bad).isEqualTo(400);
      }
      assertThat(api.count("SELECT count(*) FROM oidc_logins")).isZero();
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

  @Test
  void refusesASignInBeforeTheInstallationIsBootstrapped() throws Exception {
    try (GatewayFixture api = new GatewayFixture(sso(Map.of()))) {
      SsoBrowser browser = new SsoBrowser(api.port);
      HttpResponse<String> r = browser.get(browser.signInAtProvider("alice"), null);
      assertThat(r.statusCode()).as(r.body()).isEqualTo(409);
      assertThat(new JsonObject(r.body()).getJsonObject("error").getString("code"))
          .isEqualTo("sso_workspace_missing");
      assertThat(Written.of(api)).isEqualTo(new Written(0, 0, 0));
    }
  }

  @Test
  void refusesTheProvidersOwnRefusalAndACallbackFromAnotherIssuer() throws Exception {
    try (GatewayFixture api = new GatewayFixture(sso(Map.of()))) {
      api.bootstrap();
      Written before = Written.of(api);
      SsoBrowser browser = new SsoBrowser(api.port);

      String state = startedState(browser);
      HttpResponse<String> denied =
          browser.get(callback("error=access_denied&state=" + state), null);
      assertThat(denied.statusCode()).as(denied.body()).isEqualTo(401);
      assertThat(new JsonObject(denied.body()).getJsonObject("error").getString("code"))
          .isEqualTo("sso_refused");

      state = startedState(browser);
      HttpResponse<String> mixUp =
          browser.get(callback("code=abc&iss=https%3A%2F%2Fevil.example&state=" + state), null);
      assertThat(mixUp.statusCode()).as(mixUp.body()).isEqualTo(400);
      assertThat(new JsonObject(mixUp.body()).getJsonObject("error").getString("code"))
          .isEqualTo("issuer_mismatch");

      assertThat(Written.of(api)).isEqualTo(before);
    }
  }

  /** Starts a login in this browser and returns its state, read from the provider redirect. */
  private static String startedState(SsoBrowser browser) {
    HttpResponse<String> start =
        browser.get(URI.create(SsoBrowser.PUBLIC_URL + "/api/auth/oidc/login"), null);
    assertThat(start.statusCode()).isEqualTo(302);
    URI authorize = SsoBrowser.location(start, null);
    assertThat(query(authorize, "code_challenge_method")).isEqualTo("S256");
    assertThat(query(authorize, "nonce")).isNotBlank();
    return query(authorize, "state");
  }

  private static URI callback(String query) {
    return URI.create(SsoBrowser.PUBLIC_URL + OidcConfig.CALLBACK_PATH + "?" + query);
  }

  private static String query(URI uri, String name) {
    for (String pair : uri.getRawQuery().split("&")) {
      if (pair.startsWith(name + "=")) {
        return java.net.URLDecoder.decode(
            pair.substring(name.length() + 1), java.nio.charset.StandardCharsets.UTF_8);
      }
    }
    throw new IllegalArgumentException(name + " not in " + uri);
  }

  /** What a sign-in writes: users, memberships and sessions. */
  record Written(long users, long memberships, long sessions) {
    static Written of(GatewayFixture api) throws Exception {
      return new Written(
          api.count("SELECT count(*) FROM users"),
          api.count("SELECT count(*) FROM memberships"),
          api.count("SELECT count(*) FROM sessions"));
    }
  }
}
