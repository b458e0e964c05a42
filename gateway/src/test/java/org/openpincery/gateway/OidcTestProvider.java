package org.openpincery.gateway;

import static org.awaitility.Awaitility.await;

import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openpincery.testkit.NodeTools;

/**
 * A real OpenID Connect provider (npm's {@code oidc-provider}, src/test/oidc/provider.mjs) in a
 * Node process of its own on a free loopback port, for as long as the test holds it.
 */
final class OidcTestProvider implements AutoCloseable {

  private static Path installed;

  private final Process process;
  final String issuer;

  /**
   * @param settings {@code {"clients": [...], "accounts": {...}}} as provider.mjs reads them
   */
  OidcTestProvider(JsonObject settings) throws Exception {
    Path dir = install();
    Path out = Files.createTempFile(dir, "provider", ".out");
    Path err = Files.createTempFile(dir, "provider", ".err");
    process =
        new ProcessBuilder("node", "provider.mjs", settings.encode())
            .directory(dir.toFile())
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .start(); // its stdin stays open: the provider exits when this JVM does
    String line =
        await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () -> {
                  if (!process.isAlive()) {
                    throw new IllegalStateException("provider.mjs died: " + Files.readString(err));
                  }
                  List<String> lines = Files.readAllLines(out);
                  return lines.isEmpty() ? null : lines.get(0);
                },
                l -> l != null);
    issuer = new JsonObject(line).getString("issuer");
  }

  /** npm ci, once per JVM, into target/oidc-provider (the sources stay clean). */
  private static synchronized Path install() throws Exception {
    if (installed == null) {
      installed =
          NodeTools.install(
              Path.of("src/test/oidc").toAbsolutePath(),
              Path.of("target/oidc-provider").toAbsolutePath(),
              List.of("package.json", "package-lock.json", "provider.mjs"));
    }
    return installed;
  }

  /**
   * Changes the next ID token the provider's token endpoint issues: {@code {"claims": {...}}}
   * replaces claims (re-signed with the provider's published key), {@code {"foreign_key": true}}
   * signs it with a key the provider does not publish.
   */
  void changeNextIdToken(JsonObject change) throws Exception {
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

  @Override
  public void close() throws Exception {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }
}
