package org.openpincery.http;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Outbound notifications' signing and URLs, per the Standard Webhooks specification
 * (https://www.standardwebhooks.com): a secret is {@code whsec_} + base64 of random bytes; a
 * request carries {@code webhook-id}, {@code webhook-timestamp} (Unix seconds) and {@code
 * webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body" under the decoded secret>}.
 */
public final class StandardWebhooks {

  /** The prefix of a secret. */
  public static final String SECRET_PREFIX = "whsec_";

  /** Random bytes in a new secret (the specification asks for 24 to 64). */
  public static final int SECRET_BYTES = 32;

  private static final SecureRandom RANDOM = new SecureRandom();
  // An IPv4 literal in 127.0.0.0/8, not any name that starts with "127." (127.example.com).
  private static final Pattern LOOPBACK_V4 = Pattern.compile("127(\\.\\d{1,3}){3}");

  private StandardWebhooks() {}

  /** A new random secret. */
  public static String newSecret() {
    byte[] key = new byte[SECRET_BYTES];
    RANDOM.nextBytes(key);
    return SECRET_PREFIX + Base64.getEncoder().encodeToString(key);
  }

  /** The {@code webhook-signature} header's value for one attempt. */
  public static String signature(String secret, String id, long timestampSeconds, String body) {
    if (!secret.startsWith(SECRET_PREFIX)) {
      throw new IllegalArgumentException("not a whsec_ secret");
    }
    byte[] key = Base64.getDecoder().decode(secret.substring(SECRET_PREFIX.length()));
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      byte[] signed =
          mac.doFinal((id + "." + timestampSeconds + "." + body).getBytes(StandardCharsets.UTF_8));
      return "v1," + Base64.getEncoder().encodeToString(signed);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HMAC-SHA256 is unavailable", e);
    }
  }

  /**
   * Why {@code raw} may not receive notifications, or empty when it may: it must be an absolute
   * https URL with a host, no user info and no fragment, at most 2048 characters; http is accepted
   * only for a loopback host (tests, a local relay) unless {@code allowHttp} ({@code
   * NOTIFY_ALLOW_HTTP}).
   */
  public static Optional<String> urlProblem(String raw, boolean allowHttp) {
    if (raw.length() > 2048) {
      return Optional.of("is longer than 2048 characters");
    }
    URI uri;
    try {
      uri = new URI(raw);
    } catch (URISyntaxException e) {
      return Optional.of("is not a URL");
    }
    String scheme = uri.getScheme();
    if (scheme == null
        || !(scheme.equalsIgnoreCase("https") || scheme.equalsIgnoreCase("http"))
        || uri.getHost() == null) {
      return Optional.of("must be an absolute https URL with a host");
    }
    if (uri.getRawUserInfo() != null || uri.getRawFragment() != null) {
      return Optional.of("must not carry user info or a fragment");
    }
    if (scheme.equalsIgnoreCase("http") && !allowHttp && !loopback(uri.getHost())) {
      return Optional.of("must be https (http only to a loopback address)");
    }
    return Optional.empty();
  }

  private static boolean loopback(String host) {
    return host.equalsIgnoreCase("localhost")
        || LOOPBACK_V4.matcher(host).matches()
        || host.equals("[::1]")
        || host.equals("::1");
  }
}
