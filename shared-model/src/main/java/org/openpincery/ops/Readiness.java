package org.openpincery.ops;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.CheckResult;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import org.openpincery.db.SchemaMigrator;
import org.openpincery.store.HealthRepository;

/**
 * What a tier's {@code /ready} reports, as vertx-health-check procedures: the database answers, its
 * schema is the version this build needs, and each in-process part of the tier (the notification
 * listener, the worker or loops) runs. A procedure that takes longer than {@link #CHECK_TIMEOUT_MS}
 * counts as failed.
 *
 * <p>The body: {@code {"status": "ready"|"unavailable", "checks": {name: "ok" | why not},
 * "details": {name: fact}}}; details are facts (such as which model answers) that do not decide
 * readiness.
 */
public final class Readiness {

  /** How long one check may take before it counts as failed, in milliseconds. */
  public static final long CHECK_TIMEOUT_MS = 2_000;

  /** A verdict and the body to answer with (200 when ready, else 503). */
  public record Report(boolean ready, JsonObject body) {}

  private final HealthChecks checks;
  private final JsonObject details;

  /**
   * @param background named in-process checks; each must say true for the tier to be ready
   * @param details facts shown under {@code details}
   */
  public Readiness(
      Vertx vertx,
      HealthRepository health,
      Map<String, BooleanSupplier> background,
      Map<String, String> details) {
    this.checks = HealthChecks.create(vertx);
    this.details = new JsonObject(new TreeMap<>(details));
    checks.register(
        "database",
        CHECK_TIMEOUT_MS,
        p ->
            health
                .schemaVersion()
                .onComplete(
                    ar ->
                        p.complete(
                            ar.succeeded()
                                ? Status.OK()
                                : failed("unreachable: " + ar.cause().getMessage()))));
    checks.register(
        "migrations",
        CHECK_TIMEOUT_MS,
        p ->
            health
                .schemaVersion()
                .onComplete(
                    ar -> {
                      if (ar.failed()) {
                        p.complete(failed("unknown: database unreachable"));
                      } else if (ar.result() != SchemaMigrator.SCHEMA_VERSION) {
                        p.complete(
                            failed(
                                "schema at version "
                                    + ar.result()
                                    + ", this build needs "
                                    + SchemaMigrator.SCHEMA_VERSION
                                    + " (run migrate)"));
                      } else {
                        p.complete(Status.OK());
                      }
                    }));
    background.forEach(
        (name, check) ->
            checks.register(
                name,
                CHECK_TIMEOUT_MS,
                p -> p.complete(check.getAsBoolean() ? Status.OK() : failed("not running"))));
  }

  /** Runs every check; never fails (a failing procedure is a failed check). */
  public Future<Report> check() {
    return checks
        .checkStatus()
        .map(
            result -> {
              JsonObject byName = new JsonObject();
              for (CheckResult c : result.getChecks()) {
                byName.put(c.getId(), Boolean.TRUE.equals(c.getUp()) ? "ok" : reason(c));
              }
              boolean ready = Boolean.TRUE.equals(result.getUp());
              return new Report(
                  ready,
                  new JsonObject()
                      .put("status", ready ? "ready" : "unavailable")
                      .put("checks", new JsonObject(new TreeMap<>(byName.getMap())))
                      .put("details", details.copy()));
            });
  }

  private static Status failed(String reason) {
    return Status.KO(new JsonObject().put("reason", reason));
  }

  private static String reason(CheckResult c) {
    JsonObject data = c.getData();
    if (data != null && data.getString("reason") != null) {
      return data.getString("reason");
    }
    if (c.getFailure() != null) {
      return "failed: " + c.getFailure().getMessage();
    }
    return "failed";
  }
}
