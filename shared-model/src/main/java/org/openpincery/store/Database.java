package org.openpincery.store;

import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.SslMode;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import org.openpincery.config.DatabaseConfig;
import org.openpincery.db.DatabaseUrl;

/** Builds the reactive PostgreSQL clients every tier uses. */
public final class Database {

  private Database() {}

  /** A pool of {@code config.poolSize()} connections with prepared-statement caching on. */
  public static Pool pool(Vertx vertx, DatabaseConfig config) {
    return PgBuilder.pool()
        .with(
            new PoolOptions()
                .setMaxSize(config.poolSize())
                .setMaxWaitQueueSize(10_000)
                .setName(config.applicationName()))
        .connectingTo(connectOptions(config.url(), config.applicationName()))
        .using(vertx)
        .build();
  }

  /**
   * One connection for NOTIFY. A transaction that notifies gets a transaction id, so under
   * synchronous_commit it would wait for its own WAL flush, a second durable commit for every data
   * commit. Its data is already durable and a notification is only a hint (listeners also scan), so
   * this connection commits asynchronously: delivery happens at commit, without the flush wait.
   */
  public static Pool notifyPool(Vertx vertx, DatabaseUrl url, String applicationName) {
    return PgBuilder.pool()
        .with(new PoolOptions().setMaxSize(1).setMaxWaitQueueSize(10_000).setName(applicationName))
        .connectingTo(connectOptions(url, applicationName).addProperty("synchronous_commit", "off"))
        .using(vertx)
        .build();
  }

  /** Connect options for one URL, tagged with an application name for pg_stat_activity. */
  public static PgConnectOptions connectOptions(DatabaseUrl url, String applicationName) {
    PgConnectOptions options =
        new PgConnectOptions()
            .setHost(url.host())
            .setPort(url.port())
            .setDatabase(url.database())
            .setUser(url.user() == null ? "postgres" : url.user())
            .setCachePreparedStatements(true)
            .setPipeliningLimit(256)
            .addProperty("application_name", applicationName);
    if (url.password() != null) {
      options.setPassword(url.password());
    }
    String sslMode = url.params().get("sslmode");
    if (sslMode != null) {
      options.setSslMode(SslMode.of(sslMode));
    }
    return options;
  }
}
