package org.openpincery.standalone;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.openpincery.config.ConfigException;

/**
 * A secret a zero-install run keeps in its data directory instead of asking for it (the bootstrap
 * token, the vault key): read when present and valid, else created at random, owner-readable only,
 * written atomically. The value is never logged; the log names the file.
 */
final class SecretFile {

  private SecretFile() {}

  static String readOrCreate(
      Path dataDir, String fileName, Predicate<String> valid, Supplier<String> generate) {
    Path file = dataDir.resolve(fileName);
    try {
      if (Files.exists(file)) {
        String value = Files.readString(file).strip();
        if (valid.test(value)) {
          return value;
        }
      }
      String value = generate.get();
      Path tmp =
          Files.createTempFile(
              dataDir,
              "." + fileName,
              ".tmp",
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.writeString(tmp, value + "\n");
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      return value;
    } catch (IOException e) {
      throw new ConfigException(
          StandaloneConfig.DATA_DIR,
          "cannot keep " + fileName + " in " + file + ": " + e.getMessage());
    }
  }
}
