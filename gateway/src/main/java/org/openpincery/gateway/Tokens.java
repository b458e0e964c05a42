package org.openpincery.gateway;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.regex.Pattern;

/** Session tokens and secrets: 256 random bits as hex; only SHA-256 digests are stored. */
final class Tokens {

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Pattern SESSION_TOKEN = Pattern.compile("[0-9a-f]{64}");

  private Tokens() {}

  static String newToken() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }

  static boolean looksLikeSessionToken(String token) {
    return SESSION_TOKEN.matcher(token).matches();
  }

  static byte[] sha256(String value) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is always present", e);
    }
  }

  /** Compares in time independent of where the inputs differ (and of their lengths). */
  static boolean constantTimeEquals(String presented, String expected) {
    return MessageDigest.isEqual(sha256(presented), sha256(expected));
  }
}
