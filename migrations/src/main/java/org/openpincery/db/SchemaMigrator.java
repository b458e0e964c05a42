package org.openpincery.db;

import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.Comparator;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationState;
import org.flywaydb.core.api.output.MigrateResult;

/** Brings a database to this build's schema with Flyway, refusing one that is newer. */
public final class SchemaMigrator {

  /** The newest migration this build carries. A test keeps it equal to the newest V file. */
  public static final int SCHEMA_VERSION = 21;

  public static final String LOCATION = "classpath:db/migration";

  private SchemaMigrator() {}

  /** What {@link #migrate} did. */
  public record Outcome(int appliedNow, String schemaVersion) {}

  /**
   * Applies pending migrations.
   *
   * @throws SchemaTooNewException when the database was migrated by a newer build
   * @throws DatabaseUnreachableException when no connection can be made
   */
  public static Outcome migrate(DatabaseUrl url) {
    Flyway flyway = flyway(url);
    checkReachable(url);
    refuseNewerSchema(flyway);
    MigrateResult result = flyway.migrate();
    String version =
        result.targetSchemaVersion != null
            ? result.targetSchemaVersion
            : result.initialSchemaVersion;
    return new Outcome(result.migrationsExecuted, version);
  }

  private static Flyway flyway(DatabaseUrl url) {
    return Flyway.configure()
        .dataSource(url.jdbcUrl(), url.user(), url.password())
        .locations(LOCATION)
        .cleanDisabled(true)
        .validateMigrationNaming(true)
        .connectRetries(0)
        .load();
  }

  private static void checkReachable(DatabaseUrl url) {
    try (var connection = DriverManager.getConnection(url.jdbcUrl(), url.user(), url.password())) {
      connection.isValid(5);
    } catch (SQLException e) {
      throw new DatabaseUnreachableException(url, e);
    }
  }

  private static void refuseNewerSchema(Flyway flyway) {
    MigrationInfo[] applied = flyway.info().applied();
    var future =
        Arrays.stream(applied)
            .filter(
                m ->
                    m.getState() == MigrationState.FUTURE_SUCCESS
                        || m.getState() == MigrationState.FUTURE_FAILED)
            .max(Comparator.comparing(MigrationInfo::getVersion));
    if (future.isPresent()) {
      throw new SchemaTooNewException(future.get().getVersion().getVersion(), SCHEMA_VERSION);
    }
  }

  /** The database holds migrations this build does not know: it belongs to a newer release. */
  public static final class SchemaTooNewException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    SchemaTooNewException(String databaseVersion, int buildVersion) {
      super(
          "the database schema is at version "
              + databaseVersion
              + ", newer than this build's version "
              + buildVersion
              + "; run a newer Open Pincery or use another database");
    }
  }

  /** No connection could be made to the configured database. */
  public static final class DatabaseUnreachableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    DatabaseUnreachableException(DatabaseUrl url, SQLException cause) {
      super(
          "cannot connect to "
              + url
              + " ("
              + firstLine(cause.getMessage())
              + "): check DATABASE_URL",
          cause);
    }

    private static String firstLine(String message) {
      if (message == null) {
        return "no detail";
      }
      int nl = message.indexOf('\n');
      return nl < 0 ? message : message.substring(0, nl);
    }
  }
}
