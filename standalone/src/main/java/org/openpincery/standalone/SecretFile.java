package org.openpincery.standalone;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.openpincery.config.ConfigException;

/**
 * A secret a zero-install run keeps in its data directory instead of asking for it (the bootstrap
 * token, the vault key): read when present, else created at random, owner-readable only, written
 * atomically. An existing file is <em>never</em> replaced: one that cannot be read or does not hold
 * a valid value stops start-up (exit 78) naming the file, because what was made with the old value
 * (credentials sealed under a vault key) would be lost with it. The value is never logged; the log
 * names the file.
 */
final class SecretFile {

  /**
   * What a file must hold, for the error messages.
   *
   * @param setting the environment variable that replaces the file (named first in the error)
   * @param holds what a valid file holds, e.g. "base64 of 32 bytes"
   * @param fix what the operator can do about a bad file
   */
  record Rule(String setting, String holds, Predicate<String> valid, String fix) {}

  private SecretFile() {}

  static String readOrCreate(Path dataDir, String fileName, Rule rule, Supplier<String> generate) {
    return read(dataDir, fileName, rule).orElseGet(() -> create(dataDir, fileName, rule, generate));
  }

  /**
   * The file's value (stripped); empty when there is no file at all.
   *
   * @throws ConfigException when something is at that path but is not a readable file holding a
   *     valid value
   */
  static Optional<String> read(Path dataDir, String fileName, Rule rule) {
    Path file = dataDir.resolve(fileName);
    if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
      return Optional.empty();
    }
    String value;
    try {
      if (Files.isDirectory(file)) {
        throw refused(file, rule, "is a directory");
      }
      value = Files.readString(file).strip();
    } catch (IOException e) {
      throw refused(file, rule, "cannot be read (" + describe(e) + ")");
    }
    if (value.isEmpty()) {
      throw refused(file, rule, "is empty");
    }
    if (!rule.valid().test(value)) {
      throw refused(file, rule, "does not hold " + rule.holds());
    }
    return Optional.of(value);
  }

  /**
   * Writes a new random value to a file that does not exist yet (a temporary file linked into
   * place, which fails rather than replace a file that appeared meanwhile; then that file is read).
   */
  static String create(Path dataDir, String fileName, Rule rule, Supplier<String> generate) {
    Path file = dataDir.resolve(fileName);
    Path tmp = null;
    try {
      String value = generate.get();
      tmp =
          Files.createTempFile(
              dataDir,
              "." + fileName,
              ".tmp",
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.writeString(tmp, value + "\n");
      try {
        Files.createLink(file, tmp);
      } catch (UnsupportedOperationException e) {
        Files.move(tmp, file); // no hard links here: a move that refuses an existing target
      }
      return value;
    } catch (FileAlreadyExistsException e) {
      return read(dataDir, fileName, rule)
          .orElseThrow(() -> refused(file, rule, "appeared and vanished while it was created"));
    } catch (IOException e) {
      throw new ConfigException(
          StandaloneConfig.DATA_DIR,
          "cannot keep " + fileName + " in " + file + ": " + describe(e));
    } finally {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException e) {
          // a stray temporary file is harmless
        }
      }
    }
  }

  private static ConfigException refused(Path file, SecretFile.Rule rule, String problem) {
    return new ConfigException(
        rule.setting(),
        "is not set and "
            + file
            + " "
            + problem
            + "; it is never replaced automatically: "
            + rule.fix()
            + ", or set "
            + rule.setting());
  }

  private static String describe(IOException e) {
    String message = e.getMessage();
    return e.getClass().getSimpleName() + (message == null ? "" : ": " + message);
  }
}
