package org.openpincery.webhook;

import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import org.openpincery.limits.RateLimiter;
import org.openpincery.model.StorableText;
import org.openpincery.store.WebhookRepository;
import org.openpincery.store.WebhookRepository.Keys;
import org.openpincery.store.WebhookRepository.Received;

/**
 * {@code POST /api/agents/:id/webhooks}: a delivery is verified over its raw bytes before anything
 * is parsed or written; a refused one gets the same answer, after the same work, whether the agent
 * exists, is disabled or was deleted (no oracle). A verified one is kept once per delivery id (or
 * body hash) as {@code webhook_received}, which wakes the agent; its content reaches the model as
 * untrusted input.
 */
final class WebhookHandler {

  // Headers worth keeping with the event.
  private static final List<String> KEPT_HEADERS =
      List.of(
          "Content-Type",
          "User-Agent",
          "X-GitHub-Event",
          "X-GitHub-Delivery",
          "X-Event-Type",
          "X-Idempotency-Key",
          "webhook-id",
          "webhook-timestamp",
          "svix-id",
          "svix-timestamp");
  private static final int MAX_SOURCE = 100;
  private static final int MAX_KEY = 200;

  private final WebhookRepository webhooks;
  private final SignatureVerifier verifier;
  private final RateLimiter perAgent;
  private final FailureLimiter failures;
  private final KeyCache keyCache;
  private final WebhookMetrics metrics;
  // Verifies deliveries to agents that have no keys, so that they cost what the others cost.
  private final String decoySecret;

  WebhookHandler(
      WebhookRepository webhooks, WebhookConfig config, MeterRegistry registry, Clock clock) {
    this.webhooks = webhooks;
    this.verifier = new SignatureVerifier(clock, config.tolerance());
    this.perAgent = new RateLimiter(config.perAgentPerMinute());
    this.failures = new FailureLimiter(config.failedPerClientPerMinute());
    this.keyCache = new KeyCache(config.keyCacheTtl());
    this.metrics = new WebhookMetrics(registry);
    byte[] random = new byte[32];
    new SecureRandom().nextBytes(random);
    this.decoySecret = HexFormat.of().formatHex(random);
  }

  void evictIdle() {
    perAgent.evictIdle();
    failures.evictIdle();
    keyCache.evictExpired();
  }

  /** The per-agent limit, before the body is read: a burst beyond it costs almost nothing. */
  void limit(RoutingContext ctx) {
    RateLimiter.Decision decision = perAgent.acquire(ctx.pathParam("id"));
    if (!decision.allowed()) {
      metrics.rejected("rate_limited");
      ctx.response().putHeader("Retry-After", Long.toString(decision.retryAfterSeconds()));
      error(ctx, 429, "rate_limited", "too many deliveries to this agent; retry later");
      return;
    }
    ctx.next();
  }

  // Keys come from a short cache; a delivery they do not verify is checked again against fresh
  // keys (a secret rotated a moment ago), so every refusal costs one lookup whether or not the
  // agent exists, and an agent with no keys is cached like one with keys. Lookups that end in a
  // refusal are limited per client (FailureLimiter); a malformed timestamp needs no lookup at all.
  void handle(RoutingContext ctx) {
    if (SignatureVerifier.unreadableTimestamp(ctx.request().headers())) {
      metrics.rejected("invalid_timestamp");
      error(
          ctx,
          400,
          "invalid_timestamp",
          "webhook-timestamp (or svix-timestamp) must be whole seconds since the Unix epoch");
      return;
    }
    UUID agentId = parseId(ctx.pathParam("id"));
    Buffer body = ctx.body().buffer() == null ? Buffer.buffer() : ctx.body().buffer();
    byte[] bytes = body.getBytes();
    String client = FailureLimiter.client(ctx.request());
    Optional<Optional<Keys>> cached = keyCache.get(agentId);
    if (cached.isPresent()) {
      SignatureVerifier.Verdict verdict = verify(ctx, bytes, cached.get());
      if (!(verdict instanceof SignatureVerifier.Verdict.Invalid)) {
        decided(ctx, agentId, bytes, cached.get(), verdict, client, FailureLimiter.NOT_PREPAID);
        return;
      }
    }
    FailureLimiter.Admission admission = failures.admit(client);
    if (admission instanceof FailureLimiter.Admission.Refused r) {
      tooManyFailures(ctx, r.retryAfterSeconds());
      return;
    }
    webhooks
        .keys(agentId)
        .onFailure(ctx::fail)
        .onSuccess(
            keys -> {
              keyCache.put(agentId, keys);
              decided(ctx, agentId, bytes, keys, verify(ctx, bytes, keys), client, admission);
            });
  }

  // A refusal after a lookup: 401, or 429 once the client's failures are over its limit. Neither
  // depends on the agent (no oracle).
  private void refused(RoutingContext ctx, String client, FailureLimiter.Admission admission) {
    Optional<Long> overLimit = failures.failed(client, admission);
    if (overLimit.isPresent()) {
      tooManyFailures(ctx, overLimit.get());
      return;
    }
    metrics.rejected("bad_signature");
    error(ctx, 401, "invalid_signature", "missing or invalid webhook signature");
  }

  private void tooManyFailures(RoutingContext ctx, long retryAfterSeconds) {
    metrics.rejected("too_many_failures");
    ctx.response().putHeader("Retry-After", Long.toString(retryAfterSeconds));
    error(
        ctx,
        429,
        "rate_limited",
        "too many refused deliveries from this address; fix the signature, then retry later");
  }

  private SignatureVerifier.Verdict verify(RoutingContext ctx, byte[] bytes, Optional<Keys> keys) {
    List<String> secrets = new ArrayList<>(2);
    keys.ifPresentOrElse(
        k -> {
          secrets.add(k.current());
          k.previous().ifPresent(secrets::add);
        },
        () -> secrets.add(decoySecret));
    return verifier.verify(ctx.request().headers(), bytes, secrets);
  }

  private void decided(
      RoutingContext ctx,
      UUID agentId,
      byte[] bytes,
      Optional<Keys> keys,
      SignatureVerifier.Verdict verdict,
      String client,
      FailureLimiter.Admission admission) {
    if (keys.isEmpty() || verdict instanceof SignatureVerifier.Verdict.Invalid) {
      refused(ctx, client, admission);
      return;
    }
    if (verdict instanceof SignatureVerifier.Verdict.Stale) {
      metrics.rejected("stale_timestamp");
      error(
          ctx,
          409,
          "stale_timestamp",
          "webhook-timestamp is outside the accepted window; send a fresh delivery");
      return;
    }
    String scheme = ((SignatureVerifier.Verdict.Valid) verdict).scheme();
    Delivery delivery = Delivery.of(ctx.request().headers(), bytes, scheme);
    Future<Received> received =
        webhooks.receive(
            agentId,
            delivery.dedupKey(),
            delivery.source(),
            delivery.content(),
            delivery.payload());
    received
        .onFailure(ctx::fail)
        .onSuccess(
            r -> {
              switch (r) {
                case Received.Accepted a -> {
                  metrics.accepted();
                  json(
                      ctx,
                      202,
                      new JsonObject()
                          .put("status", "accepted")
                          .put("event_id", a.eventId().toString())
                          .put("seq", a.seq()));
                }
                case Received.Duplicate d -> {
                  metrics.duplicate();
                  json(ctx, 200, new JsonObject().put("status", "duplicate"));
                }
                case Received.NotFound n -> refused(ctx, client, admission);
              }
            });
  }

  /**
   * What a verified delivery becomes: its dedup key, source, content and payload. Whatever its
   * bytes, it is kept losslessly and accepted (a sender retries a 5xx for days):
   *
   * <ul>
   *   <li>JSON that parses (a JSON type, or no type) is kept as JSON in {@code payload.body}; when
   *       a string or key in it holds U+0000 or an unpaired surrogate (e.g. <code>"&#92;ud800"
   *       </code>), the store keeps it escaped and names it in {@code payload.escaped} ({@link
   *       org.openpincery.model.NewEvent#storable}).
   *   <li>Text (a text type, or a JSON type that does not parse) that is well-formed UTF-8 is the
   *       content; a NUL in it is kept escaped the same way ({@code escaped: ["content"]}).
   *   <li>Text that is not well-formed UTF-8 keeps its bytes in {@code payload.body_base64} with
   *       {@code payload.encoding: "base64"}; the content is a readable view of them ({@link
   *       StorableText#escapedView}) and {@code escaped} names it.
   *   <li>Any other type keeps its bytes in {@code body_base64} the same way, and the content says
   *       what it is.
   * </ul>
   */
  record Delivery(String dedupKey, String source, String content, JsonObject payload) {

    static Delivery of(MultiMap headers, byte[] body, String scheme) {
      String deliveryId =
          firstPresent(headers, "X-Idempotency-Key", "webhook-id", "svix-id", "X-GitHub-Delivery");
      String key =
          deliveryId == null
              ? "sha256:" + HexFormat.of().formatHex(sha256(body))
              : StorableText.longerThan(deliveryId, MAX_KEY) || !StorableText.isStorable(deliveryId)
                  ? "sha256:"
                      + HexFormat.of()
                          .formatHex(sha256(deliveryId.getBytes(StandardCharsets.UTF_8)))
                  : "id:" + deliveryId;
      String contentType = headers.get("Content-Type");
      String type =
          contentType == null ? "" : contentType.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
      JsonObject kept = new JsonObject();
      for (String h : KEPT_HEADERS) {
        String v = headers.get(h);
        if (v != null) {
          kept.put(h.toLowerCase(Locale.ROOT), v);
        }
      }
      JsonObject payload =
          new JsonObject()
              .put("scheme", scheme)
              .put("content_type", type.isEmpty() ? null : type)
              .put("size", body.length)
              .put("headers", kept)
              .put("delivery_id", deliveryId);
      String content = null;
      String source = null;
      Object json = null;
      // Strictly: a lenient decoder would turn ill-formed bytes into U+FFFD and lose them.
      Optional<String> text = StorableText.decodeUtf8(body);
      boolean jsonType =
          type.equals("application/json") || type.endsWith("+json") || type.isEmpty();
      if (jsonType && text.isPresent()) {
        try {
          json = Json.decodeValue(text.get());
        } catch (DecodeException e) {
          json = null;
        }
      }
      if (json != null) {
        payload.put("body", json);
        if (json instanceof JsonObject o && o.getValue("source") instanceof String s) {
          source = s;
        }
      } else if (jsonType || isText(type)) {
        if (text.isPresent()) {
          content = text.get();
        } else {
          content = StorableText.escapedView(body);
          keepBytes(payload, body).put("escaped", new JsonArray().add("content"));
        }
      } else {
        content =
            "(a " + type + " body of " + body.length + " bytes, kept as base64 in the payload)";
        keepBytes(payload, body);
      }
      if (source == null) {
        source = headers.get("User-Agent");
      }
      return new Delivery(key, clean(source), content, payload);
    }

    private static JsonObject keepBytes(JsonObject payload, byte[] body) {
      return payload
          .put("encoding", "base64")
          .put("body_base64", Base64.getEncoder().encodeToString(body));
    }

    private static boolean isText(String type) {
      return type.startsWith("text/")
          || type.equals("application/x-www-form-urlencoded")
          || type.endsWith("+xml")
          || type.equals("application/xml");
    }

    // One line, printable, short: it appears in the model's label for the input.
    private static String clean(String source) {
      if (source == null || source.isBlank()) {
        return "webhook";
      }
      String s = source.replaceAll("[\\p{Cntrl}\\[\\]<>]", " ").strip();
      if (s.isEmpty()) {
        return "webhook";
      }
      // A label, not a record: an unpaired surrogate is shown escaped, and the cut never splits a
      // pair.
      return StorableText.truncate(
          StorableText.isStorable(s) ? s : StorableText.escape(s), MAX_SOURCE);
    }

    private static String firstPresent(MultiMap headers, String... names) {
      for (String n : names) {
        String v = headers.get(n);
        if (v != null && !v.isBlank()) {
          return v.strip();
        }
      }
      return null;
    }
  }

  private static byte[] sha256(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(data);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  // An id that is not a UUID is looked up as a random one: it costs the same and finds nothing.
  private static UUID parseId(String raw) {
    try {
      return UUID.fromString(raw);
    } catch (IllegalArgumentException | NullPointerException e) {
      return UUID.randomUUID();
    }
  }

  private static void json(RoutingContext ctx, int status, JsonObject body) {
    ctx.response()
        .setStatusCode(status)
        .putHeader("content-type", "application/json")
        .putHeader("cache-control", "no-store")
        .end(body.encode());
  }

  private static void error(RoutingContext ctx, int status, String code, String message) {
    json(
        ctx,
        status,
        new JsonObject().put("error", new JsonObject().put("code", code).put("message", message)));
  }
}
