package org.openpincery.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every refused single sign-on answers its 4xx and writes no user, membership or session: an ID
 * token for another audience, expired, with another login's nonce or a foreign signature; an email
 * outside the allowed domains or unverified; no role; a forged, unbound, reused or expired state;
 * the provider's own refusal; another issuer; a sign-in before bootstrap.
 */
class OidcRefusalTest extends OidcTestBase {

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
      // Nothing written but the refusal's audit entry.
      assertThat(
              api.count(
                  "SELECT count(*) FROM audit_log WHERE action = 'session.oidc_login'"
                      + " AND outcome = 'refused' AND status = 400"
                      + " AND detail->>'reason' = 'invalid_state'"))
          .isEqualTo(1);
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
}
