package org.openpincery.reasoner.prompt;

import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * Per-wake random values: the nonce of the untrusted-input delimiters, and the canary whose
 * appearance in model output means the system prompt leaked into what the model repeats (prompt
 * injection suspected).
 */
public record WakeSecrets(String nonce, String canary) {

  private static final SecureRandom RANDOM = new SecureRandom();

  public static WakeSecrets random() {
    return new WakeSecrets(hex(12), hex(16));
  }

  /** The canary line placed in the system prompt. */
  public String canaryLine() {
    return "<<canary:" + canary + ">>";
  }

  /** Whether model output contains the canary (in any case). */
  public boolean leakedIn(String output) {
    return output != null && output.toLowerCase(java.util.Locale.ROOT).contains(canary);
  }

  private static String hex(int bytes) {
    byte[] b = new byte[bytes];
    RANDOM.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }
}
