package org.openpincery.store;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.openpincery.config.DatabaseConfig;
import org.openpincery.db.DatabaseUrl;
import org.openpincery.testkit.TestPostgres;

/** A Vert.x instance and a {@link Store} over a fresh, migrated database of the test's own. */
final class StoreFixture implements AutoCloseable {

  final Vertx vertx = Vertx.vertx();
  final DatabaseUrl url = TestPostgres.freshDatabase();
  final Store store;

  StoreFixture(int poolSize) {
    store = Store.open(vertx, new DatabaseConfig(url, poolSize, "store-test"));
  }

  /** Blocks the test thread on a future (never used on a Vert.x thread). */
  static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException("future did not complete in 60 s", e);
    }
  }

  UUID newAgent(String name) {
    UUID workspace = await(store.agents().createWorkspace("ws-" + name));
    return await(store.agents().createAgent(workspace, name, "secret-" + name, BigDecimal.TEN));
  }

  long count(String sql) throws SQLException {
    try (Connection c = TestPostgres.connect(url);
        Statement st = c.createStatement();
        var rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  void execute(String sql) throws SQLException {
    try (Connection c = TestPostgres.connect(url);
        Statement st = c.createStatement()) {
      st.execute(sql);
    }
  }

  static final Duration LEASE = Duration.ofSeconds(30);

  @Override
  public void close() {
    await(store.closeAsync());
    await(vertx.close());
  }
}
