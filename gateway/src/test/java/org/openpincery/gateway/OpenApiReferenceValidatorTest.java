package org.openpincery.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The OpenAPI document the gateway serves, as fetched over HTTP, passes two validators others wrote
 * (npm {@code @seriousme/openapi-schema-validator} 2.11.0: the OpenAPI 3.1 schema, and {@code
 * @apidevtools/swagger-parser} 13.1.0: parsing and every {@code $ref}), run as a real Node
 * process. Needs {@code node} and {@code npm} (Debian {@code nodejs}, {@code npm}) and, the first
 * time, the npm registry.
 */
class OpenApiReferenceValidatorTest {

  @Test
  void theServedDocumentIsValidOpenApi31ForReferenceValidators() throws Exception {
    Path dir = validators();
    try (GatewayFixture api = new GatewayFixture()) {
      var served = api.call("GET", "/openapi.json", null, null);
      assertThat(served.status()).isEqualTo(200);
      Path doc = dir.resolve("served-openapi.json");
      Files.writeString(doc, served.text());

      Result r = run(dir, 120, "node", "validate.mjs", doc.toString());
      assertThat(r.exit()).as(r.err()).isZero();
      JsonObject verdict = new JsonObject(r.out().strip());
      assertThat(verdict.getString("version")).isEqualTo("3.1");
      assertThat(verdict.getJsonObject("schema").getBoolean("valid"))
          .as("OpenAPI 3.1 schema: %s", verdict.getJsonObject("schema").getValue("errors"))
          .isTrue();
      assertThat(verdict.getJsonObject("parser").getBoolean("valid"))
          .as("swagger-parser: %s", verdict.getJsonObject("parser").getString("error"))
          .isTrue();
    }
  }

  @Test
  void theValidatorsRefuseABrokenDocument() throws Exception {
    Path dir = validators();
    try (GatewayFixture api = new GatewayFixture()) {
      JsonObject doc = api.call("GET", "/openapi.json", null, null).json();
      doc.getJsonObject("paths")
          .getJsonObject("/health")
          .getJsonObject("get")
          .put("responses", new JsonObject().put("200", new JsonObject().put("x", 1)));
      doc.getJsonObject("paths")
          .getJsonObject("/api/agents")
          .getJsonObject("get")
          .getJsonObject("responses")
          .put("200", new JsonObject().put("$ref", "#/components/responses/Nope"));
      Path broken = dir.resolve("broken-openapi.json");
      Files.writeString(broken, doc.encode());

      Result r = run(dir, 120, "node", "validate.mjs", broken.toString());
      assertThat(r.exit()).as(r.err()).isZero();
      JsonObject verdict = new JsonObject(r.out().strip());
      assertThat(verdict.getJsonObject("schema").getBoolean("valid")).isFalse();
      assertThat(verdict.getJsonObject("parser").getBoolean("valid")).isFalse();
    }
  }

  private static Path validators;

  /** npm ci, once per JVM, into target/openapi-validators (the sources stay clean). */
  private static synchronized Path validators() throws Exception {
    if (validators != null) {
      return validators;
    }
    Path source = Path.of("src/test/node").toAbsolutePath();
    Path dir = Path.of("target/openapi-validators").toAbsolutePath();
    Files.createDirectories(dir);
    for (String f : List.of("package.json", "package-lock.json", "validate.mjs")) {
      Files.copy(source.resolve(f), dir.resolve(f), StandardCopyOption.REPLACE_EXISTING);
    }
    try {
      run(dir, 60, "node", "--version");
    } catch (IOException e) {
      fail(
          "node is not installed: this test validates with third-party Node libraries;"
              + " install the Debian packages nodejs and npm (apt-get install -y nodejs npm)",
          e);
    }
    Result ci = run(dir, 300, "npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts");
    assertThat(ci.exit()).as("npm ci in %s: %s", dir, ci.err()).isZero();
    validators = dir;
    return dir;
  }

  private record Result(int exit, String out, String err) {}

  private static Result run(Path dir, int seconds, String... command) throws Exception {
    Path out = Files.createTempFile("openapi-validators", ".out");
    Path err = Files.createTempFile("openapi-validators", ".err");
    try {
      Process p =
          new ProcessBuilder(command)
              .directory(dir.toFile())
              .redirectOutput(out.toFile())
              .redirectError(err.toFile())
              .start();
      p.getOutputStream().close();
      if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        fail(String.join(" ", command) + " did not finish within " + seconds + " s");
      }
      return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }
}
