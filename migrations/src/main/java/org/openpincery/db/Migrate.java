package org.openpincery.db;

/**
 * The {@code migrate} entry point: applies the schema to {@code DATABASE_URL} and exits. Run it as
 * a one-shot before the tiers in split deployments (compose service, Kubernetes Job).
 *
 * <p>Exit codes: 0 done, 78 a setting is wrong (named on stderr), 1 anything else.
 */
public final class Migrate {

  private Migrate() {}

  public static void main(String[] args) {
    String raw = System.getenv("DATABASE_URL");
    DatabaseUrl url;
    try {
      url = DatabaseUrl.parse(raw);
    } catch (IllegalArgumentException e) {
      System.err.println(
          "open-pincery migrate: DATABASE_URL: is not a PostgreSQL URL ("
              + e.getMessage()
              + "); expected postgres://user:password@host:5432/database");
      System.exit(78);
      return;
    }
    try {
      var outcome = SchemaMigrator.migrate(url);
      System.out.println(
          "open-pincery migrate: schema at version "
              + outcome.schemaVersion()
              + " ("
              + outcome.appliedNow()
              + " migration(s) applied now)");
    } catch (SchemaMigrator.SchemaTooNewException | SchemaMigrator.DatabaseUnreachableException e) {
      System.err.println("open-pincery migrate: DATABASE_URL: " + e.getMessage());
      System.exit(78);
    } catch (RuntimeException e) {
      System.err.println("open-pincery migrate: failed: " + e.getMessage());
      System.exit(1);
    }
  }
}
