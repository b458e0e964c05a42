package org.openpincery.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.CookieManager;
import java.net.CookiePolicy;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * What a person's browser does during single sign-on, over real HTTP: follows the gateway's
 * redirect to the provider, signs in on the provider's page, and carries the provider's redirect
 * back to the gateway, cookies included. The gateway's public URL ({@code http://pincery.test}) is
 * the gateway's loopback port to this browser, as a reverse proxy would make it.
 */
final class SsoBrowser {

  static final String PUBLIC_URL = "http://pincery.test";

  private final int gatewayPort;
  final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .followRedirects(HttpClient.Redirect.NEVER)
          .cookieHandler(new CookieManager(null, CookiePolicy.ACCEPT_ALL))
          .connectTimeout(Duration.ofSeconds(10))
          .build();

  SsoBrowser(int gatewayPort) {
    this.gatewayPort = gatewayPort;
  }

  /**
   * Starts a login at the gateway and signs in at the provider as {@code account}; returns the
   * callback URL the provider sends the browser to (not yet visited). When this browser is still
   * signed in at the provider, the provider answers at once for that person, as real providers do.
   */
  URI signInAtProvider(String account) {
    HttpResponse<String> start = get(URI.create(PUBLIC_URL + "/api/auth/oidc/login"), null);
    assertThat(start.statusCode()).as(start.body()).isEqualTo(302);
    URI authorize = location(start, null);
    HttpResponse<String> toLogin = get(authorize, null);
    assertThat(toLogin.statusCode()).as(toLogin.body()).isEqualTo(303);
    URI interaction = location(toLogin, authorize);
    if (interaction.toString().startsWith(PUBLIC_URL)) {
      return interaction;
    }
    HttpResponse<String> signedIn =
        send(
            HttpRequest.newBuilder(URI.create(interaction + "/login"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "login=" + URLEncoder.encode(account, StandardCharsets.UTF_8))));
    assertThat(signedIn.statusCode()).as(signedIn.body()).isEqualTo(303);
    URI resume = location(signedIn, interaction);
    HttpResponse<String> back = get(resume, null);
    assertThat(back.statusCode()).as(back.body()).isEqualTo(303);
    URI callback = location(back, resume);
    assertThat(callback.toString()).startsWith(PUBLIC_URL + OidcConfig.CALLBACK_PATH + "?");
    return callback;
  }

  /** Visits a URL; {@code accept} is the Accept header, or null for none. */
  HttpResponse<String> get(URI uri, String accept) {
    HttpRequest.Builder b = HttpRequest.newBuilder(reach(uri)).GET();
    if (accept != null) {
      b.header("Accept", accept);
    }
    return send(b);
  }

  HttpResponse<String> send(HttpRequest.Builder request) {
    try {
      HttpRequest built = request.timeout(Duration.ofSeconds(30)).build();
      return http.send(
          HttpRequest.newBuilder(built, (name, value) -> true).uri(reach(built.uri())).build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static URI location(HttpResponse<?> r, URI base) {
    String loc = r.headers().firstValue("Location").orElseThrow();
    return base == null ? URI.create(loc) : base.resolve(loc);
  }

  // The public URL resolves to the gateway on loopback, as DNS and a proxy would arrange.
  private URI reach(URI uri) {
    if (!uri.toString().startsWith(PUBLIC_URL)) {
      return uri;
    }
    return URI.create(
        "http://127.0.0.1:" + gatewayPort + uri.toString().substring(PUBLIC_URL.length()));
  }
}
