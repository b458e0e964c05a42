package org.openpincery.store;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PrepareOptions;
import io.vertx.sqlclient.PreparedQuery;
import io.vertx.sqlclient.Query;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.SqlResult;
import io.vertx.sqlclient.TransactionPropagation;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collector;
import java.util.stream.Collectors;

/**
 * A view of a pool in which every statement runs in a transaction of its own (or in the caller's
 * {@link #withTransaction}) as the role {@value #ROLE}, with the workspaces it acts for in {@code
 * pincery.workspaces} — both transaction-local, as PostgREST sets its role and claims. Row-level
 * security (migration V17) then shows and lets write only rows of those workspaces, whatever the
 * statement's own filter says: defence in depth for the operator API.
 *
 * <p>The repositories use a pool only through {@code preparedQuery(sql).execute(...)}, {@code
 * query(sql).execute()} and {@code withTransaction}; those are scoped. Handing out a bare
 * connection, or mapping and collecting variants, would escape the scope, so they throw.
 */
public final class ScopedPool implements Pool {

  /** The role API transactions run as: no ownership, no {@code BYPASSRLS} (V17). */
  public static final String ROLE = "pincery_api";

  private static final String ENTER =
      "SELECT set_config('role', '" + ROLE + "', true), set_config('pincery.workspaces', $1, true)";

  private final Pool pool;
  private final String workspaces;

  ScopedPool(Pool pool, Collection<UUID> workspaces) {
    this.pool = pool;
    this.workspaces =
        workspaces.stream().map(UUID::toString).distinct().collect(Collectors.joining(","));
  }

  private Future<Void> enter(SqlConnection conn) {
    return conn.preparedQuery(ENTER).execute(Tuple.of(workspaces)).mapEmpty();
  }

  // The scope's statement is sent with the work's first statement, without waiting for its answer
  // (the connection pipelines them, in order); a failed scope fails the whole.
  private <T> Future<T> scoped(SqlConnection conn, Function<SqlConnection, Future<T>> work) {
    Future<Void> entered = enter(conn);
    Future<T> done = work.apply(conn);
    return entered.compose(v -> done);
  }

  @Override
  public <T> Future<T> withTransaction(Function<SqlConnection, Future<T>> work) {
    return pool.withTransaction(conn -> scoped(conn, work));
  }

  @Override
  public <T> Future<T> withTransaction(
      TransactionPropagation propagation, Function<SqlConnection, Future<T>> work) {
    return pool.withTransaction(propagation, conn -> scoped(conn, work));
  }

  // One statement in one round trip: BEGIN, the scope, the statement and COMMIT are sent together
  // on one connection (it pipelines them, in order). After a failed statement, COMMIT ends the
  // aborted transaction as a rollback. The answer waits for COMMIT (a deferred constraint fails
  // there) and is the first failure in order, else the statement's rows.
  private <T> Future<T> once(Function<SqlConnection, Future<T>> statement) {
    return pool.withConnection(
        conn -> {
          List<Future<?>> steps = new ArrayList<>(4);
          steps.add(conn.query("BEGIN").execute());
          steps.add(enter(conn));
          Future<T> done = statement.apply(conn);
          steps.add(done);
          steps.add(conn.query("COMMIT").execute());
          return Future.join(steps)
              .transform(
                  all -> {
                    for (Future<?> step : steps) {
                      if (step.failed()) {
                        return Future.failedFuture(step.cause());
                      }
                    }
                    return done;
                  });
        });
  }

  @Override
  public <T> Future<T> withConnection(Function<SqlConnection, Future<T>> work) {
    return withTransaction(work);
  }

  @Override
  public PreparedQuery<RowSet<Row>> preparedQuery(String sql) {
    return new Scoped(sql);
  }

  @Override
  public PreparedQuery<RowSet<Row>> preparedQuery(String sql, PrepareOptions options) {
    return new Scoped(sql);
  }

  @Override
  public Query<RowSet<Row>> query(String sql) {
    return new Scoped(sql);
  }

  @Override
  public Future<SqlConnection> getConnection() {
    throw new UnsupportedOperationException("a bare connection would leave the workspace scope");
  }

  @Override
  public int size() {
    return pool.size();
  }

  /** The underlying pool is shared: closing a view of it closes nothing. */
  @Override
  public Future<Void> close() {
    return Future.succeededFuture();
  }

  private final class Scoped implements PreparedQuery<RowSet<Row>> {
    private final String sql;

    Scoped(String sql) {
      this.sql = sql;
    }

    @Override
    public Future<RowSet<Row>> execute(Tuple tuple) {
      return once(conn -> conn.preparedQuery(sql).execute(tuple));
    }

    @Override
    public Future<RowSet<Row>> execute() {
      return once(conn -> conn.preparedQuery(sql).execute());
    }

    @Override
    public Future<RowSet<Row>> executeBatch(List<Tuple> batch) {
      return once(conn -> conn.preparedQuery(sql).executeBatch(batch));
    }

    @Override
    public <R> PreparedQuery<SqlResult<R>> collecting(Collector<Row, ?, R> collector) {
      throw new UnsupportedOperationException("not scoped");
    }

    @Override
    public <U> PreparedQuery<RowSet<U>> mapping(Function<Row, U> mapper) {
      throw new UnsupportedOperationException("not scoped");
    }
  }
}
