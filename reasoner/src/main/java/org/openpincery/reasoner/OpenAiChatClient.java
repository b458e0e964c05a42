package org.openpincery.reasoner;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Any OpenAI-compatible chat-completions endpoint (OpenRouter, OpenAI, Ollama, vLLM, llama.cpp's
 * server, LiteLLM). Answers are read tolerantly ({@link CompletionParser}).
 *
 * <p>Each attempt has a hard timeout. Only transport errors, timeouts, 429 and 5xx are retried, at
 * most {@code maxRetries} times, after {@code Retry-After} when the server sends one (up to a
 * bound; longer means fail now) or else a jittered exponential backoff. Any other 4xx is the
 * request's fault and is never retried.
 */
public final class OpenAiChatClient implements ChatClient {

  private static final long BASE_BACKOFF_MS = 250;
  private static final long MAX_BACKOFF_MS = 8_000;

  private final Vertx vertx;
  private final ReasonerConfig config;
  private final WebClient client;
  private final String path;

  public OpenAiChatClient(Vertx vertx, ReasonerConfig config) {
    this.vertx = vertx;
    this.config = config;
    var url = config.baseUrl();
    boolean tls = url.getScheme().equals("https");
    this.client =
        WebClient.create(
            vertx,
            new WebClientOptions()
                .setDefaultHost(url.getHost())
                .setDefaultPort(url.getPort() != -1 ? url.getPort() : tls ? 443 : 80)
                .setSsl(tls)
                .setUserAgent("open-pincery")
                .setKeepAlive(true),
            new PoolOptions().setHttp1MaxSize(config.maxConnections()));
    this.path = (url.getRawPath() == null ? "" : url.getRawPath()) + "/chat/completions";
  }

  @Override
  public String describe() {
    return config.baseUrl() + " (" + config.model() + ")";
  }

  @Override
  public Future<CallOutcome> complete(ChatRequest request) {
    Promise<CallOutcome> done = Promise.promise();
    Buffer body = request.body();
    attempt(body, 1, System.nanoTime(), done);
    return done.future();
  }

  private void attempt(Buffer body, int attempt, long start, Promise<CallOutcome> done) {
    client
        .post(path)
        .timeout(config.timeout().toMillis())
        .putHeader("Authorization", "Bearer " + config.apiKey().orElse(""))
        .putHeader("Content-Type", "application/json")
        .sendBuffer(body)
        .onComplete(
            ar -> {
              if (ar.failed()) {
                boolean timedOut =
                    ar.cause() instanceof java.util.concurrent.TimeoutException
                        || String.valueOf(ar.cause().getMessage()).contains("timeout");
                retryOrFail(
                    body,
                    attempt,
                    start,
                    done,
                    timedOut ? "timeout" : "transport",
                    safe(ar.cause().getMessage()),
                    0,
                    null);
                return;
              }
              HttpResponse<Buffer> resp = ar.result();
              int status = resp.statusCode();
              if (status == 429) {
                retryOrFail(
                    body,
                    attempt,
                    start,
                    done,
                    "rate_limited",
                    "the provider answered 429",
                    status,
                    resp.getHeader("Retry-After"));
              } else if (status >= 500) {
                retryOrFail(
                    body,
                    attempt,
                    start,
                    done,
                    "server_error",
                    "the provider answered " + status,
                    status,
                    resp.getHeader("Retry-After"));
              } else if (status >= 400) {
                done.complete(
                    new CallOutcome.Failed(
                        "client_error",
                        "the provider answered " + status + ": " + snippet(resp.bodyAsString()),
                        status,
                        attempt,
                        since(start)));
              } else {
                done.complete(read(resp.body(), status, attempt, start));
              }
            });
  }

  private void retryOrFail(
      Buffer body,
      int attempt,
      long start,
      Promise<CallOutcome> done,
      String kind,
      String message,
      int status,
      String retryAfter) {
    if (attempt > config.maxRetries()) {
      done.complete(
          new CallOutcome.Failed(
              kind, message + " (after " + attempt + " attempts)", status, attempt, since(start)));
      return;
    }
    Long wait = retryAfterMillis(retryAfter);
    if (wait != null && wait > config.maxRetryWait().toMillis()) {
      done.complete(
          new CallOutcome.Failed(
              kind,
              message + "; Retry-After " + retryAfter + " is longer than we wait",
              status,
              attempt,
              since(start)));
      return;
    }
    long delay = wait != null ? wait : backoff(attempt);
    vertx.setTimer(Math.max(1, delay), t -> attempt(body, attempt + 1, start, done));
  }

  /** Full jitter between half and all of the capped exponential step. */
  static long backoff(int attempt) {
    long step = Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS << Math.min(attempt - 1, 16));
    return step / 2 + ThreadLocalRandom.current().nextLong(step / 2 + 1);
  }

  /** Retry-After as delta-seconds or an HTTP date; null when absent or unreadable. */
  static Long retryAfterMillis(String header) {
    if (header == null || header.isBlank()) {
      return null;
    }
    try {
      return Math.max(0, Long.parseLong(header.strip())) * 1000;
    } catch (NumberFormatException e) {
      try {
        ZonedDateTime at =
            ZonedDateTime.parse(header.strip(), DateTimeFormatter.RFC_1123_DATE_TIME);
        return Math.max(0, Duration.between(ZonedDateTime.now(at.getZone()), at).toMillis());
      } catch (RuntimeException e2) {
        return null;
      }
    }
  }

  /** Reads an answer tolerantly; see {@link CompletionParser}. */
  static ChatResponse parse(JsonObject body) {
    return CompletionParser.parse(body);
  }

  // A 200 whose body is not a chat completion: failed as malformed, with the body's size kept
  // for the estimate it is charged.
  private static CallOutcome read(Buffer body, int status, int attempt, long start) {
    String why;
    try {
      JsonObject json = body == null || body.length() == 0 ? null : body.toJsonObject();
      return new CallOutcome.Answered(parse(json), attempt, since(start));
    } catch (CompletionParser.Malformed | DecodeException e) {
      why = safe(e.getMessage());
    } catch (ClassCastException e) {
      why = "the body is JSON but not an object";
    }
    return new CallOutcome.Failed(
        "malformed",
        "the provider's answer is not a chat completion: " + why,
        status,
        attempt,
        since(start),
        body == null ? 0 : body.length());
  }

  private static Duration since(long start) {
    return Duration.ofNanos(System.nanoTime() - start);
  }

  private static String snippet(String s) {
    return s == null ? "" : s.length() > 300 ? s.substring(0, 300) + "…" : s;
  }

  private static String safe(String s) {
    return s == null ? "no detail" : s;
  }
}
