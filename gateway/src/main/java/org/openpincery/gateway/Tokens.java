package org.openpincery.gateway;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * Session, API and invitation tokens and secrets: 256 random bits as hex (API tokens prefixed
 * {@code pcy_}, invitations {@code inv_}); only SHA-256 digests are stored.
 */
final class Tokens {

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Pattern SESSION_TOKEN = Pattern.compile("[0-9a-f]{64}");
  private static final Pattern API_TOKEN = Pattern.compile("pcy_[0-9a-f]{64}");
  private static final Pattern INVITATION_TOKEN = Pattern.compile("inv_[0-9a-f]{64}");

  /** Prefix of API tokens, so that they are recognisable in a leaked file or a secret scanner. */
  static final String API_TOKEN_PREFIX = "pcy_";

  /** Prefix of invitation tokens. */
  static final String INVITATION_TOKEN_PREFIX = "inv_";

  private Tokens() {}

  static String newToken() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }

  static boolean looksLikeSessionToken(String token) {
    return SESSION_TOKEN.matcher(token).matches();
  }

  static boolean looksLikeApiToken(String token) {
    return API_TOKEN.matcher(token).matches();
  }

  static boolean looksLikeInvitationToken(String token) {
    return INVITATION_TOKEN.matcher(token).matches();
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
