package org.openpincery.vault;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;
import java.util.UUID;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.openpincery.config.ConfigException;
import org.openpincery.config.Env;

/**
 * Workspace credentials sealed with AES-256-GCM under {@code OPEN_PINCERY_VAULT_KEY}: a fresh
 * 96-bit nonce per seal, a 128-bit tag, and additional authenticated data binding each ciphertext
 * to its workspace and name, so a ciphertext moved to another row does not open. The key never
 * leaves this object and {@link #toString()} does not show it.
 */
public final class Vault {

  public static final String KEY_SETTING = "OPEN_PINCERY_VAULT_KEY";
  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final SecretKeySpec key;

  private Vault(byte[] key) {
    this.key = new SecretKeySpec(key, "AES");
  }

  /** A sealed value: what is stored. */
  public record Sealed(byte[] ciphertext, byte[] nonce) {}

  /** The value cannot be opened: wrong key, or ciphertext, nonce or binding tampered with. */
  public static final class VaultException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    VaultException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /**
   * @throws IllegalArgumentException unless {@code base64} is 32 bytes in base64
   */
  public static Vault of(String base64) {
    byte[] raw;
    try {
      raw = Base64.getDecoder().decode(base64.strip());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("is not base64");
    }
    if (raw.length != 32) {
      throw new IllegalArgumentException(
          "must be 32 bytes (base64 of 32 random bytes), got " + raw.length);
    }
    return new Vault(raw);
  }

  /** A new random key, base64 (for {@code openssl rand -base64 32} without openssl). */
  public static String newKey() {
    byte[] raw = new byte[32];
    RANDOM.nextBytes(raw);
    return Base64.getEncoder().encodeToString(raw);
  }

  /**
   * The vault configured by {@code OPEN_PINCERY_VAULT_KEY}, if set; a malformed key stops start-up.
   */
  public static Optional<Vault> fromEnv(Env env) {
    return env.string(KEY_SETTING)
        .map(
            raw -> {
              try {
                return of(raw);
              } catch (IllegalArgumentException e) {
                throw new ConfigException(
                    KEY_SETTING, e.getMessage() + "; generate one with: openssl rand -base64 32");
              }
            });
  }

  public Sealed seal(UUID workspaceId, String name, String value) {
    byte[] nonce = new byte[NONCE_BYTES];
    RANDOM.nextBytes(nonce);
    try {
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
      c.updateAAD(aad(workspaceId, name));
      return new Sealed(c.doFinal(value.getBytes(StandardCharsets.UTF_8)), nonce);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is part of every JDK", e);
    }
  }

  public String open(UUID workspaceId, String name, Sealed sealed) {
    try {
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, sealed.nonce()));
      c.updateAAD(aad(workspaceId, name));
      return new String(c.doFinal(sealed.ciphertext()), StandardCharsets.UTF_8);
    } catch (AEADBadTagException e) {
      throw new VaultException(
          "credential '" + name + "' does not open: wrong vault key, or it was tampered with", e);
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new VaultException("credential '" + name + "' does not open: " + e.getMessage(), e);
    }
  }

  private static byte[] aad(UUID workspaceId, String name) {
    return ("open-pincery/credential/v1\0" + workspaceId + "\0" + name)
        .getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public String toString() {
    return "Vault[key=***]";
  }
}
