package org.openpincery.store;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;

/**
 * Creates made at most once per {@code Idempotency-Key} (IETF draft-ietf-httpapi-idempotency-key
 * -header): the key row and the create commit in one transaction, the key row holding the create's
 * response, so a retry with the same key replays that response and a retry of a create that did not
 * commit runs it again. Keys belong to a user and a scope (the route, with the agent for an agent's
 * sub-resource); table {@code request_idempotency_keys} (V10).
 */
public final class IdempotencyRepository {

  // Takes the key, or finds it taken. A second request with the same key waits here on the first's
  // uncommitted row, then sees it committed (a replay) or, if the first rolled back, takes it.
  private static final String TAKE =
      """
      INSERT INTO request_idempotency_keys (user_id, scope, key, fingerprint)
      VALUES ($1, $2, $3, $4)
      ON CONFLICT ON CONSTRAINT request_idempotency_keys_pkey DO NOTHING
      """;

  private static final String FIND =
      """
      SELECT fingerprint, status, response FROM request_idempotency_keys
       WHERE user_id = $1 AND scope = $2 AND key = $3
      """;

  private static final String KEEP =
      """
      UPDATE request_idempotency_keys SET status = $4, response = $5, agent_id = $6
       WHERE user_id = $1 AND scope = $2 AND key = $3
      """;

  private static final String PRUNE =
      """
      DELETE FROM request_idempotency_keys WHERE created_at < now() - $1 * interval '1 second'
      """;

  private final Pool pool;

  IdempotencyRepository(Pool pool) {
    this.pool = pool;
  }

  /**
   * Where a key is valid: the user who sent it and the route it was sent to.
   *
   * @param scope the route, e.g. {@code POST /api/agents} or {@code POST
   *     /api/agents/<id>/schedules}
   */
  public record Scope(UUID userId, String scope) {}

  /**
   * A create's response, kept under its key.
   *
   * @param status the HTTP status (201)
   * @param body the response body; a {@code webhook_secret} member is removed from the stored copy
   *     when that agent's secret is rotated or the agent deleted
   * @param agentId the agent the response describes, if any
   */
  public record Response(int status, JsonObject body, Optional<UUID> agentId) {}

  /** What a keyed create did. */
  public sealed interface Outcome {
    /** The create ran now and committed with its key. */
    record Created(Response response) implements Outcome {}

    /** The key was used before for the same request: the first response, as stored. */
    record Replayed(int status, JsonObject body) implements Outcome {}

    /** The key was used before for a different request; nothing was written. */
    record KeyReused() implements Outcome {}
  }

  /**
   * Runs {@code create} once per key: in one transaction with the key row when {@code key} is
   * present, on the pool otherwise. A failed {@code create} rolls back and keeps no key (a retry
   * runs it again), so it must fail its future for every outcome that is not a create — including a
   * refusal such as a name already taken.
   *
   * @param fingerprint what identifies the request (SHA-256 of its meaningful content); a key seen
   *     with another fingerprint is {@link Outcome.KeyReused}
   * @param create the create, on the client it is given (a transaction's connection or the pool)
   */
  public Future<Outcome> createOnce(
      Scope scope,
      Optional<String> key,
      byte[] fingerprint,
      Function<SqlClient, Future<Response>> create) {
    if (key.isEmpty()) {
      return create.apply(pool).map(Outcome.Created::new);
    }
    Tuple id = Tuple.of(scope.userId(), scope.scope(), key.get());
    return pool.withTransaction(
        conn ->
            conn.preparedQuery(TAKE)
                .execute(id.addBuffer(Buffer.buffer(fingerprint)))
                .compose(
                    taken -> {
                      if (taken.rowCount() == 0) {
                        return conn.preparedQuery(FIND)
                            .execute(Tuple.of(scope.userId(), scope.scope(), key.get()))
                            .map(rows -> previous(rows.iterator().next(), fingerprint));
                      }
                      return create
                          .apply(conn)
                          .compose(
                              response ->
                                  conn.preparedQuery(KEEP)
                                      .execute(
                                          Tuple.tuple()
                                              .addUUID(scope.userId())
                                              .addString(scope.scope())
                                              .addString(key.get())
                                              .addInteger(response.status())
                                              .addValue(response.body())
                                              .addUUID(response.agentId().orElse(null)))
                                      .map(kept -> (Outcome) new Outcome.Created(response)));
                    }));
  }

  /** Forgets keys older than the retention; returns how many. */
  public Future<Integer> prune(Duration retention) {
    return pool.preparedQuery(PRUNE)
        .execute(Tuple.of(retention.toSeconds()))
        .map(rows -> rows.rowCount());
  }

  private static Outcome previous(Row row, byte[] fingerprint) {
    if (!Arrays.equals(row.getBuffer("fingerprint").getBytes(), fingerprint)) {
      return new Outcome.KeyReused();
    }
    return new Outcome.Replayed(row.getInteger("status"), (JsonObject) row.getValue("response"));
  }
}
