package org.openpincery.standalone;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import org.openpincery.config.ConfigException;

/**
 * A zero-install run needs a bootstrap token without asking for one: when none is configured,
 * standalone keeps a random one in {@code <data dir>/bootstrap-token} (owner-readable only). The
 * token itself is never logged; the log names the file.
 */
final class BootstrapTokenFile {

  private BootstrapTokenFile() {}

  static Path path(Path dataDir) {
    return dataDir.resolve("bootstrap-token");
  }

  static String readOrCreate(Path dataDir) {
    Path file = path(dataDir);
    try {
      if (Files.exists(file)) {
        String token = Files.readString(file).strip();
        if (token.length() >= 16) {
          return token;
        }
      }
      byte[] bytes = new byte[32];
      new SecureRandom().nextBytes(bytes);
      String token = HexFormat.of().formatHex(bytes);
      Path tmp =
          Files.createTempFile(
              dataDir,
              ".bootstrap-token",
              ".tmp",
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.writeString(tmp, token + "\n");
      Files.move(
          tmp,
          file,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE,
          java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      return token;
    } catch (IOException e) {
      throw new ConfigException(
          StandaloneConfig.DATA_DIR,
          "cannot keep the bootstrap token in " + file + ": " + e.getMessage());
    }
  }
}
