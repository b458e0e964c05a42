package org.openpincery.bench.peers;

import io.vertx.core.Future;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.openpincery.bench.BenchEngine;
import org.openpincery.config.DatabaseConfig;
import org.openpincery.db.DatabaseUrl;
import org.openpincery.store.Store;

/**
 * What a pincery driver runs its jobs on: the store, agents, the {@link Jobs} its workers mark, and
 * workers it can stop and start (bare: {@link BareWorkers}; full: the real wake and maintenance
 * workers).
 */
abstract class PinceryEngine implements AutoCloseable {

  protected final BenchEngine engine;
  private final DatabaseUrl url;
  private final Store producers;
  private final Jobs jobs = new Jobs();
  private UUID workspace;
  private Connection reads;

  PinceryEngine(DatabaseUrl url, BenchEngine engine) {
    this.url = url;
    this.engine = engine;
    // The producers' side is the gateway's: a pool of its own (PEER_PRODUCER_POOL, default 64, the
    // largest producer count), so appends never wait for the workers' connections.
    String size = System.getenv().getOrDefault("PEER_PRODUCER_POOL", "64");
    this.producers =
        Store.open(engine.vertx(), new DatabaseConfig(url, Integer.parseInt(size), "producers"));
  }

  /** The workers' store. */
  final Store store() {
    return engine.store();
  }

  /** The producers' store (its own pool). */
  final Store producers() {
    return producers;
  }

  final Jobs jobs() {
    return jobs;
  }

  /** Creates {@code n} sleeping agents named {@code prefix-i}. */
  final List<UUID> createAgents(String prefix, int n) {
    if (workspace == null) {
      workspace = store().agents().createWorkspace("peers").await();
    }
    List<UUID> ids = new ArrayList<>(n);
    for (int from = 0; from < n; from += 200) {
      List<Future<UUID>> batch = new ArrayList<>();
      for (int i = from; i < Math.min(n, from + 200); i++) {
        batch.add(store().agents().createAgent(workspace, prefix + "-" + i, "bench-secret", null));
      }
      Future.all(batch).await();
      batch.forEach(f -> ids.add(f.result()));
    }
    return ids;
  }

  /** Starts the consumers. */
  abstract void startWorkers();

  /** Stops the consumers; running jobs finish first. */
  abstract void stopWorkers();

  /**
   * Message appended → wake claimed in ns, one per wake started on {@code agents} since {@code
   * sinceDb} (from {@link #databaseNow}), when the database is the measure; {@code null} when the
   * driver's clock (the {@link Jobs} stamps) is.
   */
  abstract long[] latenciesFromDatabase(List<UUID> agents, String sinceDb) throws SQLException;

  /** Where the latency comes from, for the output. */
  abstract String latencySource();

  /** The database's clock now, as text. */
  final String databaseNow() throws SQLException {
    try (ResultSet rs = reads().createStatement().executeQuery("SELECT now()::text")) {
      rs.next();
      return rs.getString(1);
    }
  }

  /** One connection for the driver's own measurement reads (never the engine's statements). */
  protected final Connection reads() throws SQLException {
    if (reads == null) {
      reads = DriverManager.getConnection(url.jdbcUrl(), url.user(), url.password());
    }
    return reads;
  }

  @Override
  public void close() {
    stopWorkers();
    producers.closeAsync().await();
    engine.close();
    try {
      if (reads != null) {
        reads.close();
      }
    } catch (SQLException e) {
      // closing anyway
    }
  }
}
