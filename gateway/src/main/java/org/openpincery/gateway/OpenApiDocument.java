package org.openpincery.gateway;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * The served {@code /openapi.json}: the document in the jar, with its {@code servers} set to where
 * this API is really reached. Without {@code OPEN_PINCERY_PUBLIC_URL} the server is the relative
 * URL {@code /}, which OpenAPI 3.1 resolves against the address the document was fetched from, so a
 * client generated from it calls the port that served it.
 */
final class OpenApiDocument {

  private OpenApiDocument() {}

  static String render(String document, GatewayConfig config) {
    JsonObject json = new JsonObject(document);
    json.put(
        "servers",
        new JsonArray()
            .add(
                new JsonObject()
                    .put("url", config.publicUrl().orElse("/"))
                    .put(
                        "description",
                        config.publicUrl().isPresent()
                            ? "OPEN_PINCERY_PUBLIC_URL"
                            : "the address this document was fetched from")));
    return json.encode();
  }
}
