package org.openpincery.store;

import io.vertx.core.Future;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Optional;
import java.util.UUID;
import org.openpincery.model.Role;
import org.openpincery.notify.Notifier;

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
      INSERT INTO sessions (user_id, workspace_id, kind, token_hash, expires_at)
      SELECT owner.user_id, $2, 'bootstrap', $6, now() + $7 * interval '1 second' FROM owner
      RETURNING expires_at
      """;

  // The bootstrap token is the recovery path: its holder is the installation's first user and an
  // owner of the installation's workspace again, even if they were demoted or removed since.
  private static final String LOGIN =
      """
      WITH owner AS (
          INSERT INTO memberships (workspace_id, user_id, role)
          SELECT i.workspace_id, i.admin_user_id, 'owner' FROM installation i
          ON CONFLICT ON CONSTRAINT memberships_pk DO UPDATE SET role = 'owner'
          RETURNING workspace_id, user_id
      )
      INSERT INTO sessions (user_id, workspace_id, kind, token_hash, expires_at)
      SELECT owner.user_id, owner.workspace_id, 'bootstrap', $1, now() + $2 * interval '1 second'
        FROM owner
      RETURNING user_id, expires_at
      """;

  private static final String CREATE_SESSION =
      """
      INSERT INTO sessions (user_id, workspace_id, kind, token_hash, expires_at)
      VALUES ($1, $2, $3, $4, now() + $5 * interval '1 second')
      RETURNING expires_at
      """;

  // The hot path of every authenticated request: one index lookup on sessions_token_hash_uq and
  // one on memberships_pk. Revoked and expired sessions simply do not match, and neither does a
  // session whose user is no longer a member of its workspace.
  private static final String AUTHENTICATE =
      """
      SELECT s.id AS session_id, s.user_id, s.expires_at, s.workspace_id, m.role
        FROM sessions s
        JOIN memberships m ON m.user_id = s.user_id AND m.workspace_id = s.workspace_id
       WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > now()
      """;

  // An API token by its digest, whatever its state, so that a refusal can say why (revoked,
  // expired, creator gone) and be audited in the token's workspace. A live token's last use is
  // recorded at most once a minute.
  private static final String AUTHENTICATE_TOKEN =
      """
      WITH t AS (
          SELECT t.id, t.user_id, t.workspace_id, t.role AS token_role, t.expires_at,
                 t.revoked_at, t.last_used_at, m.role AS member_role,
                 t.expires_at IS NOT NULL AND t.expires_at <= now() AS expired
            FROM api_tokens t
            LEFT JOIN memberships m ON m.user_id = t.user_id AND m.workspace_id = t.workspace_id
           WHERE t.token_hash = $1
      ), touched AS (
          UPDATE api_tokens SET last_used_at = now()
           WHERE id = (SELECT id FROM t WHERE revoked_at IS NULL AND NOT expired
                                          AND member_role IS NOT NULL)
             AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')
          RETURNING id
      )
      SELECT t.* FROM t
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
  private final Notifier notifier;

  AuthRepository(Pool pool, Notifier notifier) {
    this.pool = pool;
    this.notifier = notifier;
  }

  /** The outcome of a bootstrap. */
  public sealed interface BootstrapResult {
    record Bootstrapped(UUID userId, UUID workspaceId, OffsetDateTime sessionExpiresAt)
        implements BootstrapResult {}

    record AlreadyBootstrapped() implements BootstrapResult {}
  }

  /**
   * Who an authenticated request acts as.
   *
   * @param sessionId the session's id, or the API token's id when {@code kind} is {@code API_TOKEN}
   * @param role the role the request acts with: the member's, or for a token the lower of the
   *     token's and its creator's
   * @param expiresAt when the session or token stops working; {@code null} for a token that never
   *     expires
   */
  public record Principal(
      UUID sessionId,
      UUID userId,
      UUID workspaceId,
      Role role,
      OffsetDateTime expiresAt,
      Kind kind) {

    /** How the request authenticated. */
    public enum Kind {
      SESSION,
      API_TOKEN
    }

    public boolean isApiToken() {
      return kind == Kind.API_TOKEN;
    }
  }

  /** What an API token's digest authenticates as. */
  public sealed interface TokenCheck {
    /** A live token; {@code previousUse} is its last use before this one (null: never). */
    record Valid(Principal principal, OffsetDateTime previousUse) implements TokenCheck {}

    /** A token that exists but no longer works; {@code reason} says why, for the client. */
    record Refused(UUID tokenId, UUID userId, UUID workspaceId, String reason)
        implements TokenCheck {}

    /** No token has this digest. */
    record Unknown() implements TokenCheck {}
  }

  /** A user's profile. */
  public record UserProfile(String email, String name) {}

  public Future<BootstrapResult> bootstrap(
      String email, String name, String workspaceName, byte[] tokenHash, Duration sessionTtl) {
    UUID userId = UUID.randomUUID();
    UUID workspaceId = UUID.randomUUID();
    Tuple params =
        Tuple.of(userId, workspaceId, email.toLowerCase(java.util.Locale.ROOT), name, workspaceName)
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

  /**
   * A new session for a member of a workspace.
   *
   * @param kind how it was signed in: {@code bootstrap}, {@code invitation} or {@code oidc}
   */
  public Future<OffsetDateTime> createSession(
      UUID userId, UUID workspaceId, String kind, byte[] tokenHash, Duration ttl) {
    return pool.preparedQuery(CREATE_SESSION)
        .execute(
            Tuple.tuple()
                .addUUID(userId)
                .addUUID(workspaceId)
                .addString(kind)
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
                            Role.of(row.getString("role")),
                            row.getOffsetDateTime("expires_at"),
                            Principal.Kind.SESSION)));
  }

  /** What an API token's digest authenticates as; records a live token's use. */
  public Future<TokenCheck> authenticateToken(byte[] tokenHash) {
    return pool.preparedQuery(AUTHENTICATE_TOKEN)
        .execute(Tuple.tuple().addBuffer(io.vertx.core.buffer.Buffer.buffer(tokenHash)))
        .map(
            rows -> {
              if (rows.size() == 0) {
                return new TokenCheck.Unknown();
              }
              var row = rows.iterator().next();
              UUID id = row.getUUID("id");
              UUID user = row.getUUID("user_id");
              UUID workspace = row.getUUID("workspace_id");
              if (row.getOffsetDateTime("revoked_at") != null) {
                return new TokenCheck.Refused(
                    id,
                    user,
                    workspace,
                    "the API token was revoked at " + row.getValue("revoked_at"));
              }
              if (row.getBoolean("expired")) {
                return new TokenCheck.Refused(
                    id, user, workspace, "the API token expired at " + row.getValue("expires_at"));
              }
              if (row.getString("member_role") == null) {
                return new TokenCheck.Refused(
                    id,
                    user,
                    workspace,
                    "the API token's creator is no longer a member of its workspace");
              }
              Role role =
                  Role.lower(
                      Role.of(row.getString("token_role")), Role.of(row.getString("member_role")));
              return new TokenCheck.Valid(
                  new Principal(
                      id,
                      user,
                      workspace,
                      role,
                      row.getOffsetDateTime("expires_at"),
                      Principal.Kind.API_TOKEN),
                  row.getOffsetDateTime("last_used_at"));
            });
  }

  /** Looks a session or API token up again (a long-lived stream's periodic check). */
  public Future<Optional<Principal>> recheck(byte[] tokenHash, Principal.Kind kind) {
    return kind == Principal.Kind.SESSION
        ? authenticate(tokenHash)
        : authenticateToken(tokenHash)
            .map(
                check ->
                    check instanceof TokenCheck.Valid v
                        ? Optional.of(v.principal())
                        : Optional.<Principal>empty());
  }

  /** Revokes a session; later requests with its token get 401. Not for API tokens. */
  public Future<Boolean> revoke(UUID sessionId) {
    return pool.preparedQuery(REVOKE_SESSION)
        .execute(Tuple.of(sessionId))
        .map(
            rows -> {
              notifier.sessionEnded(sessionId);
              return rows.rowCount() == 1;
            });
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
  public Future<UUID> addMember(UUID workspaceId, String email, String name, Role role) {
    return pool.preparedQuery(ADD_MEMBER)
        .execute(Tuple.of(workspaceId, email.toLowerCase(java.util.Locale.ROOT), name, role.wire()))
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
