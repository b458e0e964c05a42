package org.openpincery.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The OpenAPI document and the router describe exactly the same routes. */
class OpenApiAgreementTest {

  private static final Set<String> METHODS =
      Set.of("get", "put", "post", "patch", "delete", "head", "options");

  @Test
  void everyRouteIsDocumentedAndEveryDocumentedRouteExists() {
    try (GatewayFixture api = new GatewayFixture()) {
      var router = ApiRouter.create(api.vertx, api.store, api.config, api.metrics, Map.of());
      Set<String> served = ApiRouter.routeSignatures(router);

      JsonObject doc = api.call("GET", "/openapi.json", null, null).json();
      assertThat(doc.getString("openapi")).startsWith("3.1");
      Set<String> documented = new TreeSet<>();
      Set<String> otherTiers = new TreeSet<>();
      doc.getJsonObject("paths")
          .forEach(
              path -> {
                JsonObject item = (JsonObject) path.getValue();
                item.fieldNames().stream()
                    .filter(METHODS::contains)
                    .forEach(
                        m -> {
                          String op = m.toUpperCase() + " " + path.getKey();
                          String tier = item.getJsonObject(m).getString("x-served-by", "gateway");
                          (tier.equals("gateway") ? documented : otherTiers).add(op);
                        });
              });

      assertThat(served).isNotEmpty().isEqualTo(documented);
      // Mounted beside the gateway's routes in standalone, or served by its own process.
      assertThat(otherTiers).containsExactly("POST /api/agents/{id}/webhooks");
    }
  }
}
