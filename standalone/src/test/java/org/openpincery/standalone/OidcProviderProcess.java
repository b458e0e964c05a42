package org.openpincery.standalone;

import static org.awaitility.Awaitility.await;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openpincery.testkit.NodeTools;

/**
 * A real OpenID Connect provider (npm's {@code oidc-provider}) in a Node process on a free loopback
 * port: the gateway's own test provider ({@code gateway/src/test/oidc/provider.mjs}, whose header
 * says what it takes), installed once per JVM under {@code target/oidc-provider}. Its sign-in page
 * is a plain form (a login name, a button), so a browser can go through it.
 */
final class OidcProviderProcess implements AutoCloseable {

  private static final Path SOURCE = Path.of("..", "gateway", "src", "test", "oidc");
  private static Path installed;

  private final Process process;
  final String issuer;

  /** {@code settings}: {@code {"clients": [...], "accounts": {...}}} as provider.mjs reads them. */
  OidcProviderProcess(JsonObject settings) throws Exception {
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

  private static synchronized Path install() throws Exception {
    if (installed == null) {
      installed =
          NodeTools.install(
              SOURCE.toAbsolutePath().normalize(),
              Path.of("target", "oidc-provider").toAbsolutePath(),
              List.of("package.json", "package-lock.json", "provider.mjs"));
    }
    return installed;
  }

  @Override
  public void close() throws Exception {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }
}
