package org.openpincery.ops;

import org.openpincery.config.ConfigException;
import org.openpincery.db.SchemaMigrator;
import org.openpincery.store.HealthRepository;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Split deployments migrate with a one-shot ({@code migrate}); every other tier waits here until
 * the database is reachable and at the schema version this build needs, so that nothing serves on
 * an unmigrated schema. A schema newer than the build is refused at once: this release cannot know
 * what the newer one changed.
 */
public final class SchemaGate {

  private static final Logger LOG = LoggerFactory.getLogger(SchemaGate.class);
  private static final long RECHECK_MILLIS = 2_000;

  private SchemaGate() {}

  /**
   * Blocks the calling (non-event-loop) thread until the schema is current.
   *
   * @throws ConfigException naming {@code DATABASE_URL} when the schema is newer than this build
   */
  public static void awaitCurrent(HealthRepository health, String tier) {
    String last = null;
    while (true) {
      String state;
      try {
        int version = health.schemaVersion().await();
        if (version == SchemaMigrator.SCHEMA_VERSION) {
          if (last != null) {
            LOG.info("{}: schema is at version {}; starting", tier, version);
          }
          return;
        }
        if (version > SchemaMigrator.SCHEMA_VERSION) {
          throw new ConfigException(
              "DATABASE_URL",
              "points at a schema of version "
                  + version
                  + ", newer than this build's "
                  + SchemaMigrator.SCHEMA_VERSION
                  + "; run the release that migrated it (or a newer one)");
        }
        state =
            "schema at version "
                + version
                + ", this build needs "
                + SchemaMigrator.SCHEMA_VERSION
                + ": waiting for migrate";
      } catch (ConfigException e) {
        throw e;
      } catch (Exception e) {
        state = "database unreachable (" + e.getMessage() + "): waiting";
      }
      if (!state.equals(last)) {
        LOG.warn("{}: {}", tier, state);
        last = state;
      }
      try {
        Thread.sleep(RECHECK_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for the schema", e);
      }
    }
  }
}
