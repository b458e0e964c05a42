package org.openpincery.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.openpincery.testkit.NodeTools;

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

      NodeTools.Result r = NodeTools.run(dir, null, 120, "node", "validate.mjs", doc.toString());
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

      NodeTools.Result r = NodeTools.run(dir, null, 120, "node", "validate.mjs", broken.toString());
      assertThat(r.exit()).as(r.err()).isZero();
      JsonObject verdict = new JsonObject(r.out().strip());
      assertThat(verdict.getJsonObject("schema").getBoolean("valid")).isFalse();
      assertThat(verdict.getJsonObject("parser").getBoolean("valid")).isFalse();
    }
  }

  private static Path validators;

  /** npm ci, once per JVM, into target/openapi-validators (the sources stay clean). */
  private static synchronized Path validators() throws Exception {
    if (validators == null) {
      validators =
          NodeTools.install(
              Path.of("src/test/node").toAbsolutePath(),
              Path.of("target/openapi-validators").toAbsolutePath(),
              List.of("package.json", "package-lock.json", "validate.mjs"));
    }
    return validators;
  }
}
