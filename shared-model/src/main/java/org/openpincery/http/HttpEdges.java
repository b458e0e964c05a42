package org.openpincery.http;

import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.openpincery.config.Env;

/**
 * What our HTTP servers answer below the handlers: requests the codec or the size limits refuse
 * before any route sees them. Shared by the gateway's and webhook ingress's servers, so that every
 * answer, these included, is HTTP/1.1 with the JSON error shape {@code
 * {"error":{"code","message"}}} and an {@code X-Request-Id}.
 *
 * <p>The limits are enforced here rather than by Netty's decoder alone: a request line the decoder
 * itself refuses was never read to its end, so its HTTP version is unknown and Vert.x could only
 * answer it as HTTP/1.0. The decoder's limits are therefore set to a generous {@link
 * #CODEC_CEILING} and the real limits ({@link #MAX_REQUEST_LINE}, {@link #MAX_HEADER_BYTES}) are
 * checked on the parsed request. A request beyond even the ceiling still gets the JSON answer and a
 * request id (its status line is then whatever version the decoder could read).
 */
public final class HttpEdges {

  /** The request line (method, target, version) in bytes; a longer one is 414. */
  public static final int MAX_REQUEST_LINE = 8192;

  /** All header lines together in bytes (names, values, separators); more is 431. */
  public static final int MAX_HEADER_BYTES = 8192;

  /** What the codec itself accepts; beyond it the codec refuses the request unread. */
  public static final int CODEC_CEILING = 65_536;

  /** The request id header, on every response. */
  public static final String REQUEST_ID = "X-Request-Id";

  /**
   * {@code OPEN_PINCERY_IDLE_TIMEOUT_SECONDS}: a connection with no traffic for this long closes.
   */
  public static final String IDLE_TIMEOUT = "OPEN_PINCERY_IDLE_TIMEOUT_SECONDS";

  /**
   * {@code OPEN_PINCERY_REQUEST_TIMEOUT_SECONDS}: a request not answered within this long (its body
   * still arriving, or the server still working) gets {@code 503 request_timeout}. Event streams
   * are exempt: they answer at once and then last.
   */
  public static final String REQUEST_TIMEOUT = "OPEN_PINCERY_REQUEST_TIMEOUT_SECONDS";

  /** The {@code code} of a request-timeout answer. */
  public static final String REQUEST_TIMEOUT_CODE = "request_timeout";

  private static final Pattern SAFE_ID = Pattern.compile("[A-Za-z0-9._:-]{1,64}");

  private HttpEdges() {}

  /** The idle timeout setting: 120 s by default, from 5 s to 1 hour. */
  public static Duration idleTimeout(Env env) {
    return env.seconds(IDLE_TIMEOUT, Duration.ofSeconds(120), 5, 3600);
  }

  /** The request timeout setting: 30 s by default, from 1 s to 10 minutes. */
  public static Duration requestTimeout(Env env) {
    return env.seconds(REQUEST_TIMEOUT, Duration.ofSeconds(30), 1, 600);
  }

  /** The message of a request-timeout answer. */
  public static String requestTimeoutMessage(Duration timeout) {
    return "no answer within "
        + timeout.toSeconds()
        + " s (the body did not arrive, or the server was too slow); a write may or may not"
        + " have taken effect";
  }

  /**
   * Server options with the codec ceiling and the idle timeout set; the caller adds its own (such
   * as compression). HTTP/1.1 only: a client's {@code Upgrade: h2c} is ignored (answered in
   * HTTP/1.1), because Vert.x's clear-text upgrade path was seen to leave some requests unanswered.
   */
  public static HttpServerOptions serverOptions(Duration idleTimeout) {
    return new HttpServerOptions()
        .setHttp2ClearTextEnabled(false)
        .setMaxInitialLineLength(CODEC_CEILING)
        .setMaxHeaderSize(CODEC_CEILING)
        .setIdleTimeoutUnit(TimeUnit.MILLISECONDS)
        .setIdleTimeout((int) idleTimeout.toMillis());
  }

  /**
   * Installs the edge on a server: every response gets an {@code X-Request-Id} (read it back from
   * the response headers); {@code next} (a router) sees only requests within the limits; the rest,
   * and what the codec refuses, get a JSON error.
   */
  public static void install(
      io.vertx.core.http.HttpServer server, Handler<HttpServerRequest> next) {
    server.requestHandler(
        request -> {
          // First of all, so that even what the router refuses before any route carries one.
          request.response().putHeader(REQUEST_ID, requestId(request));
          if (requestLineBytes(request) > MAX_REQUEST_LINE) {
            refuse(
                request,
                414,
                "uri_too_long",
                "the request line is longer than " + MAX_REQUEST_LINE + " bytes");
          } else if (headerBytes(request.headers()) > MAX_HEADER_BYTES) {
            refuse(
                request,
                431,
                "headers_too_large",
                "the request headers are larger than " + MAX_HEADER_BYTES + " bytes");
          } else {
            next.handle(request);
          }
        });
    server.invalidRequestHandler(HttpEdges::invalid);
  }

  /** A request the codec could not decode: too long a line or headers, or malformed. */
  static void invalid(HttpServerRequest request) {
    Throwable cause = request.decoderResult().cause();
    if (cause instanceof TooLongHttpLineException) {
      refuse(request, 414, "uri_too_long", "the request line is too long");
    } else if (cause instanceof TooLongHttpHeaderException) {
      refuse(request, 431, "headers_too_large", "the request headers are too large");
    } else {
      refuse(request, 400, "malformed_request", "the request is not valid HTTP/1.1");
    }
  }

  /**
   * Answers a request no handler will see and closes the connection: what follows on it cannot be
   * trusted to start where this request ended.
   */
  private static void refuse(HttpServerRequest request, int status, String code, String message) {
    HttpServerResponse response = request.response();
    if (response.headWritten()) {
      request.connection().close();
      return;
    }
    if (response.headers().get(REQUEST_ID) == null) {
      response.putHeader(REQUEST_ID, requestId(request));
    }
    response.putHeader("connection", "close");
    sendError(response, status, code, message).onComplete(ar -> request.connection().close());
  }

  /** The caller's own request id when short and plain, else a new one. */
  public static String requestId(HttpServerRequest request) {
    String given;
    try {
      given = request.getHeader(REQUEST_ID);
    } catch (RuntimeException e) {
      given = null; // the headers of an undecodable request may be unreadable
    }
    return given != null && SAFE_ID.matcher(given).matches() ? given : UUID.randomUUID().toString();
  }

  /** Ends {@code response} with {@code {"error":{"code","message"}}}. */
  public static io.vertx.core.Future<Void> sendError(
      HttpServerResponse response, int status, String code, String message) {
    return response
        .setStatusCode(status)
        .putHeader("content-type", "application/json")
        .end(
            new JsonObject()
                .put("error", new JsonObject().put("code", code).put("message", message))
                .encode());
  }

  static int requestLineBytes(HttpServerRequest request) {
    // "METHOD SP target SP HTTP/1.1"
    return request.method().name().length() + 1 + request.uri().length() + 1 + 8;
  }

  static int headerBytes(MultiMap headers) {
    int total = 0;
    for (Map.Entry<String, String> h : headers) {
      total += h.getKey().length() + 2 + h.getValue().length() + 2;
    }
    return total;
  }
}
