package org.openpincery.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.openpincery.config.ConfigException;
import org.openpincery.config.Env;

/**
 * {@code /openapi.json} names the server a client really reaches: the address it was fetched from
 * (a relative URL), or {@code OPEN_PINCERY_PUBLIC_URL}; agents' {@code webhook_url} follows the
 * same rule.
 */
class PublicUrlTest {

  @Test
  void withoutAPublicUrlTheServerAndTheWebhookUrlAreRelative() {
    try (GatewayFixture api = new GatewayFixture()) {
      JsonObject doc = api.call("GET", "/openapi.json", null, null).json();
      assertThat(doc.getJsonArray("servers").getJsonObject(0).getString("url")).isEqualTo("/");

      String token = api.bootstrap();
      var created = api.call("POST", "/api/agents", token, "{\"name\":\"hook\"}");
      String id = created.json().getString("id");
      String path = "/api/agents/" + id + "/webhooks";
      assertThat(created.json().getString("webhook_url")).isEqualTo(path);
      assertThat(api.call("GET", "/api/agents/" + id, token, null).json().getString("webhook_url"))
          .isEqualTo(path);
    }
  }

  @Test
  void aPublicUrlIsUsedForBoth() {
    try (GatewayFixture api =
        new GatewayFixture(Map.of("OPEN_PINCERY_PUBLIC_URL", "https://pincery.example.com/ops/"))) {
      JsonObject doc = api.call("GET", "/openapi.json", null, null).json();
      assertThat(doc.getJsonArray("servers").getJsonObject(0).getString("url"))
          .isEqualTo("https://pincery.example.com/ops");

      String token = api.bootstrap();
      var created = api.call("POST", "/api/agents", token, "{\"name\":\"hook\"}");
      String id = created.json().getString("id");
      String url = "https://pincery.example.com/ops/api/agents/" + id + "/webhooks";
      assertThat(created.json().getString("webhook_url")).isEqualTo(url);
      assertThat(api.call("GET", "/api/agents/" + id, token, null).json().getString("webhook_url"))
          .isEqualTo(url);
    }
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "pincery.example.com",
        "/relative",
        "ftp://pincery.example.com",
        "https://",
        "https://user:pw@pincery.example.com",
        "https://pincery.example.com/?q=1",
        "https://pincery.example.com/#top",
        "http://exa mple.com"
      })
  void anythingButAnAbsoluteHttpUrlRefusesStartUp(String bad) {
    assertThatThrownBy(
            () -> GatewayConfig.from(Env.of(Map.of("OPEN_PINCERY_PUBLIC_URL", bad)), "127.0.0.1"))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("OPEN_PINCERY_PUBLIC_URL: must be an absolute http or https URL");
  }
}
