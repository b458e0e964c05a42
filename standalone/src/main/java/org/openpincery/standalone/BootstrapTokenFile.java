package org.openpincery.standalone;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * A zero-install run needs a bootstrap token without asking for one: when none is configured,
 * standalone keeps a random one in {@code <data dir>/bootstrap-token} (owner-readable only).
 */
final class BootstrapTokenFile {

  private static final String NAME = "bootstrap-token";

  private BootstrapTokenFile() {}

  static Path path(Path dataDir) {
    return dataDir.resolve(NAME);
  }

  static String readOrCreate(Path dataDir) {
    return SecretFile.readOrCreate(
        dataDir,
        NAME,
        token -> token.length() >= 16,
        () -> {
          byte[] bytes = new byte[32];
          new SecureRandom().nextBytes(bytes);
          return HexFormat.of().formatHex(bytes);
        });
  }
}
