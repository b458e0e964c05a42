package org.openpincery.reasoner;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Any OpenAI-compatible chat-completions endpoint (OpenRouter, OpenAI, Ollama, vLLM).
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
    Buffer body = request.toJson().toBuffer();
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
                try {
                  done.complete(
                      new CallOutcome.Answered(
                          parse(resp.bodyAsJsonObject()), attempt, since(start)));
                } catch (RuntimeException e) {
                  done.complete(
                      new CallOutcome.Failed(
                          "malformed",
                          "the provider's answer is not a chat completion: " + safe(e.getMessage()),
                          status,
                          attempt,
                          since(start)));
                }
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

  static ChatResponse parse(JsonObject body) {
    JsonObject choice = body.getJsonArray("choices").getJsonObject(0);
    JsonObject message = choice.getJsonObject("message");
    List<ToolCall> calls = new ArrayList<>();
    JsonArray raw = message.getJsonArray("tool_calls");
    if (raw != null) {
      for (int i = 0; i < raw.size(); i++) {
        JsonObject c = raw.getJsonObject(i);
        JsonObject fn = c.getJsonObject("function");
        calls.add(
            new ToolCall(c.getString("id"), fn.getString("name"), fn.getString("arguments", "{}")));
      }
    }
    JsonObject usage = body.getJsonObject("usage", new JsonObject());
    return new ChatResponse(
        message.getString("content"),
        calls,
        choice.getString("finish_reason"),
        new Usage(usage.getInteger("prompt_tokens", 0), usage.getInteger("completion_tokens", 0)),
        body);
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
