package org.openpincery.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The control plane's static files: served at {@code /} with a strict Content-Security-Policy and
 * revalidating cache headers, beside an API whose unknown paths still answer JSON.
 */
class ControlPlaneFilesTest {

  @Test
  void theControlPlaneIsServedWithSecurityAndCacheHeaders() {
    try (GatewayFixture api = new GatewayFixture()) {
      for (var file :
          Map.of(
                  "/", "text/html",
                  "/index.html", "text/html",
                  "/js/app.js", "javascript",
                  "/css/app.css", "text/css",
                  "/favicon.svg", "image/svg+xml")
              .entrySet()) {
        var r = api.call("GET", file.getKey(), null, null);
        assertThat(r.status()).as(file.getKey()).isEqualTo(200);
        var h = r.headers();
        assertThat(h.firstValue("content-type").orElseThrow())
            .as(file.getKey())
            .contains(file.getValue());
        String csp = h.firstValue("content-security-policy").orElseThrow();
        assertThat(csp)
            .contains("default-src 'none'")
            .contains("script-src 'self'")
            .contains("connect-src 'self'")
            .contains("frame-ancestors 'none'")
            .doesNotContain("unsafe-inline")
            .doesNotContain("unsafe-eval");
        assertThat(h.firstValue("x-content-type-options")).hasValue("nosniff");
        assertThat(h.firstValue("referrer-policy")).hasValue("no-referrer");
        assertThat(h.firstValue("cache-control")).hasValue("no-cache");
        assertThat(h.firstValue("last-modified")).isPresent();
      }
      String index = api.call("GET", "/", null, null).text();
      assertThat(index).contains("<script type=\"module\" src=\"/js/app.js\">");
      // No inline script anywhere: every <script> has a src.
      assertThat(index.split("<script")).allSatisfy(part -> assertThat(part).doesNotStartWith(">"));

      // Unchanged since the browser's copy: 304, nothing re-sent.
      var first = api.call("GET", "/js/app.js", null, null);
      var again =
          api.call(
              "GET",
              "/js/app.js",
              null,
              null,
              Map.of(
                  "If-Modified-Since", first.headers().firstValue("last-modified").orElseThrow()));
      assertThat(again.status()).isEqualTo(304);
    }
  }

  @Test
  void apiPathsStayJsonAndTheOpenRoutesAreUntouched() {
    try (GatewayFixture api = new GatewayFixture()) {
      for (String path :
          List.of("/api", "/api/", "/api/nothing-here", "/api/index.html", "/api/js/app.js")) {
        var r = api.call("GET", path, null, null);
        assertThat(r.status()).as(path).isIn(401, 404);
        assertThat(r.headers().firstValue("content-type").orElseThrow())
            .as(path)
            .startsWith("application/json");
        assertThat(r.json().getJsonObject("error").getString("code")).isNotBlank();
      }
      // The API's method answers are untouched by a catch-all GET beside them.
      assertThat(api.call("GET", "/api/bootstrap", null, null).errorCode())
          .isEqualTo("method_not_allowed");
      assertThat(api.call("POST", "/api/nope", null, "{}").errorCode()).isEqualTo("not_found");
      var missing = api.call("GET", "/no-such-file.js", null, null);
      assertThat(missing.status()).isEqualTo(404);
      assertThat(missing.errorCode()).isEqualTo("not_found");
      assertThat(api.call("GET", "/../pom.xml", null, null).status()).isIn(400, 404);
      assertThat(api.call("POST", "/index.html", null, "{}").status()).isIn(404, 405);

      assertThat(api.call("GET", "/health", null, null).headers().firstValue("content-type"))
          .hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
      assertThat(api.call("GET", "/ready", null, null).json().getString("status")).isNotBlank();
      assertThat(api.call("GET", "/openapi.json", null, null).json().getString("openapi"))
          .startsWith("3.1");
      assertThat(api.call("GET", "/api/agents", null, null).errorCode()).isEqualTo("unauthorized");
    }
  }
}
