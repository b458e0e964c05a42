package org.openpincery.gateway;

import io.vertx.core.json.DecodeException;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import org.openpincery.http.HttpEdges;
import org.openpincery.store.DatabaseOutage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The one place failures become HTTP responses, so every error has the same JSON shape. */
final class ErrorResponses {

  private static final Logger LOG = LoggerFactory.getLogger(ErrorResponses.class);

  private ErrorResponses() {}

  /** The router's failure handler: domain errors, framework statuses, and the unexpected. */
  static void handle(RoutingContext ctx) {
    Throwable failure = ctx.failure();
    if (failure instanceof ApiError e) {
      send(ctx, e.status, e.code, e.getMessage());
      return;
    }
    if (failure instanceof DecodeException) {
      send(ctx, 400, "invalid_json", "the body is not valid JSON");
      return;
    }
    if (failure != null && DatabaseOutage.is(failure)) {
      // Not the client's fault and not a bug: say when to retry, log one line without a trace.
      LOG.atWarn()
          .addKeyValue("request_id", RequestIds.of(ctx))
          .log(
              "database unreachable for {} {}: {}",
              ctx.request().method(),
              ctx.request().path(),
              failure.toString());
      if (!ctx.response().headWritten()) {
        ctx.response()
            .putHeader("Retry-After", Integer.toString(DatabaseOutage.RETRY_AFTER_SECONDS));
      }
      send(
          ctx,
          503,
          "database_unavailable",
          "the database cannot be reached right now; retry shortly");
      return;
    }
    int status = ctx.statusCode();
    switch (status) {
      case 400 -> send(ctx, 400, "invalid_request", "the request is malformed");
      case 401 -> send(ctx, 401, "unauthorized", "a valid bearer token is required");
      case 404 -> send(ctx, 404, "not_found", "no route for " + ctx.request().path());
      case 405 ->
          send(ctx, 405, "method_not_allowed", ctx.request().method() + " is not allowed here");
      case 413 ->
          send(ctx, 413, "payload_too_large", "the body is larger than this server accepts");
      case 415 -> send(ctx, 415, "unsupported_media_type", "send the body as application/json");
      case 503 ->
          send(
              ctx,
              503,
              HttpEdges.REQUEST_TIMEOUT_CODE,
              HttpEdges.requestTimeoutMessage(requestTimeout(ctx)));
      default -> {
        LOG.atError()
            .addKeyValue("request_id", RequestIds.of(ctx))
            .setCause(failure)
            .log("unhandled failure on {} {}", ctx.request().method(), ctx.request().path());
        send(
            ctx,
            500,
            "internal_error",
            "something went wrong on our side; request id " + RequestIds.of(ctx));
      }
    }
  }

  private static final String REQUEST_TIMEOUT_KEY = "request_timeout";

  /** Remembers the request timeout for the message of its 503. */
  static void requestTimeout(RoutingContext ctx, Duration timeout) {
    ctx.put(REQUEST_TIMEOUT_KEY, timeout);
  }

  private static Duration requestTimeout(RoutingContext ctx) {
    Duration d = ctx.get(REQUEST_TIMEOUT_KEY);
    return d == null ? Duration.ZERO : d;
  }

  /** Sends the error, once the request's audit entry (if it has one) is committed. */
  static void send(RoutingContext ctx, int status, String code, String message) {
    if (ctx.response().ended()) {
      return; // answered already (a request timeout, then the handler's late result)
    }
    if (ctx.response().headWritten()) {
      ctx.response().reset();
      return;
    }
    AuditTrail.beforeSend(
        ctx,
        status,
        null,
        code,
        () -> {
          if (ctx.response().ended() || ctx.response().headWritten()) {
            return;
          }
          HttpEdges.sendError(ctx.response(), status, code, message);
        });
  }
}
