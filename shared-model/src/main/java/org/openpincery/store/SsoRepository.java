package org.openpincery.store;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Optional;
import java.util.UUID;
import org.openpincery.model.Role;
import org.openpincery.notify.Notifier;

/**
 * Single sign-on (OpenID Connect, issue 14): logins in progress between the redirect to the
 * identity provider and its callback, and the sign-in that follows a valid callback (user created
 * just in time, membership, session). Only the SHA-256 of a login's state and of a session token
 * are stored.
 */
public final class SsoRepository {

  // Each new login also removes the abandoned ones (oidc_logins_expires_at_idx), so the table
  // holds at most the logins of the last few minutes without a pruning job.
  private static final String START_LOGIN =
      """
      WITH abandoned AS (DELETE FROM oidc_logins WHERE expires_at < now())
      INSERT INTO oidc_logins (state_hash, nonce, code_verifier, redirect_to, expires_at)
      VALUES ($1, $2, $3, $4, now() + $5 * interval '1 second')
      """;

  // Single use: the row is gone whatever the callback's outcome, so a replayed callback (or a
  // second tab racing the first) finds nothing. Expiry is judged on database time.
  private static final String CONSUME_LOGIN =
      """
      DELETE FROM oidc_logins WHERE state_hash = $1
      RETURNING nonce, code_verifier, redirect_to, expires_at > now() AS live
      """;

  // The workspace SSO users join (the installation's when none is configured), the user with this
  // email if any, and their role there if they are a member. No row: no such workspace.
  private static final String FIND_MEMBER =
      """
      SELECT w.id AS workspace_id, u.id AS user_id, m.role
        FROM workspaces w
        LEFT JOIN users u ON u.email = $2
        LEFT JOIN memberships m ON m.workspace_id = w.id AND m.user_id = u.id
       WHERE w.id = COALESCE($1::uuid, (SELECT workspace_id FROM installation))
      """;

  // A concurrent first sign-in of the same person may insert them first: DO NOTHING, then read
  // the row that won (visible to the next statement under READ COMMITTED).
  private static final String INSERT_USER =
      """
      INSERT INTO users (email, name) VALUES ($1, $2) ON CONFLICT (email) DO NOTHING RETURNING id
      """;

  private static final String SELECT_USER_ID =
      """
      SELECT id FROM users WHERE email = $1
      """;

  private static final String INSERT_MEMBER =
      """
      INSERT INTO memberships (workspace_id, user_id, role) VALUES ($1, $2, $3)
      ON CONFLICT (workspace_id, user_id) DO NOTHING
      """;

  // Role sync never demotes an owner: owners are made and unmade in the application, which keeps
  // the last-owner rule.
  private static final String SYNC_ROLE =
      """
      UPDATE memberships SET role = $3
       WHERE workspace_id = $1 AND user_id = $2 AND role <> 'owner' AND role <> $3
      """;

  // The session, and the member's role as this transaction left it.
  private static final String CREATE_SESSION =
      """
      WITH session AS (
          INSERT INTO sessions (user_id, token_hash, expires_at, workspace_id, kind)
          VALUES ($1, $2, now() + $3 * interval '1 second', $4, 'oidc')
          RETURNING expires_at
      )
      SELECT session.expires_at, m.role
        FROM session, memberships m
       WHERE m.workspace_id = $4 AND m.user_id = $1
      """;

  private final Pool pool;
  private final Notifier notifier;

  SsoRepository(Pool pool, Notifier notifier) {
    this.pool = pool;
    this.notifier = notifier;
  }

  /** A login taken back by its callback. {@code live} is false once it has expired. */
  public record PendingLogin(String nonce, String codeVerifier, String redirectTo, boolean live) {}

  /** Who signs in, as the identity provider vouched: a lower-case email and a display name. */
  public record Identity(String email, String name) {}

  /** The outcome of a sign-in. */
  public sealed interface SignInResult {
    /**
     * A session in {@code workspaceId}.
     *
     * @param newUser the user was created by this sign-in
     * @param newMember the membership was created by this sign-in
     * @param roleChanged an existing member's role was set to the mapped one ({@code syncRole})
     */
    record SignedIn(
        UUID userId,
        UUID workspaceId,
        Role role,
        boolean newUser,
        boolean newMember,
        boolean roleChanged,
        OffsetDateTime expiresAt)
        implements SignInResult {}

    /** The person has no role to sign in with (nothing was written). */
    record NoRole() implements SignInResult {}

    /** The configured workspace does not exist, or the installation is not bootstrapped yet. */
    record NoWorkspace() implements SignInResult {}
  }

  /** Records a login in progress for {@code ttl}. */
  public Future<Void> startLogin(
      byte[] stateHash, String nonce, String codeVerifier, String redirectTo, Duration ttl) {
    return pool.preparedQuery(START_LOGIN)
        .execute(
            Tuple.tuple()
                .addBuffer(Buffer.buffer(stateHash))
                .addString(nonce)
                .addString(codeVerifier)
                .addString(redirectTo)
                .addLong(ttl.toSeconds()))
        .mapEmpty();
  }

  /** Takes the login with this state digest away; empty when there is none (forged or reused). */
  public Future<Optional<PendingLogin>> consumeLogin(byte[] stateHash) {
    return pool.preparedQuery(CONSUME_LOGIN)
        .execute(Tuple.tuple().addBuffer(Buffer.buffer(stateHash)))
        .map(
            rows ->
                Rows.first(
                    rows,
                    row ->
                        new PendingLogin(
                            row.getString("nonce"),
                            row.getString("code_verifier"),
                            row.getString("redirect_to"),
                            row.getBoolean("live"))));
  }

  /**
   * Signs a person in, in one transaction: creates the user if no user has this email, makes them a
   * member of the workspace if they are not one, and opens a session ({@code kind = 'oidc'}) there.
   * The role rules (docs/sso.md):
   *
   * <ul>
   *   <li>a new member gets {@code mapped}; without one ({@code OIDC_DEFAULT_ROLE=none} and no
   *       mapped claim) the result is {@link SignInResult.NoRole} and nothing is written;
   *   <li>an existing member keeps their role, unless {@code syncRole}: then their role becomes
   *       {@code mapped} (an owner stays owner), and without one they are refused ({@code NoRole}).
   * </ul>
   *
   * @param workspaceId the workspace to join; empty: the installation's
   * @param tokenHash SHA-256 of the new session token
   */
  public Future<SignInResult> signIn(
      Optional<UUID> workspaceId,
      Identity who,
      Optional<Role> mapped,
      boolean syncRole,
      byte[] tokenHash,
      Duration ttl) {
    return pool.<SignInResult>withTransaction(
            conn ->
                conn.preparedQuery(FIND_MEMBER)
                    .execute(Tuple.of(workspaceId.orElse(null), who.email()))
                    .compose(
                        rows -> {
                          if (rows.size() == 0) {
                            return Future.succeededFuture(new SignInResult.NoWorkspace());
                          }
                          Row row = rows.iterator().next();
                          Optional<Role> current =
                              Optional.ofNullable(row.getString("role")).map(Role::of);
                          if (mapped.isEmpty() && (current.isEmpty() || syncRole)) {
                            return Future.succeededFuture(new SignInResult.NoRole());
                          }
                          return signIn(
                              conn,
                              new Member(
                                  row.getUUID("workspace_id"),
                                  Optional.ofNullable(row.getUUID("user_id")),
                                  current),
                              who,
                              mapped,
                              syncRole,
                              tokenHash,
                              ttl);
                        }))
        .map(
            result -> {
              // After the commit: every gateway drops what it cached of this member's sessions.
              if (result instanceof SignInResult.SignedIn s && s.roleChanged()) {
                notifier.userChanged(s.userId());
              }
              return result;
            });
  }

  /** What FIND_MEMBER found: the workspace, the user if any, their role there if a member. */
  private record Member(UUID workspaceId, Optional<UUID> userId, Optional<Role> role) {}

  private Future<SignInResult> signIn(
      SqlConnection conn,
      Member found,
      Identity who,
      Optional<Role> mapped,
      boolean syncRole,
      byte[] tokenHash,
      Duration ttl) {
    UUID workspace = found.workspaceId();
    return user(conn, found, who)
        .compose(
            userId ->
                membership(conn, found, userId, mapped, syncRole)
                    .compose(
                        roleChanged ->
                            conn.preparedQuery(CREATE_SESSION)
                                .execute(
                                    Tuple.tuple()
                                        .addUUID(userId)
                                        .addBuffer(Buffer.buffer(tokenHash))
                                        .addLong(ttl.toSeconds())
                                        .addUUID(workspace))
                                .map(
                                    rows -> {
                                      Row row = rows.iterator().next();
                                      return new SignInResult.SignedIn(
                                          userId,
                                          workspace,
                                          Role.of(row.getString("role")),
                                          found.userId().isEmpty(),
                                          found.role().isEmpty(),
                                          roleChanged,
                                          row.getOffsetDateTime("expires_at"));
                                    })));
  }

  /** The user's id, creating the user when none has this email. */
  private static Future<UUID> user(SqlConnection conn, Member found, Identity who) {
    if (found.userId().isPresent()) {
      return Future.succeededFuture(found.userId().get());
    }
    return conn.preparedQuery(INSERT_USER)
        .execute(Tuple.of(who.email(), who.name()))
        .compose(
            rows ->
                rows.size() == 1
                    ? Future.succeededFuture(rows.iterator().next().getUUID("id"))
                    : conn.preparedQuery(SELECT_USER_ID)
                        .execute(Tuple.of(who.email()))
                        .map(again -> again.iterator().next().getUUID("id")));
  }

  /** Makes a new member, or syncs a member's role; true when an existing member's role changed. */
  private static Future<Boolean> membership(
      SqlConnection conn, Member found, UUID userId, Optional<Role> mapped, boolean syncRole) {
    if (found.role().isEmpty()) {
      return conn.preparedQuery(INSERT_MEMBER)
          .execute(Tuple.of(found.workspaceId(), userId, mapped.orElseThrow().wire()))
          .map(false);
    }
    if (syncRole) {
      return conn.preparedQuery(SYNC_ROLE)
          .execute(Tuple.of(found.workspaceId(), userId, mapped.orElseThrow().wire()))
          .map(rows -> rows.rowCount() == 1);
    }
    return Future.succeededFuture(false);
  }
}
