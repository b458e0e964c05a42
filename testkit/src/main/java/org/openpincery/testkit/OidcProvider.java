package org.openpincery.testkit;

import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;

/**
 * A real OpenID Connect provider — npm's {@code oidc-provider}, configured by {@code
 * oidc/provider.mjs} beside this class (its header says what it takes) — in a Node process of its
 * own on a free loopback port, for as long as the test holds it. Installed once per JVM ({@code npm
 * ci}) under the module's {@code target/oidc-provider}. Its sign-in page is a plain form, so a test
 * can sign in over HTTP or in a browser.
 */
public final class OidcProvider implements AutoCloseable {

  private static final List<String> FILES =
      List.of("package.json", "package-lock.json", "provider.mjs");
  private static Path installed;

  private final NodeTools.Server server;
  private final String issuer;

  /**
   * @param settings {@code {"clients": [...], "accounts": {...}}} as provider.mjs reads them
   */
  public OidcProvider(JsonObject settings) throws Exception {
    server = NodeTools.Server.start(install(), "provider.mjs", settings.encode());
    // its stdin stays open: the provider exits when this JVM does
    issuer = server.announced().getString("issuer");
  }

  /** The provider's issuer URL ({@code http://127.0.0.1:<port>}). */
  public String issuer() {
    return issuer;
  }

  /**
   * Changes the next ID token the provider's token endpoint issues: {@code {"claims": {...}}}
   * replaces claims (re-signed with the provider's published key), {@code {"foreign_key": true}}
   * signs it with a key the provider does not publish.
   */
  public void changeNextIdToken(JsonObject change) throws Exception {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(issuer + "/__test/next-id-token"))
                    .POST(HttpRequest.BodyPublishers.ofString(change.encode()))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 204) {
      throw new IllegalStateException("next-id-token: " + r.statusCode() + " " + r.body());
    }
  }

  private static synchronized Path install() throws Exception {
    if (installed == null) {
      installed =
          NodeTools.installFromClasspath(OidcProvider.class, "oidc", FILES, "oidc-provider");
    }
    return installed;
  }

  @Override
  public void close() throws Exception {
    server.close();
  }
}
