package org.openpincery.gateway;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.openpincery.db.SchemaMigrator;
import org.openpincery.store.HealthRepository;

/** {@code /health} (the process serves) and {@code /ready} (it can do its job). */
final class HealthHandlers {

  private final HealthRepository health;
  private final Map<String, BooleanSupplier> background;
  private final Map<String, String> details;

  /**
   * @param background named in-process checks, such as the notification listener and background
   *     loops; each must say true for the process to be ready
   * @param details facts shown under {@code details} that do not decide readiness
   */
  HealthHandlers(
      HealthRepository health,
      Map<String, BooleanSupplier> background,
      Map<String, String> details) {
    this.health = health;
    this.background = Map.copyOf(background);
    this.details = Map.copyOf(details);
  }

  void health(RoutingContext ctx) {
    Responses.json(ctx, 200, new JsonObject().put("status", "ok"));
  }

  void ready(RoutingContext ctx) {
    health
        .schemaVersion()
        .map(
            version ->
                new JsonObject()
                    .put("database", "ok")
                    .put(
                        "migrations",
                        version == SchemaMigrator.SCHEMA_VERSION
                            ? "ok"
                            : "schema at version "
                                + version
                                + ", this build needs "
                                + SchemaMigrator.SCHEMA_VERSION))
        .otherwise(
            err ->
                new JsonObject()
                    .put("database", "unreachable: " + err.getMessage())
                    .put("migrations", "unknown: database unreachable"))
        .onSuccess(
            checks -> {
              background.forEach(
                  (name, check) -> checks.put(name, check.getAsBoolean() ? "ok" : "not running"));
              boolean ready =
                  checks.fieldNames().stream().allMatch(k -> "ok".equals(checks.getString(k)));
              ctx.response().putHeader("cache-control", "no-store");
              Responses.json(
                  ctx,
                  ready ? 200 : 503,
                  new JsonObject()
                      .put("status", ready ? "ready" : "unavailable")
                      .put("checks", checks)
                      .put("details", new JsonObject(new java.util.TreeMap<>(details))));
            });
  }
}
