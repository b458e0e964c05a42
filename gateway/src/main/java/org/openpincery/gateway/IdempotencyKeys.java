package org.openpincery.gateway;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Optional;
import org.openpincery.store.IdempotencyRepository.Outcome;
import org.openpincery.store.IdempotencyRepository.Scope;

/**
 * The {@code Idempotency-Key} request header (IETF draft-ietf-httpapi-idempotency-key-header): 1 to
 * 255 printable ASCII characters chosen by the client, the same on every retry of one request. A
 * key reused for a different request is refused with 422 {@code idempotency_key_reused}, as the
 * draft recommends.
 */
final class IdempotencyKeys {

  static final String HEADER = "Idempotency-Key";
  static final int MAX_LENGTH = 255;

  private IdempotencyKeys() {}

  /** The key, if the request carries one; a malformed one is a 400. */
  static Optional<String> of(RoutingContext ctx) {
    String key = ctx.request().getHeader(HEADER);
    if (key == null) {
      return Optional.empty();
    }
    if (key.isEmpty()
        || key.length() > MAX_LENGTH
        || !key.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
      throw new ApiError(
          400,
          "invalid_idempotency_key",
          HEADER + " must be 1 to " + MAX_LENGTH + " printable ASCII characters");
    }
    return Optional.of(key);
  }

  /** What identifies the request behind a key: SHA-256 of its content. */
  static byte[] fingerprint(String content) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(content.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  /**
   * What identifies a create behind a key: SHA-256 of its validated fields in order, as a JSON
   * array (so no two different field lists share an encoding).
   */
  static byte[] fingerprint(Object... fields) {
    return fingerprint(new JsonArray(Arrays.asList(fields)).encode());
  }

  /**
   * The scope of a key sent to {@code route} (e.g. {@code POST /api/agents}) by this session's
   * user.
   */
  static Scope scope(RoutingContext ctx, String route) {
    return new Scope(Authenticator.principal(ctx).userId(), route);
  }

  /**
   * Answers a create made through {@code IdempotencyRepository#createOnce}: the response made now,
   * the first response again with {@code Idempotent-Replayed: true}, or 422 for a reused key. A
   * failed create answers its error (nothing was kept under the key).
   */
  static void answer(RoutingContext ctx, Future<Outcome> outcome) {
    outcome
        .onSuccess(
            o -> {
              switch (o) {
                case Outcome.Created c ->
                    Responses.json(ctx, c.response().status(), c.response().body());
                case Outcome.Replayed r -> {
                  ctx.response().putHeader("Idempotent-Replayed", "true");
                  Responses.json(ctx, r.status(), r.body());
                }
                case Outcome.KeyReused k -> ctx.fail(reused());
              }
            })
        .onFailure(ctx::fail);
  }

  static ApiError reused() {
    return new ApiError(
        422,
        "idempotency_key_reused",
        "this " + HEADER + " was used for a different request; use a new key for a new request");
  }
}
