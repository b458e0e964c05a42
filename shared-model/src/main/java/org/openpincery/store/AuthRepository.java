package org.openpincery.store;

import io.vertx.core.Future;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Optional;
import java.util.UUID;

/**
 * Bootstrap, sessions and who a session belongs to. Only SHA-256 digests of session tokens are
 * stored or compared; the tokens themselves never reach the database.
 */
public final class AuthRepository {

  // One statement, so one transaction: installation row, admin, workspace, owner membership and
  // the first session. The installation primary key makes a second bootstrap fail with 23505,
  // even when two race (the loser waits on the key, then fails). Foreign keys are checked at the
  // end of the statement, so the insert order inside it does not matter.
  private static final String BOOTSTRAP =
      """
      WITH installation_row AS (
          INSERT INTO installation (admin_user_id, workspace_id) VALUES ($1, $2)
          RETURNING admin_user_id, workspace_id
      ), admin AS (
          INSERT INTO users (id, email, name) SELECT admin_user_id, $3, $4 FROM installation_row
          RETURNING id
      ), workspace AS (
          INSERT INTO workspaces (id, name) SELECT workspace_id, $5 FROM installation_row
          RETURNING id
      ), owner AS (
          INSERT INTO memberships (workspace_id, user_id, role)
          SELECT workspace.id, admin.id, 'owner' FROM workspace, admin
          RETURNING user_id
      )
      INSERT INTO sessions (user_id, token_hash, expires_at)
      SELECT owner.user_id, $6, now() + $7 * interval '1 second' FROM owner
      RETURNING expires_at
      """;

  private static final String LOGIN =
      """
      INSERT INTO sessions (user_id, token_hash, expires_at)
      SELECT i.admin_user_id, $1, now() + $2 * interval '1 second' FROM installation i
      RETURNING user_id, expires_at
      """;

  private static final String CREATE_SESSION =
      """
      INSERT INTO sessions (user_id, token_hash, expires_at)
      VALUES ($1, $2, now() + $3 * interval '1 second')
      RETURNING expires_at
      """;

  // The hot path of every authenticated request: one index lookup on sessions_token_hash_uq and
  // one on memberships_user_idx. Revoked and expired sessions simply do not match.
  private static final String AUTHENTICATE =
      """
      SELECT s.id AS session_id, s.user_id, s.expires_at, m.workspace_id, m.role
        FROM sessions s
        JOIN LATERAL (SELECT workspace_id, role FROM memberships
                       WHERE user_id = s.user_id ORDER BY created_at LIMIT 1) m ON true
       WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > now()
      """;

  private static final String REVOKE_SESSION =
      """
      UPDATE sessions SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL
      """;

  private static final String SELECT_USER =
      """
      SELECT email, name FROM users WHERE id = $1
      """;

  private static final String ADD_MEMBER =
      """
      WITH new_user AS (INSERT INTO users (email, name) VALUES ($2, $3) RETURNING id)
      INSERT INTO memberships (workspace_id, user_id, role)
      SELECT $1, id, $4 FROM new_user RETURNING user_id
      """;

  private final Pool pool;

  AuthRepository(Pool pool) {
    this.pool = pool;
  }

  /** The outcome of a bootstrap. */
  public sealed interface BootstrapResult {
    record Bootstrapped(UUID userId, UUID workspaceId, OffsetDateTime sessionExpiresAt)
        implements BootstrapResult {}

    record AlreadyBootstrapped() implements BootstrapResult {}
  }

  /** Who an authenticated request acts as. */
  public record Principal(
      UUID sessionId, UUID userId, UUID workspaceId, String role, OffsetDateTime expiresAt) {}

  /** A user's profile. */
  public record UserProfile(String email, String name) {}

  public Future<BootstrapResult> bootstrap(
      String email, String name, String workspaceName, byte[] tokenHash, Duration sessionTtl) {
    UUID userId = UUID.randomUUID();
    UUID workspaceId = UUID.randomUUID();
    Tuple params =
        Tuple.of(userId, workspaceId, email, name, workspaceName)
            .addBuffer(io.vertx.core.buffer.Buffer.buffer(tokenHash))
            .addLong(sessionTtl.toSeconds());
    return pool.preparedQuery(BOOTSTRAP)
        .execute(params)
        .map(
            rows ->
                (BootstrapResult)
                    new BootstrapResult.Bootstrapped(
                        userId,
                        workspaceId,
                        rows.iterator().next().getOffsetDateTime("expires_at")))
        .recover(
            err ->
                isUniqueViolation(err, "installation_pk")
                    ? Future.succeededFuture(new BootstrapResult.AlreadyBootstrapped())
                    : Future.failedFuture(err));
  }

  /** A new session for the installation's admin; empty when not bootstrapped yet. */
  public Future<Optional<UUID>> login(byte[] tokenHash, Duration sessionTtl) {
    return pool.preparedQuery(LOGIN)
        .execute(
            Tuple.tuple()
                .addBuffer(io.vertx.core.buffer.Buffer.buffer(tokenHash))
                .addLong(sessionTtl.toSeconds()))
        .map(rows -> Rows.first(rows, row -> row.getUUID("user_id")));
  }

  public Future<OffsetDateTime> createSession(UUID userId, byte[] tokenHash, Duration ttl) {
    return pool.preparedQuery(CREATE_SESSION)
        .execute(
            Tuple.tuple()
                .addUUID(userId)
                .addBuffer(io.vertx.core.buffer.Buffer.buffer(tokenHash))
                .addLong(ttl.toSeconds()))
        .map(rows -> rows.iterator().next().getOffsetDateTime("expires_at"));
  }

  /** The live session with this token digest, if any. */
  public Future<Optional<Principal>> authenticate(byte[] tokenHash) {
    return pool.preparedQuery(AUTHENTICATE)
        .execute(Tuple.tuple().addBuffer(io.vertx.core.buffer.Buffer.buffer(tokenHash)))
        .map(
            rows ->
                Rows.first(
                    rows,
                    row ->
                        new Principal(
                            row.getUUID("session_id"),
                            row.getUUID("user_id"),
                            row.getUUID("workspace_id"),
                            row.getString("role"),
                            row.getOffsetDateTime("expires_at"))));
  }

  /** Revokes a session; later requests with its token get 401. */
  public Future<Boolean> revoke(UUID sessionId) {
    return pool.preparedQuery(REVOKE_SESSION)
        .execute(Tuple.of(sessionId))
        .map(rows -> rows.rowCount() == 1);
  }

  public Future<Optional<UserProfile>> user(UUID userId) {
    return pool.preparedQuery(SELECT_USER)
        .execute(Tuple.of(userId))
        .map(
            rows ->
                Rows.first(
                    rows, row -> new UserProfile(row.getString("email"), row.getString("name"))));
  }

  /** Adds a new user to a workspace with a role. */
  public Future<UUID> addMember(UUID workspaceId, String email, String name, String role) {
    return pool.preparedQuery(ADD_MEMBER)
        .execute(Tuple.of(workspaceId, email, name, role))
        .map(rows -> rows.iterator().next().getUUID("user_id"));
  }

  static boolean isUniqueViolation(Throwable err, String constraint) {
    return err instanceof PgException pg
        && "23505".equals(pg.getSqlState())
        && (constraint == null || constraint.equals(pg.getConstraint()));
  }

  // Expired sessions, and revoked ones a day after revocation (kept that long for audit).
  private static final String PRUNE_SESSIONS =
      """
      DELETE FROM sessions
       WHERE expires_at < now() OR revoked_at < now() - interval '1 day'
      """;

  /** Deletes sessions that can no longer authenticate anyone; returns how many. */
  public Future<Integer> pruneSessions() {
    return pool.query(PRUNE_SESSIONS).execute().map(rows -> rows.rowCount());
  }
}
