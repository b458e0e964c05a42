package org.openpincery.gateway;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.math.BigDecimal;
import java.util.Optional;
import java.util.Set;
import org.openpincery.model.PermissionMode;
import org.openpincery.model.StorableText;

/**
 * Strict reading of JSON request bodies: the right content type, well-formed UTF-8, an object, only
 * known fields, each of the right type. Every violation is a 4xx {@link ApiError} naming the field.
 * Text that PostgreSQL cannot store (U+0000, an unpaired surrogate such as the escape <code>
 * "&#92;ud800"</code>) is refused as {@code 400 invalid_text}; lengths count characters (code
 * points), as OpenAPI's {@code maxLength} does.
 */
final class Bodies {

  private Bodies() {}

  /** The body as an object; {@code required=false} lets an empty body stand for {}. */
  static JsonObject object(RoutingContext ctx, Set<String> allowed, boolean required) {
    Buffer raw = ctx.body() == null ? null : ctx.body().buffer();
    if (raw == null || raw.length() == 0) {
      if (required) {
        throw ApiError.badRequest("a JSON object body is required");
      }
      return new JsonObject();
    }
    String type = ctx.request().getHeader("content-type");
    if (type == null
        || !type.toLowerCase(java.util.Locale.ROOT).strip().startsWith("application/json")) {
      throw new ApiError(415, "unsupported_media_type", "send the body as application/json");
    }
    // Decoded strictly first: the JSON parser takes some ill-formed UTF-8 (an encoded surrogate)
    // without complaint, and what it makes of it PostgreSQL refuses.
    String text =
        StorableText.decodeUtf8(raw.getBytes())
            .orElseThrow(
                () -> new ApiError(400, "invalid_text", "the body is not well-formed UTF-8"));
    Object value;
    try {
      value = Json.decodeValue(text);
    } catch (DecodeException e) {
      throw new ApiError(400, "invalid_json", "the body is not valid JSON");
    }
    if (!(value instanceof JsonObject object)) {
      throw ApiError.badRequest("the body must be a JSON object");
    }
    for (String field : object.fieldNames()) {
      if (!allowed.contains(field)) {
        throw ApiError.badRequest(
            "unknown field '"
                + field
                + "' (allowed: "
                + String.join(", ", allowed.stream().sorted().toList())
                + ")");
      }
    }
    return object;
  }

  /**
   * An optional string field, trimmed of nothing, checked for storable text, length (in code
   * points) and control characters.
   */
  static Optional<String> string(JsonObject body, String field, int maxLength, boolean multiline) {
    if (!body.containsKey(field) || body.getValue(field) == null) {
      return Optional.empty();
    }
    if (!(body.getValue(field) instanceof String s)) {
      throw ApiError.badRequest("'" + field + "' must be a string");
    }
    storable(field, s);
    if (StorableText.longerThan(s, maxLength)) {
      throw ApiError.badRequest("'" + field + "' is longer than " + maxLength + " characters");
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean allowedWhitespace = multiline && (c == '\n' || c == '\r' || c == '\t');
      if ((c < 0x20 || c == 0x7f) && !allowedWhitespace) {
        throw ApiError.badRequest("'" + field + "' contains a control character");
      }
    }
    return Optional.of(s);
  }

  /** Refuses text PostgreSQL cannot store: 400 {@code invalid_text} naming the field and why. */
  static void storable(String field, String s) {
    StorableText.problem(s)
        .ifPresent(
            problem -> {
              throw new ApiError(400, "invalid_text", "'" + field + "' contains " + problem);
            });
  }

  static String requiredString(JsonObject body, String field, int maxLength, boolean multiline) {
    return string(body, field, maxLength, multiline)
        .orElseThrow(() -> ApiError.badRequest("'" + field + "' is required"));
  }

  /** An optional whole number from {@code min} to {@code max}; JSON null counts as absent. */
  static Optional<Long> wholeNumber(JsonObject body, String field, long min, long max) {
    if (!body.containsKey(field) || body.getValue(field) == null) {
      return Optional.empty();
    }
    Object value = body.getValue(field);
    if (!(value instanceof Integer || value instanceof Long)
        || ((Number) value).longValue() < min
        || ((Number) value).longValue() > max) {
      throw ApiError.badRequest(
          "'" + field + "' must be a whole number from " + min + " to " + max);
    }
    return Optional.of(((Number) value).longValue());
  }

  /** A role field: one of owner, admin, operator, viewer. */
  static Optional<org.openpincery.model.Role> role(JsonObject body, String field) {
    if (!body.containsKey(field)) {
      return Optional.empty();
    }
    if (!(body.getValue(field) instanceof String s)
        || org.openpincery.model.Role.parse(s).isEmpty()) {
      throw ApiError.badRequest("'" + field + "' must be one of owner, admin, operator, viewer");
    }
    return org.openpincery.model.Role.parse(s);
  }

  /**
   * {@code raw} as a UUID when it is one in its canonical 36-character form (any case); empty for
   * null, another form ({@link java.util.UUID#fromString} also takes short groups) or anything
   * else.
   */
  static Optional<java.util.UUID> uuid(String raw) {
    if (raw == null) {
      return Optional.empty();
    }
    try {
      java.util.UUID id = java.util.UUID.fromString(raw);
      return id.toString().equalsIgnoreCase(raw) ? Optional.of(id) : Optional.empty();
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /** A UUID path parameter; 400 {@code invalid_id} naming what it identifies otherwise. */
  static java.util.UUID pathId(io.vertx.ext.web.RoutingContext ctx, String param, String what) {
    return uuid(ctx.pathParam(param))
        .orElseThrow(() -> new ApiError(400, "invalid_id", "the " + what + " id must be a UUID"));
  }

  /**
   * A permission mode field: {@code locked}, {@code supervised} or {@code autonomous}; absent (or
   * JSON null) leaves it alone.
   */
  static Optional<PermissionMode> permissionMode(JsonObject body, String field) {
    if (!body.containsKey(field) || body.getValue(field) == null) {
      return Optional.empty();
    }
    if (!(body.getValue(field) instanceof String s) || PermissionMode.fromWire(s).isEmpty()) {
      throw ApiError.badRequest("'" + field + "' must be one of locked, supervised, autonomous");
    }
    return PermissionMode.fromWire(s);
  }

  static Optional<Boolean> bool(JsonObject body, String field) {
    if (!body.containsKey(field)) {
      return Optional.empty();
    }
    if (!(body.getValue(field) instanceof Boolean b)) {
      throw ApiError.badRequest("'" + field + "' must be true or false");
    }
    return Optional.of(b);
  }

  /**
   * A budget in dollars: absent = leave alone; JSON null = explicitly unlimited; a non-negative
   * number with at most 6 decimals otherwise.
   */
  static Optional<Optional<BigDecimal>> budget(JsonObject body, String field) {
    if (!body.containsKey(field)) {
      return Optional.empty();
    }
    Object value = body.getValue(field);
    if (value == null) {
      return Optional.of(Optional.empty());
    }
    if (!(value instanceof Number n)) {
      throw ApiError.badRequest(
          "'" + field + "' must be a number of dollars, or null for unlimited");
    }
    BigDecimal amount;
    try {
      amount = new BigDecimal(n.toString());
    } catch (NumberFormatException e) {
      throw ApiError.badRequest("'" + field + "' must be a finite number");
    }
    if (amount.signum() < 0
        || amount.stripTrailingZeros().scale() > 6
        || amount.compareTo(new BigDecimal("1000000000")) >= 0) {
      throw ApiError.badRequest(
          "'" + field + "' must be from 0 to 999999999 with at most 6 decimals");
    }
    return Optional.of(Optional.of(amount));
  }
}
