package org.openpincery.ops;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;

/**
 * {@code GET /health} (the process serves: always 200) and {@code GET /ready} (it can do its job:
 * 200 or 503, see {@link Readiness}), answered the same way by every tier.
 */
public final class HealthEndpoints {

  private final Readiness readiness;

  public HealthEndpoints(Readiness readiness) {
    this.readiness = readiness;
  }

  /** Answers {@code /health}. */
  public void health(HttpServerRequest request) {
    json(request, 200, new JsonObject().put("status", "ok"));
  }

  /** Answers {@code /ready}. */
  public void ready(HttpServerRequest request) {
    readiness
        .check()
        .onSuccess(report -> json(request, report.ready() ? 200 : 503, report.body()))
        .onFailure(
            err ->
                json(
                    request,
                    503,
                    new JsonObject()
                        .put("status", "unavailable")
                        .put("checks", new JsonObject().put("readiness", err.getMessage()))));
  }

  private static void json(HttpServerRequest request, int status, JsonObject body) {
    request
        .response()
        .setStatusCode(status)
        .putHeader("content-type", "application/json")
        .putHeader("cache-control", "no-store")
        .end(body.encode());
  }
}
