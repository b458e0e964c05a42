package org.openpincery.store;

import io.vertx.core.Future;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.openpincery.vault.Vault;

/** Workspace credentials: ciphertext and nonce only; the plaintext never reaches the database. */
public final class CredentialRepository {

  private static final String CREATE =
      """
      INSERT INTO credentials (workspace_id, name, ciphertext, nonce) VALUES ($1, $2, $3, $4)
      RETURNING created_at
      """;

  private static final String LIST =
      """
      SELECT name, created_at FROM credentials
       WHERE workspace_id = $1 AND revoked_at IS NULL
       ORDER BY name
      """;

  private static final String REVOKE =
      """
      UPDATE credentials SET revoked_at = now()
       WHERE workspace_id = $1 AND name = $2 AND revoked_at IS NULL
      """;

  private static final String LIVE =
      """
      SELECT name, ciphertext, nonce FROM credentials
       WHERE workspace_id = $1 AND revoked_at IS NULL
      """;

  private static final String COUNT_ALL = "SELECT count(*) AS n FROM credentials";

  private static final String ALL_FOR_ROTATION =
      "SELECT id, workspace_id, name, ciphertext, nonce FROM credentials FOR UPDATE";

  private static final String REPLACE =
      "UPDATE credentials SET ciphertext = $2, nonce = $3 WHERE id = $1";

  private static final String UNIQUE_NAME = "credentials_workspace_name_uq";

  private final Pool pool;

  CredentialRepository(Pool pool) {
    this.pool = pool;
  }

  public record Listed(String name, OffsetDateTime createdAt) {}

  /** A live credential, still sealed. */
  public record Stored(String name, Vault.Sealed sealed) {}

  /** The outcome of storing a credential. */
  public sealed interface CreateResult {
    record Created(OffsetDateTime createdAt) implements CreateResult {}

    /** A live credential of the workspace has that name (revoke it first). */
    record NameTaken() implements CreateResult {}
  }

  public Future<CreateResult> create(UUID workspaceId, String name, Vault.Sealed sealed) {
    return create(pool, workspaceId, name, sealed);
  }

  /**
   * {@link #create(UUID, String, Vault.Sealed)} on {@code client} (a transaction's connection: on
   * {@link CreateResult.NameTaken} that transaction is aborted and must roll back).
   */
  public Future<CreateResult> create(
      SqlClient client, UUID workspaceId, String name, Vault.Sealed sealed) {
    return client
        .preparedQuery(CREATE)
        .execute(
            Tuple.of(
                workspaceId,
                name,
                io.vertx.core.buffer.Buffer.buffer(sealed.ciphertext()),
                io.vertx.core.buffer.Buffer.buffer(sealed.nonce())))
        .map(
            rows ->
                (CreateResult)
                    new CreateResult.Created(
                        rows.iterator().next().getOffsetDateTime("created_at")))
        .recover(
            err ->
                err instanceof PgException pg && UNIQUE_NAME.equals(pg.getConstraint())
                    ? Future.succeededFuture(new CreateResult.NameTaken())
                    : Future.failedFuture(err));
  }

  public Future<List<Listed>> list(UUID workspaceId) {
    return pool.preparedQuery(LIST)
        .execute(Tuple.of(workspaceId))
        .map(
            rows -> {
              List<Listed> out = new ArrayList<>(rows.size());
              rows.forEach(
                  r -> out.add(new Listed(r.getString("name"), r.getOffsetDateTime("created_at"))));
              return out;
            });
  }

  /** False when the workspace has no live credential of that name. */
  public Future<Boolean> revoke(UUID workspaceId, String name) {
    return pool.preparedQuery(REVOKE)
        .execute(Tuple.of(workspaceId, name))
        .map(rows -> rows.rowCount() == 1);
  }

  /** The workspace's live credentials, sealed (the executor opens what a call needs). */
  public Future<List<Stored>> live(UUID workspaceId) {
    return pool.preparedQuery(LIVE)
        .execute(Tuple.of(workspaceId))
        .map(
            rows -> {
              List<Stored> out = new ArrayList<>(rows.size());
              for (Row r : rows) {
                out.add(
                    new Stored(
                        r.getString("name"),
                        new Vault.Sealed(
                            r.getBuffer("ciphertext").getBytes(),
                            r.getBuffer("nonce").getBytes())));
              }
              return out;
            });
  }

  /** How many credentials exist (revoked ones too: they are still sealed under the key). */
  public Future<Long> count() {
    return pool.query(COUNT_ALL).execute().map(rows -> rows.iterator().next().getLong("n"));
  }

  /**
   * Re-seals every credential (revoked ones too) from {@code from} to {@code to} in one
   * transaction: all or nothing. Returns how many.
   */
  public Future<Integer> rotate(Vault from, Vault to) {
    return pool.withTransaction(
        conn ->
            conn.query(ALL_FOR_ROTATION)
                .execute()
                .compose(
                    rows -> {
                      List<Tuple> updates = new ArrayList<>(rows.size());
                      for (Row r : rows) {
                        UUID workspace = r.getUUID("workspace_id");
                        String name = r.getString("name");
                        String value =
                            from.open(
                                workspace,
                                name,
                                new Vault.Sealed(
                                    r.getBuffer("ciphertext").getBytes(),
                                    r.getBuffer("nonce").getBytes()));
                        Vault.Sealed resealed = to.seal(workspace, name, value);
                        updates.add(
                            Tuple.of(
                                r.getUUID("id"),
                                io.vertx.core.buffer.Buffer.buffer(resealed.ciphertext()),
                                io.vertx.core.buffer.Buffer.buffer(resealed.nonce())));
                      }
                      return updates.isEmpty()
                          ? Future.succeededFuture(0)
                          : conn.preparedQuery(REPLACE)
                              .executeBatch(updates)
                              .map(v -> updates.size());
                    }));
  }
}
