package org.openpincery.standalone;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import org.openpincery.gateway.GatewayConfig;

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
        new SecretFile.Rule(
            GatewayConfig.BOOTSTRAP_TOKEN,
            "a token of at least 16 characters",
            token -> token.length() >= 16,
            "write a token of at least 16 characters into it, or delete it for a new random one"),
        () -> {
          byte[] bytes = new byte[32];
          new SecureRandom().nextBytes(bytes);
          return HexFormat.of().formatHex(bytes);
        });
  }
}
