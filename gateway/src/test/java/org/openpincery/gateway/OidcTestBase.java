package org.openpincery.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.openpincery.testkit.OidcProvider;

/**
 * A real OpenID Connect provider (npm's oidc-provider, {@link OidcProvider}) shared by the single
 * sign-on tests of one class, the gateway settings that point at it, and what the tests read back.
 */
abstract class OidcTestBase {

  static final String SECRET = "pincery-test-client-secret-0123456789";
  static OidcProvider provider;

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
        new OidcProvider(
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
    env.put("OIDC_ISSUER", provider.issuer());
    env.put("OIDC_CLIENT_ID", "pincery");
    env.put("OIDC_CLIENT_SECRET", SECRET);
    env.put("OIDC_ALLOWED_DOMAINS", "example.com");
    env.put("OIDC_ROLE_MAP", "pincery-admins=admin,pincery-ops=operator");
    env.put("OIDC_SCOPES", "openid email profile groups");
    env.putAll(extra);
    return env;
  }

  /** Starts a login in this browser and returns its state, read from the provider redirect. */
  static String startedState(SsoBrowser browser) {
    HttpResponse<String> start =
        browser.get(URI.create(SsoBrowser.PUBLIC_URL + "/api/auth/oidc/login"), null);
    assertThat(start.statusCode()).isEqualTo(302);
    URI authorize = SsoBrowser.location(start, null);
    assertThat(query(authorize, "code_challenge_method")).isEqualTo("S256");
    assertThat(query(authorize, "nonce")).isNotBlank();
    return query(authorize, "state");
  }

  static URI callback(String query) {
    return URI.create(SsoBrowser.PUBLIC_URL + OidcConfig.CALLBACK_PATH + "?" + query);
  }

  static String query(URI uri, String name) {
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
