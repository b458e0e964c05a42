package org.openpincery.standalone;

import java.nio.file.Path;
import java.util.Optional;
import org.openpincery.vault.Vault;

/**
 * Standalone's vault key when {@code OPEN_PINCERY_VAULT_KEY} is not set (embedded database only):
 * {@code <data dir>/vault-key}, base64 of 32 bytes, mode 0600. Credentials are sealed under it, so
 * the file is never replaced: unreadable, empty or malformed, it stops start-up (78) before the
 * database starts; absent while the database holds credentials, it is not created either.
 */
final class VaultKeyFile {

  static final String NAME = "vault-key";

  static final SecretFile.Rule RULE =
      new SecretFile.Rule(
          Vault.KEY_SETTING,
          "a vault key (base64 of 32 bytes)",
          VaultKeyFile::valid,
          "the stored credentials are sealed under the key it held, so restore that key into it"
              + " (base64 of 32 bytes, one line, mode 0600; delete the file only if no credential"
              + " was ever stored)");

  private VaultKeyFile() {}

  static Path path(Path dataDir) {
    return dataDir.resolve(NAME);
  }

  /** The kept key; empty when there is no file. */
  static Optional<String> read(Path dataDir) {
    return SecretFile.read(dataDir, NAME, RULE);
  }

  /** A new random key in a new file (never over an existing one). */
  static String create(Path dataDir) {
    return SecretFile.create(dataDir, NAME, RULE, Vault::newKey);
  }

  private static boolean valid(String key) {
    try {
      Vault.of(key);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }
}
