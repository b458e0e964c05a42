package org.openpincery.standalone;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.openpincery.config.ConfigException;
import org.openpincery.db.DatabaseUrl;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real PostgreSQL run from Maven artifacts, keeping its data under the data directory.
 *
 * <p>Unlike the library's test defaults, fsync and synchronous_commit are on: this is where a
 * user's agents live. It listens on loopback only.
 */
final class EmbeddedDatabase implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedDatabase.class);

  private final EmbeddedPostgres postgres;
  private final Path pgData;

  private EmbeddedDatabase(EmbeddedPostgres postgres, Path pgData) {
    this.postgres = postgres;
    this.pgData = pgData;
  }

  static EmbeddedDatabase start(Path dataDir, int port) {
    Path pgData = dataDir.resolve("postgres");
    stopOrphanedPostmaster(pgData);
    try {
      EmbeddedPostgres pg =
          EmbeddedPostgres.builder()
              .setDataDirectory(pgData)
              .setCleanDataDirectory(false)
              .setRegisterShutdownHook(false)
              .setPort(port)
              .setPGStartupWait(Duration.ofSeconds(60))
              .setServerConfig("listen_addresses", "127.0.0.1")
              .setServerConfig("fsync", "on")
              .setServerConfig("synchronous_commit", "on")
              .setServerConfig("full_page_writes", "on")
              .setServerConfig("max_connections", "200")
              .start();
      LOG.info("embedded PostgreSQL on 127.0.0.1:{}, data in {}", pg.getPort(), pgData);
      return new EmbeddedDatabase(pg, pgData);
    } catch (IllegalStateException e) {
      if (String.valueOf(e.getMessage()).contains("could not lock")) {
        throw new ConfigException(
            StandaloneConfig.DATA_DIR,
            pgData
                + " is in use by another running Open Pincery; stop it or choose another directory");
      }
      throw new ConfigException(
          StandaloneConfig.DATA_DIR,
          "embedded PostgreSQL did not start in " + pgData + ": " + e.getMessage(),
          e);
    } catch (IOException e) {
      throw new ConfigException(
          StandaloneConfig.DATA_DIR,
          "embedded PostgreSQL did not start in " + pgData + ": " + e.getMessage(),
          e);
    }
  }

  DatabaseUrl url() {
    return DatabaseUrl.of("127.0.0.1", postgres.getPort(), "postgres", "postgres", null);
  }

  /** The postmaster's PID, from postmaster.pid, while it runs. */
  Optional<Long> postmasterPid() {
    return readPid(pgData);
  }

  @Override
  public void close() throws IOException {
    postgres.close();
    LOG.info("embedded PostgreSQL stopped");
  }

  /**
   * A JVM killed with SIGKILL leaves its postmaster running, which would refuse our start. If
   * nobody holds the data directory's lock, that postmaster is an orphan of ours: stop it.
   */
  private static void stopOrphanedPostmaster(Path pgData) {
    readPid(pgData)
        .flatMap(ProcessHandle::of)
        .filter(ProcessHandle::isAlive)
        .filter(p -> p.info().command().map(c -> c.endsWith("postgres")).orElse(false))
        .ifPresent(
            orphan -> {
              if (!lockIsFree(pgData)) {
                return; // a live Open Pincery owns it; start() reports that
              }
              LOG.warn("stopping an orphaned PostgreSQL (pid {}) left in {}", orphan.pid(), pgData);
              orphan.destroy(); // SIGTERM: smart shutdown, it has no clients left
              Instant deadline = Instant.now().plusSeconds(30);
              while (orphan.isAlive() && Instant.now().isBefore(deadline)) {
                orphan
                    .onExit()
                    .completeOnTimeout(orphan, 1, java.util.concurrent.TimeUnit.SECONDS)
                    .join();
              }
            });
  }

  private static boolean lockIsFree(Path pgData) {
    try (var channel =
            java.nio.channels.FileChannel.open(
                pgData.resolve("epg-lock"),
                java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.WRITE);
        var lock = channel.tryLock()) {
      return lock != null;
    } catch (IOException | java.nio.channels.OverlappingFileLockException e) {
      return false;
    }
  }

  private static Optional<Long> readPid(Path pgData) {
    try {
      List<String> lines = Files.readAllLines(pgData.resolve("postmaster.pid"));
      return lines.isEmpty() ? Optional.empty() : Optional.of(Long.parseLong(lines.get(0).strip()));
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }
}
