package org.openpincery.pcy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;

/**
 * The operator API over HTTP/1.1. Every answer that is not 2xx becomes a {@link PcyException}
 * carrying the server's error message ({@code {"error": {"code", "message"}}}) and the exit code
 * for its kind: 401 auth (3), 403 forbidden (6), 404 not found (4), 400 usage (2), 5xx and anything
 * that is not the API's JSON server (5), other 4xx failure (1: 409 conflict, 410 gone, 429). An
 * unreachable server is 5.
 */
final class Api {

  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration STREAM_HEADERS_TIMEOUT = Duration.ofSeconds(10);

  // The process's clients, shut down before it exits (set by main only, so in-process runs in
  // tests keep nothing): a client's selector thread still waiting in epoll at System.exit holds
  // the exit for up to 300 ms, as HotSpot waits for threads in native code — half of a short run.
  private static volatile Set<HttpClient> closeAtExit;

  private final String base;
  private final String token;
  private final boolean sessionFromConfig;
  private final String tokenFrom;
  private final HttpClient http;

  /**
   * @param base the server's URL without a trailing slash
   * @param token the session token, or null
   * @param sessionFromConfig whether the token is a kept session (a 401 then says to log in again)
   */
  Api(String base, String token, boolean sessionFromConfig) {
    this(base, token, sessionFromConfig, null);
  }

  /**
   * @param tokenFrom where a token given for this run came from ({@code --token}, {@code
   *     PCY_TOKEN}, {@code OPEN_PINCERY_TOKEN}; a 401 names it), or null for a kept session or none
   */
  Api(String base, String token, boolean sessionFromConfig, String tokenFrom) {
    this.base = base;
    this.token = token;
    this.sessionFromConfig = sessionFromConfig;
    this.tokenFrom = tokenFrom;
    HttpClient.Builder builder =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10));
    if (base.startsWith("http:")) {
      // Plain HTTP needs no TLS, but the client builds its default SSL context anyway, which
      // loads and parses the JDK's CA certificates: a third of a short run's start-up.
      builder.sslContext(noTls());
    }
    this.http = builder.build();
    Set<HttpClient> tracked = closeAtExit;
    if (tracked != null) {
      tracked.add(http);
    }
  }

  /** From now on, clients are kept for {@link #closeAll} (the process's main). */
  static void closeAtExit() {
    closeAtExit = ConcurrentHashMap.newKeySet();
  }

  /** Shuts the kept clients down and waits briefly for their threads to end. */
  static void closeAll() {
    Set<HttpClient> tracked = closeAtExit;
    if (tracked == null) {
      return;
    }
    for (HttpClient client : tracked) {
      client.shutdownNow();
      try {
        client.awaitTermination(Duration.ofMillis(200));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private static SSLContext noTls() {
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(new KeyManager[0], new TrustManager[0], null);
      return context;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  String base() {
    return base;
  }

  boolean hasSession() {
    return token != null;
  }

  /** A URL the server gave as a path ({@code webhook_url} without a public URL) made absolute. */
  String absolute(String link) {
    return link.startsWith("/") ? base + link : link;
  }

  /** Normalises a URL the user gave: http(s), a host, no trailing slash; else exit 5. */
  static String normalise(String url) {
    String trimmed = url.strip();
    while (trimmed.endsWith("/")) {
      trimmed = trimmed.substring(0, trimmed.length() - 1);
    }
    try {
      URI uri = new URI(trimmed);
      if (uri.getScheme() == null
          || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))
          || uri.getHost() == null) {
        throw new URISyntaxException(url, "not an http(s) URL with a host");
      }
    } catch (URISyntaxException e) {
      throw new PcyException(
          PcyException.SERVER, "wrong URL '" + url + "': give http(s)://host[:port]");
    }
    return trimmed;
  }

  JsonNode get(String path) {
    return call("GET", path, null, Map.of());
  }

  JsonNode post(String path, JsonNode body) {
    return call("POST", path, body, Map.of());
  }

  JsonNode patch(String path, JsonNode body) {
    return call("PATCH", path, body, Map.of());
  }

  JsonNode put(String path, JsonNode body) {
    return call("PUT", path, body, Map.of());
  }

  JsonNode delete(String path) {
    return call("DELETE", path, null, Map.of());
  }

  /**
   * One request with the session (or {@code headers}' own Authorization); the answer's JSON, or an
   * empty object for an empty body (204).
   */
  JsonNode call(String method, String path, JsonNode body, Map<String, String> headers) {
    HttpResponse<String> response = send(method, path, body, headers);
    if (response.statusCode() / 100 != 2) {
      throw error(
          response.statusCode(),
          response.body(),
          response.headers().firstValue("Retry-After").orElse(null));
    }
    if (response.body().isEmpty()) {
      return Json.object();
    }
    return parse(response.body(), response.statusCode());
  }

  /** One request whose status the caller judges (readiness answers 503 with a body). */
  HttpResponse<String> send(
      String method, String path, JsonNode body, Map<String, String> headers) {
    HttpRequest.Builder request = request(path).timeout(REQUEST_TIMEOUT);
    if (body == null) {
      request.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      request
          .header("Content-Type", "application/json")
          .method(method, HttpRequest.BodyPublishers.ofString(Json.compact(body)));
    }
    headers.forEach(request::setHeader);
    try {
      return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw unreachable(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw PcyException.failure("interrupted");
    }
  }

  /** Opens a response body as a stream (the event stream); the caller closes it. */
  HttpResponse<InputStream> open(String path, Map<String, String> headers)
      throws IOException, InterruptedException {
    // The stream answers its headers at once; a connection that does not is retried soon.
    HttpRequest.Builder request = request(path).timeout(STREAM_HEADERS_TIMEOUT).GET();
    headers.forEach(request::setHeader);
    return http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
  }

  private HttpRequest.Builder request(String path) {
    HttpRequest.Builder request;
    try {
      request = HttpRequest.newBuilder(URI.create(base + path));
    } catch (IllegalArgumentException e) {
      throw new PcyException(PcyException.SERVER, "wrong URL '" + base + "': " + e.getMessage());
    }
    request.header("Accept", "application/json").header("User-Agent", "pcy/" + Pcy.VERSION);
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return request;
  }

  PcyException unreachable(IOException e) {
    String why;
    if (e instanceof HttpConnectTimeoutException) {
      why = "connection timed out";
    } else if (e instanceof HttpTimeoutException) {
      why = "no answer within " + REQUEST_TIMEOUT.toSeconds() + " s";
    } else if (e instanceof ConnectException c) {
      why =
          c.getCause() instanceof UnresolvedAddressException
              ? "unknown host"
              : "connection refused";
    } else {
      why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
    return new PcyException(
        PcyException.SERVER,
        "cannot reach " + base + " (" + why + "): is it running? (--url or OPEN_PINCERY_URL)");
  }

  /** The exception for a non-2xx answer. */
  PcyException error(int status, String body, String retryAfter) {
    String code = null;
    String message = null;
    try {
      JsonNode json = Json.parse(body);
      JsonNode error = json == null ? null : json.get("error");
      if (error != null && error.isObject()) {
        code = Json.text(error, "code");
        message = Json.text(error, "message");
      } else if (error != null && error.isTextual()) {
        message = error.asText();
      }
    } catch (IOException notJson) {
      // below
    }
    if (message == null) {
      return new PcyException(
          PcyException.SERVER,
          "HTTP "
              + status
              + " from "
              + base
              + " without the API's JSON error: is it an Open"
              + " Pincery server? (--url or OPEN_PINCERY_URL)");
    }
    String text = message + (code == null || code.isEmpty() ? "" : " (" + code + ")");
    return switch (status) {
      case 401 ->
          new PcyException(
              PcyException.AUTH,
              text
                  + (tokenFrom != null
                      ? ": the token from "
                          + tokenFrom
                          + " was refused by "
                          + base
                          + " (revoked, expired or unknown)"
                      : token == null
                          ? ": not logged in to " + base + "; run 'pcy login --bootstrap-token T'"
                          : sessionFromConfig
                              ? ": the session kept for "
                                  + base
                                  + " has expired or was revoked (logged out, or removed from"
                                  + " the workspace); sign in again: 'pcy login --bootstrap-token"
                                  + " T', or 'pcy accept' a new invitation"
                              : ""));
      // "forbidden: ... needs role admin; you are operator" (the code is the prefix already).
      case 403 ->
          new PcyException(
              PcyException.FORBIDDEN,
              "forbidden".equals(code) ? "forbidden: " + message : "forbidden: " + text);
      case 404 -> new PcyException(PcyException.NOT_FOUND, text);
      case 400 -> new PcyException(PcyException.USAGE, text);
      case 429 ->
          new PcyException(
              PcyException.FAILURE,
              text + (retryAfter == null ? "" : "; retry after " + retryAfter + " s"));
      default -> new PcyException(status >= 500 ? PcyException.SERVER : PcyException.FAILURE, text);
    };
  }

  private JsonNode parse(String body, int status) {
    try {
      return Json.parse(body);
    } catch (IOException e) {
      throw new PcyException(
          PcyException.SERVER,
          "HTTP " + status + " from " + base + " is not JSON: is it an Open Pincery server?");
    }
  }
}
