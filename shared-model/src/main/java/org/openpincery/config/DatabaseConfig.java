package org.openpincery.config;

import org.openpincery.db.DatabaseUrl;

/**
 * How a process talks to PostgreSQL.
 *
 * @param url the database
 * @param poolSize connections in this process's pool (the LISTEN connection is extra)
 * @param applicationName shown in {@code pg_stat_activity}, to tell tiers apart
 */
public record DatabaseConfig(DatabaseUrl url, int poolSize, String applicationName) {

  public static final String POOL_SIZE = "DATABASE_POOL_SIZE";

  public DatabaseConfig {
    if (poolSize < 1) {
      throw new ConfigException(POOL_SIZE, "must be at least 1");
    }
  }

  /** Reads the pool size; the URL comes from the caller (it may be an embedded server's). */
  public static DatabaseConfig from(Env env, DatabaseUrl url, String applicationName) {
    return new DatabaseConfig(url, env.integer(POOL_SIZE, 16, 1, 500), applicationName);
  }

  @Override
  public String toString() {
    return "DatabaseConfig[url="
        + url
        + ", poolSize="
        + poolSize
        + ", applicationName="
        + applicationName
        + "]";
  }
}
