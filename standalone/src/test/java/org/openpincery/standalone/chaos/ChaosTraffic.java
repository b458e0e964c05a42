package org.openpincery.standalone.chaos;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The clients of the chaos run: messages with an {@code Idempotency-Key} and signed webhooks with a
 * delivery id, each retried with the same key until it is acknowledged (a lost answer, a refused
 * connection, a 503 while PostgreSQL restarts). Every answer is recorded with the moment its
 * attempt was sent.
 */
final class ChaosTraffic {

  /** One answer (status -1: no answer, the connection failed or timed out). */
  record Answer(String kind, String key, int attempt, long sentAtMillis, int status) {}

  private static final int MAX_ATTEMPTS = 120;

  final List<Answer> answers = new CopyOnWriteArrayList<>();
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
  private final int gatewayPort;
  private final int webhookPort;
  private final String session;

  ChaosTraffic(int gatewayPort, int webhookPort, String session) {
    this.gatewayPort = gatewayPort;
    this.webhookPort = webhookPort;
    this.session = session;
  }

  /** Sends a person's message to an agent; completes with the acknowledging status. */
  CompletableFuture<Integer> message(String agentId, String key, String content) {
    String body = new io.vertx.core.json.JsonObject().put("content", content).encode();
    return send(
        "message",
        key,
        () ->
            HttpRequest.newBuilder(
                    URI.create(
                        "http://127.0.0.1:" + gatewayPort + "/api/agents/" + agentId + "/messages"))
                .timeout(Duration.ofSeconds(15))
                .header("Authorization", "Bearer " + session)
                .header("content-type", "application/json")
                .header("Idempotency-Key", key)
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
        1);
  }

  /** Delivers a webhook signed with the agent's secret; the key is its delivery id. */
  CompletableFuture<Integer> webhook(String agentId, String secret, String key, String token) {
    byte[] body =
        new io.vertx.core.json.JsonObject()
            .put("source", "chaos-sender")
            .put("token", token)
            .encode()
            .getBytes(StandardCharsets.UTF_8);
    String signature = "sha256=" + HexFormat.of().formatHex(hmac(secret, body));
    return send(
        "webhook",
        key,
        () ->
            HttpRequest.newBuilder(
                    URI.create(
                        "http://127.0.0.1:" + webhookPort + "/api/agents/" + agentId + "/webhooks"))
                .timeout(Duration.ofSeconds(15))
                .header("content-type", "application/json")
                .header("X-Webhook-Signature", signature)
                .header("X-Idempotency-Key", key)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build(),
        1);
  }

  private CompletableFuture<Integer> send(
      String kind, String key, java.util.function.Supplier<HttpRequest> request, int attempt) {
    long sentAt = System.currentTimeMillis();
    return http.sendAsync(request.get(), HttpResponse.BodyHandlers.discarding())
        .handle((r, error) -> r == null ? -1 : r.statusCode())
        .thenCompose(
            status -> {
              answers.add(new Answer(kind, key, attempt, sentAt, status));
              if (status >= 200 && status < 300) {
                return CompletableFuture.completedFuture(status);
              }
              if (attempt >= MAX_ATTEMPTS || (status >= 400 && status < 500 && status != 429)) {
                return CompletableFuture.completedFuture(status);
              }
              // A retry with the same key, a little later each time (at most a second apart).
              long backoff = Math.min(1000, 100L * attempt);
              return CompletableFuture.supplyAsync(
                      () -> null, CompletableFuture.delayedExecutor(backoff, TimeUnit.MILLISECONDS))
                  .thenCompose(x -> send(kind, key, request, attempt + 1));
            });
  }

  private static byte[] hmac(String secret, byte[] body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return mac.doFinal(body);
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
