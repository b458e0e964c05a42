package org.openpincery.store;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;

/** What readiness checks ask the database. */
public final class HealthRepository {

  // Flyway's own history table: the newest successfully applied versioned migration.
  private static final String SCHEMA_VERSION =
      """
      SELECT coalesce(max(version::int), 0) AS version
        FROM flyway_schema_history
       WHERE success AND version IS NOT NULL
      """;

  private final Pool pool;

  HealthRepository(Pool pool) {
    this.pool = pool;
  }

  /** The schema version the database is at, read in one round trip (so also a liveness probe). */
  public Future<Integer> schemaVersion() {
    return pool.query(SCHEMA_VERSION)
        .execute()
        .map(rows -> rows.iterator().next().getInteger("version"));
  }
}
