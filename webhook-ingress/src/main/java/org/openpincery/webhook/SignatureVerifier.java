package org.openpincery.webhook;

import io.vertx.core.MultiMap;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Checks a delivery's signature over the raw body bytes, with constant-time comparisons, against
 * each key that may verify it (the current secret, and the previous one during rotation grace).
 *
 * <ul>
 *   <li>{@code X-Webhook-Signature: sha256=<hex>} and {@code X-Signature} (the same, with or
 *       without the {@code sha256=} prefix): HMAC-SHA256 of the body keyed with the secret's bytes
 *   <li>{@code X-Hub-Signature-256: sha256=<hex>} (GitHub), the same HMAC
 *   <li>Standard Webhooks: {@code webhook-id}, {@code webhook-timestamp} and {@code
 *       webhook-signature: v1,<base64> [v1,<base64> …]} over {@code id.timestamp.body}; the key is
 *       the base64 part of a {@code whsec_} secret, else the secret's bytes or the secret read as
 *       base64 (as the Standard Webhooks and Svix libraries read it); a timestamp further than the
 *       tolerance from now is stale. Svix sends the same scheme under {@code svix-id}, {@code
 *       svix-timestamp} and {@code svix-signature}; each {@code webhook-} header is taken first,
 *       its {@code svix-} twin in its absence (as Svix's own libraries read them)
 * </ul>
 *
 * <p>A Standard Webhooks timestamp is whole seconds since the epoch ({@code -?[0-9]+}); anything
 * else is {@linkplain #unreadableTimestamp unreadable}, which the handler answers 400 before any
 * lookup. A readable one of any size is compared without overflow: a huge one is merely stale.
 */
final class SignatureVerifier {

  /** What the check found. */
  sealed interface Verdict {
    /** Signed by one of the keys. */
    record Valid(String scheme) implements Verdict {}

    /** Signed, but its timestamp is outside the tolerance (a replay, or a skewed clock). */
    record Stale(String scheme) implements Verdict {}

    /** Missing, malformed or wrong. */
    record Invalid() implements Verdict {}
  }

  private static final Pattern TIMESTAMP = Pattern.compile("-?[0-9]+");

  // More digits than this is further from now than any tolerance (at most a day) allows.
  private static final int MAX_TIMESTAMP_DIGITS = 15;

  private final Clock clock;
  private final Duration tolerance;

  SignatureVerifier(Clock clock, Duration tolerance) {
    this.clock = clock;
    this.tolerance = tolerance;
  }

  /** The first of the headers present: a {@code webhook-} name, then its {@code svix-} twin. */
  static String standardHeader(MultiMap headers, String suffix) {
    String v = headers.get("webhook-" + suffix);
    return v != null ? v : headers.get("svix-" + suffix);
  }

  /**
   * True when the delivery uses Standard Webhooks and its timestamp header is present but not whole
   * seconds: a malformed request, whoever it is for.
   */
  static boolean unreadableTimestamp(MultiMap headers) {
    if (standardHeader(headers, "signature") == null) {
      return false;
    }
    String timestamp = standardHeader(headers, "timestamp");
    return timestamp != null && !TIMESTAMP.matcher(timestamp.strip()).matches();
  }

  Verdict verify(MultiMap headers, byte[] body, List<String> secrets) {
    String standard = standardHeader(headers, "signature");
    if (standard != null) {
      String scheme = headers.contains("webhook-signature") ? "standard-webhooks" : "svix";
      return standardWebhooks(headers, body, secrets, standard, scheme);
    }
    String github = headers.get("X-Hub-Signature-256");
    if (github != null) {
      return hexHmac(github, body, secrets, "github");
    }
    String plain = headers.get("X-Webhook-Signature");
    if (plain == null) {
      plain = headers.get("X-Signature");
    }
    if (plain != null) {
      return hexHmac(plain, body, secrets, "hmac-sha256");
    }
    return new Verdict.Invalid();
  }

  private static Verdict hexHmac(String header, byte[] body, List<String> secrets, String scheme) {
    String hex = header.strip();
    if (hex.regionMatches(true, 0, "sha256=", 0, 7)) {
      hex = hex.substring(7);
    }
    byte[] given;
    try {
      given = HexFormat.of().parseHex(hex.toLowerCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      given = new byte[0];
    }
    boolean valid = false;
    for (String secret : secrets) {
      valid |= MessageDigest.isEqual(hmac(secret.getBytes(StandardCharsets.UTF_8), body), given);
    }
    return valid ? new Verdict.Valid(scheme) : new Verdict.Invalid();
  }

  private Verdict standardWebhooks(
      MultiMap headers, byte[] body, List<String> secrets, String signatures, String scheme) {
    String id = standardHeader(headers, "id");
    String timestamp = standardHeader(headers, "timestamp");
    if (id == null || timestamp == null) {
      return new Verdict.Invalid();
    }
    byte[] prefix = (id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8);
    byte[] signed = new byte[prefix.length + body.length];
    System.arraycopy(prefix, 0, signed, 0, prefix.length);
    System.arraycopy(body, 0, signed, prefix.length, body.length);
    List<byte[]> given = new ArrayList<>();
    for (String part : signatures.strip().split("\\s+")) {
      if (part.startsWith("v1,")) {
        try {
          given.add(Base64.getDecoder().decode(part.substring(3)));
        } catch (IllegalArgumentException e) {
          // a malformed entry matches nothing
        }
      }
    }
    boolean valid = false;
    for (String secret : secrets) {
      for (byte[] key : standardKeys(secret)) {
        byte[] expected = hmac(key, signed);
        for (byte[] g : given) {
          valid |= MessageDigest.isEqual(expected, g);
        }
      }
    }
    if (!valid) {
      return new Verdict.Invalid();
    }
    return withinTolerance(timestamp.strip())
        ? new Verdict.Valid(scheme)
        : new Verdict.Stale(scheme);
  }

  // Never Instant.ofEpochSecond on the sender's number: out of its range it throws.
  private boolean withinTolerance(String timestamp) {
    if (!TIMESTAMP.matcher(timestamp).matches()) {
      return false;
    }
    String digits =
        (timestamp.startsWith("-") ? timestamp.substring(1) : timestamp)
            .replaceFirst("^0+(?=.)", "");
    if (digits.length() > MAX_TIMESTAMP_DIGITS) {
      return false;
    }
    long seconds = Long.parseLong(timestamp);
    long skew = Math.abs(clock.instant().getEpochSecond() - seconds);
    return skew <= tolerance.toSeconds();
  }

  // Two keys per secret, always (the same work whatever the secret): a whsec_ secret's base64 part;
  // else the secret's bytes, and the secret read as base64 as the Standard Webhooks and Svix
  // libraries read an unprefixed secret (so a generated hex secret given to them verifies too).
  private static List<byte[]> standardKeys(String secret) {
    if (secret.startsWith("whsec_")) {
      byte[] key = base64OrBytes(secret.substring("whsec_".length()), secret);
      return List.of(key, key);
    }
    return List.of(secret.getBytes(StandardCharsets.UTF_8), base64OrBytes(secret, secret));
  }

  private static byte[] base64OrBytes(String base64, String secret) {
    try {
      byte[] key = Base64.getDecoder().decode(base64);
      if (key.length > 0) {
        return key;
      }
    } catch (IllegalArgumentException e) {
      // not base64 after all
    }
    return secret.getBytes(StandardCharsets.UTF_8);
  }

  static byte[] hmac(byte[] key, byte[] data) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key.length == 0 ? new byte[1] : key, "HmacSHA256"));
      return mac.doFinal(data);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }
}
