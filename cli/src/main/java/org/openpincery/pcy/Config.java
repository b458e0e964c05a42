package org.openpincery.pcy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.Set;

/**
 * The config file: sessions per server URL, {@code {"sessions": {url: {token, user_id,
 * workspace_id, expires_at}}}}. It holds bearer tokens, so the file is created owner-only (0600) in
 * an owner-only directory (0700), and every write goes through a 0600 temporary file moved into
 * place. Where: {@code PCY_CONFIG}, else {@code $XDG_CONFIG_HOME/pcy/config.json}, else {@code
 * ~/.config/pcy/config.json}.
 */
final class Config {

  private static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");
  private static final Set<PosixFilePermission> DIR = PosixFilePermissions.fromString("rwx------");

  private final Path path;

  Config(Path path) {
    this.path = path;
  }

  static Config locate(Io io) {
    String explicit = io.env("PCY_CONFIG");
    if (explicit != null) {
      return new Config(Path.of(explicit));
    }
    String xdg = io.env("XDG_CONFIG_HOME");
    Path base =
        xdg != null
            ? Path.of(xdg)
            : Path.of(Optional.ofNullable(io.env("HOME")).orElse(System.getProperty("user.home")))
                .resolve(".config");
    return new Config(base.resolve("pcy").resolve("config.json"));
  }

  Path path() {
    return path;
  }

  /** The session kept for {@code url}, if any. */
  Optional<JsonNode> session(String url) {
    JsonNode session = read().path("sessions").path(url);
    return session.isObject() && session.hasNonNull("token")
        ? Optional.of(session)
        : Optional.empty();
  }

  void saveSession(String url, ObjectNode session) {
    ObjectNode root = read();
    ObjectNode sessions =
        root.get("sessions") instanceof ObjectNode o ? o : root.putObject("sessions");
    sessions.set(url, session);
    write(root);
  }

  /** True when there was a session to forget. */
  boolean forgetSession(String url) {
    ObjectNode root = read();
    if (!(root.get("sessions") instanceof ObjectNode sessions) || sessions.remove(url) == null) {
      return false;
    }
    write(root);
    return true;
  }

  private ObjectNode read() {
    if (!Files.exists(path)) {
      return Json.object();
    }
    try {
      return Json.parse(Files.readString(path)) instanceof ObjectNode o ? o : Json.object();
    } catch (IOException e) {
      throw PcyException.failure("cannot read " + path + ": " + e.getMessage());
    }
  }

  private void write(ObjectNode root) {
    try {
      Path dir = path.toAbsolutePath().getParent();
      if (!Files.isDirectory(dir)) {
        try {
          Files.createDirectories(dir.getParent());
          Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(DIR));
        } catch (FileAlreadyExistsException raced) {
          // made meanwhile
        }
      }
      Path tmp =
          Files.createTempFile(dir, ".config", ".tmp", PosixFilePermissions.asFileAttribute(FILE));
      try {
        Files.writeString(tmp, Json.pretty(root) + "\n");
        Files.setPosixFilePermissions(tmp, FILE);
        try {
          Files.move(
              tmp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
          Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING);
        }
      } finally {
        Files.deleteIfExists(tmp);
      }
    } catch (IOException e) {
      throw PcyException.failure("cannot write " + path + ": " + e.getMessage());
    } catch (UncheckedIOException e) {
      throw PcyException.failure("cannot write " + path + ": " + e.getCause().getMessage());
    }
  }
}
