package org.openpincery.store;

import io.vertx.core.Future;
import io.vertx.pgclient.PgException;
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

  // SQLSTATE of a missing table: Flyway's history does not exist before the first migration.
  private static final String UNDEFINED_TABLE = "42P01";

  private final Pool pool;

  HealthRepository(Pool pool) {
    this.pool = pool;
  }

  /**
   * The schema version the database is at (0 before the first migration), read in one round trip
   * (so also a liveness probe).
   */
  public Future<Integer> schemaVersion() {
    return pool.query(SCHEMA_VERSION)
        .execute()
        .map(rows -> rows.iterator().next().getInteger("version"))
        .recover(
            err ->
                err instanceof PgException pg && UNDEFINED_TABLE.equals(pg.getSqlState())
                    ? Future.succeededFuture(0)
                    : Future.failedFuture(err));
  }
}
