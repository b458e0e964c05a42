package org.openpincery.gateway;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.StaticHandler;

/**
 * The web control plane: static files from the jar's {@code webroot/} (plain ES modules, no build
 * step), served at {@code /} beside the API. Every file is sent with a strict
 * Content-Security-Policy (scripts, styles and connections only from this origin; no inline script,
 * no framing), {@code X-Content-Type-Options: nosniff} and {@code Referrer-Policy: no-referrer}.
 * Files are revalidated on each use ({@code Cache-Control: no-cache} with {@code Last-Modified},
 * answered 304 when unchanged), so an upgraded server is never shown with a stale script. Paths
 * under {@code /api} are never served from here: an unknown one stays the API's JSON 404. See
 * docs/ui.md.
 */
final class ControlPlane {

  /** The policy every control-plane file is sent with. */
  static final String CONTENT_SECURITY_POLICY =
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
          + " connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none';"
          + " form-action 'self'; frame-ancestors 'none'";

  /** Every path but {@code /api} and what is under it. */
  private static final String NOT_API = "^/(?!api(?:/|$)).*";

  private ControlPlane() {}

  static void mount(Router router) {
    StaticHandler files =
        StaticHandler.create("webroot")
            .setIndexPage("index.html")
            .setDirectoryListing(false)
            .setIncludeHidden(false)
            .setDefaultContentEncoding("UTF-8")
            .setCachingEnabled(true);
    // A path under /api never matches this route (rather than matching and passing on), so the
    // API's own 404 and 405 answers are exactly what they were without the control plane.
    router
        .routeWithRegex(NOT_API)
        .method(HttpMethod.GET)
        .method(HttpMethod.HEAD)
        .handler(
            ctx -> {
              ctx.addHeadersEndHandler(v -> secure(ctx));
              files.handle(ctx);
            });
  }

  private static void secure(RoutingContext ctx) {
    HttpServerResponse r = ctx.response();
    if (r.getStatusCode() >= 400) {
      return; // the JSON error of a missing file: no page, no page headers
    }
    r.headers()
        .set("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        .set("X-Content-Type-Options", "nosniff")
        .set("Referrer-Policy", "no-referrer")
        .set("X-Frame-Options", "DENY")
        .set("Cross-Origin-Opener-Policy", "same-origin")
        .set("Cache-Control", "no-cache");
  }
}
