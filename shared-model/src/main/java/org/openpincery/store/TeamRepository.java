package org.openpincery.store;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import org.openpincery.model.Role;
import org.openpincery.notify.Notifier;

/**
 * Workspaces, memberships, invitations and API tokens (issue 14). Only SHA-256 digests of
 * invitation and API tokens are stored. Changes to a workspace's members lock its {@code
 * workspaces} row first, so that two concurrent changes cannot both remove "the other" owner.
 */
public final class TeamRepository {

  private final Pool pool;
  private final Notifier notifier;

  TeamRepository(Pool pool, Notifier notifier) {
    this.pool = pool;
    this.notifier = notifier;
  }

  // After commit: every gateway drops what it cached of these and ends their event streams.
  private MemberChange announce(MemberChange change, UUID userId) {
    if (change instanceof MemberChange.Changed c) {
      c.endedSessions().forEach(notifier::sessionEnded);
      notifier.userChanged(userId);
    }
    return change;
  }

  // ---------------------------------------------------------------------------------------------
  // Workspaces
  // ---------------------------------------------------------------------------------------------

  /** A workspace as one of its members sees it. */
  public record WorkspaceView(UUID id, String name, Role role, OffsetDateTime createdAt) {}

  private static final String WORKSPACES =
      """
      SELECT w.id, w.name, m.role, w.created_at
        FROM memberships m JOIN workspaces w ON w.id = m.workspace_id
       WHERE m.user_id = $1
       ORDER BY w.created_at, w.id
      """;

  private static final String CREATE_WORKSPACE =
      """
      WITH workspace AS (INSERT INTO workspaces (name) VALUES ($2) RETURNING id, name, created_at),
           owner AS (INSERT INTO memberships (workspace_id, user_id, role)
                     SELECT id, $1, 'owner' FROM workspace)
      SELECT id, name, 'owner' AS role, created_at FROM workspace
      """;

  private static final String SWITCH_WORKSPACE =
      """
      UPDATE sessions s SET workspace_id = m.workspace_id
        FROM memberships m
       WHERE s.id = $1 AND s.user_id = $2 AND s.revoked_at IS NULL
         AND m.user_id = s.user_id AND m.workspace_id = $3
      RETURNING m.role
      """;

  private static final String WORKSPACE_NAME =
      """
      SELECT name FROM workspaces WHERE id = $1
      """;

  /** The workspaces a user is a member of, oldest first. */
  public Future<List<WorkspaceView>> workspaces(UUID userId) {
    return pool.preparedQuery(WORKSPACES)
        .execute(Tuple.of(userId))
        .map(
            rows -> {
              List<WorkspaceView> out = new ArrayList<>();
              rows.forEach(row -> out.add(workspace(row)));
              return out;
            });
  }

  /** A new workspace with its creator as its owner. */
  public Future<WorkspaceView> createWorkspace(UUID userId, String name) {
    return pool.preparedQuery(CREATE_WORKSPACE)
        .execute(Tuple.of(userId, name))
        .map(rows -> workspace(rows.iterator().next()));
  }

  /**
   * Points a session at another workspace of its user; empty (and nothing changed) when the user is
   * not a member of it.
   */
  public Future<Optional<Role>> switchWorkspace(UUID sessionId, UUID userId, UUID workspaceId) {
    return pool.preparedQuery(SWITCH_WORKSPACE)
        .execute(Tuple.of(sessionId, userId, workspaceId))
        .map(rows -> Rows.first(rows, row -> Role.of(row.getString("role"))));
  }

  public Future<Optional<String>> workspaceName(UUID workspaceId) {
    return pool.preparedQuery(WORKSPACE_NAME)
        .execute(Tuple.of(workspaceId))
        .map(rows -> Rows.first(rows, row -> row.getString("name")));
  }

  private static WorkspaceView workspace(Row row) {
    return new WorkspaceView(
        row.getUUID("id"),
        row.getString("name"),
        Role.of(row.getString("role")),
        row.getOffsetDateTime("created_at"));
  }

  // ---------------------------------------------------------------------------------------------
  // Members
  // ---------------------------------------------------------------------------------------------

  /** A member of a workspace. */
  public record Member(
      UUID userId, String email, String name, Role role, OffsetDateTime joinedAt) {}

  /** The outcome of changing or ending a membership. */
  public sealed interface MemberChange {
    /** Done; {@code endedSessions} are the sessions revoked by it (a removal's). */
    record Changed(Optional<Member> member, List<UUID> endedSessions) implements MemberChange {}

    record NotAMember() implements MemberChange {}

    /** Only an owner may make, unmake or remove an owner (or the actor lost their role). */
    record OwnersOnly() implements MemberChange {}

    /** It would leave the workspace without an owner. */
    record LastOwner() implements MemberChange {}
  }

  private static final String MEMBERS =
      """
      SELECT m.user_id, u.email, u.name, m.role, m.created_at
        FROM memberships m JOIN users u ON u.id = m.user_id
       WHERE m.workspace_id = $1
       ORDER BY m.created_at, u.email
      """;

  // Two statements: the lock first, then the count in a statement of its own, whose snapshot
  // (READ COMMITTED) is taken after the lock is held and so sees the previous holder's change.
  private static final String LOCK_WORKSPACE =
      """
      SELECT 1 FROM workspaces WHERE id = $1 FOR UPDATE
      """;

  private static final String MEMBER_STATE =
      """
      SELECT (SELECT count(*) FROM memberships WHERE workspace_id = $1 AND role = 'owner') AS owners,
             (SELECT role FROM memberships WHERE workspace_id = $1 AND user_id = $2) AS role,
             (SELECT role FROM memberships WHERE workspace_id = $1 AND user_id = $3) AS actor_role
      """;

  private static final String SET_ROLE =
      """
      UPDATE memberships m SET role = $3
        FROM users u
       WHERE m.workspace_id = $1 AND m.user_id = $2 AND u.id = m.user_id
      RETURNING m.user_id, u.email, u.name, m.role, m.created_at
      """;

  private static final String REMOVE_MEMBER =
      """
      DELETE FROM memberships WHERE workspace_id = $1 AND user_id = $2
      """;

  private static final String END_MEMBER_SESSIONS =
      """
      UPDATE sessions SET revoked_at = now()
       WHERE user_id = $2 AND workspace_id = $1 AND revoked_at IS NULL
      RETURNING id
      """;

  private static final String END_MEMBER_TOKENS =
      """
      UPDATE api_tokens SET revoked_at = now()
       WHERE user_id = $2 AND workspace_id = $1 AND revoked_at IS NULL
      """;

  public Future<List<Member>> members(UUID workspaceId) {
    return pool.preparedQuery(MEMBERS)
        .execute(Tuple.of(workspaceId))
        .map(
            rows -> {
              List<Member> out = new ArrayList<>();
              rows.forEach(row -> out.add(member(row)));
              return out;
            });
  }

  /**
   * Changes a member's role on behalf of {@code actorId} (an admin or owner when the request was
   * authorized; their role is read again under the lock, in case it changed meanwhile). Only an
   * owner may make or unmake an owner; the last owner stays one.
   */
  public Future<MemberChange> setRole(UUID workspaceId, UUID userId, Role role, UUID actorId) {
    return pool.<MemberChange>withTransaction(
            conn ->
                lockMembers(conn, workspaceId, userId, actorId)
                    .compose(
                        state -> {
                          if (state.actorRole().isEmpty()
                              || !state.actorRole().get().atLeast(Role.ADMIN)) {
                            return Future.succeededFuture(new MemberChange.OwnersOnly());
                          }
                          if (state.role().isEmpty()) {
                            return Future.succeededFuture(new MemberChange.NotAMember());
                          }
                          Role current = state.role().get();
                          boolean touchesOwner = current == Role.OWNER || role == Role.OWNER;
                          if (touchesOwner && state.actorRole().get() != Role.OWNER) {
                            return Future.succeededFuture(new MemberChange.OwnersOnly());
                          }
                          if (current == Role.OWNER && role != Role.OWNER && state.owners() <= 1) {
                            return Future.succeededFuture(new MemberChange.LastOwner());
                          }
                          return conn.preparedQuery(SET_ROLE)
                              .execute(Tuple.of(workspaceId, userId, role.wire()))
                              .map(
                                  rows ->
                                      (MemberChange)
                                          new MemberChange.Changed(
                                              Optional.of(member(rows.iterator().next())),
                                              List.of()));
                        }))
        .map(change -> announce(change, userId));
  }

  /**
   * Ends a membership on behalf of {@code actorId}: the member's sessions in this workspace and
   * their API tokens in it are revoked in the same transaction. Members may remove themselves
   * (leave, whatever their role; the last owner may not); others need to be an admin, and an owner
   * to remove an owner (read again under the lock).
   */
  public Future<MemberChange> removeMember(UUID workspaceId, UUID userId, UUID actorId) {
    boolean leaving = userId.equals(actorId);
    return pool.<MemberChange>withTransaction(
            conn ->
                lockMembers(conn, workspaceId, userId, actorId)
                    .compose(
                        state -> {
                          if (state.role().isEmpty()) {
                            return Future.succeededFuture(new MemberChange.NotAMember());
                          }
                          Role current = state.role().get();
                          Role actor = state.actorRole().orElse(Role.VIEWER);
                          if (!leaving
                              && (!actor.atLeast(Role.ADMIN)
                                  || (current == Role.OWNER && actor != Role.OWNER))) {
                            return Future.succeededFuture(new MemberChange.OwnersOnly());
                          }
                          if (current == Role.OWNER && state.owners() <= 1) {
                            return Future.succeededFuture(new MemberChange.LastOwner());
                          }
                          Tuple ids = Tuple.of(workspaceId, userId);
                          return conn.preparedQuery(REMOVE_MEMBER)
                              .execute(ids)
                              .compose(v -> conn.preparedQuery(END_MEMBER_TOKENS).execute(ids))
                              .compose(v -> conn.preparedQuery(END_MEMBER_SESSIONS).execute(ids))
                              .map(
                                  rows -> {
                                    List<UUID> ended = new ArrayList<>();
                                    rows.forEach(row -> ended.add(row.getUUID("id")));
                                    return (MemberChange)
                                        new MemberChange.Changed(Optional.empty(), ended);
                                  });
                        }))
        .map(change -> announce(change, userId));
  }

  private record MemberState(long owners, Optional<Role> role, Optional<Role> actorRole) {}

  private static Future<MemberState> lockMembers(
      SqlConnection conn, UUID workspaceId, UUID userId, UUID actorId) {
    return conn.preparedQuery(LOCK_WORKSPACE)
        .execute(Tuple.of(workspaceId))
        .compose(
            locked ->
                conn.preparedQuery(MEMBER_STATE).execute(Tuple.of(workspaceId, userId, actorId)))
        .map(
            rows ->
                Rows.first(
                        rows,
                        row ->
                            new MemberState(
                                row.getLong("owners"),
                                Optional.ofNullable(row.getString("role")).map(Role::of),
                                Optional.ofNullable(row.getString("actor_role")).map(Role::of)))
                    .orElse(new MemberState(0, Optional.empty(), Optional.empty())));
  }

  private static Member member(Row row) {
    return new Member(
        row.getUUID("user_id"),
        row.getString("email"),
        row.getString("name"),
        Role.of(row.getString("role")),
        row.getOffsetDateTime("created_at"));
  }

  // ---------------------------------------------------------------------------------------------
  // Invitations
  // ---------------------------------------------------------------------------------------------

  /**
   * An invitation; {@code status} is {@code pending}, {@code accepted}, {@code expired} or {@code
   * revoked}.
   */
  public record Invitation(
      UUID id,
      String email,
      Role role,
      UUID invitedBy,
      OffsetDateTime createdAt,
      OffsetDateTime expiresAt,
      String status) {}

  /** The outcome of accepting an invitation. */
  public sealed interface Acceptance {
    record Accepted(UUID userId, UUID workspaceId, Role role, OffsetDateTime sessionExpiresAt)
        implements Acceptance {}

    /** The invitation exists but cannot be used; {@code why} is expired, used or revoked. */
    record Refused(UUID invitationId, UUID workspaceId, String why) implements Acceptance {}

    record NotFound() implements Acceptance {}
  }

  private static final String INVITATION_COLUMNS =
      """
      id, email, role, invited_by, created_at, expires_at,
      CASE WHEN revoked_at IS NOT NULL THEN 'revoked'
           WHEN accepted_at IS NOT NULL THEN 'accepted'
           WHEN expires_at <= now() THEN 'expired'
           ELSE 'pending' END AS status
      """;

  private static final String CREATE_INVITATION =
      "INSERT INTO invitations (workspace_id, email, role, token_hash, invited_by, expires_at)"
          + " VALUES ($1, $2, $3, $4, $5, now() + $6 * interval '1 second') RETURNING "
          + INVITATION_COLUMNS;

  private static final String INVITATIONS =
      "SELECT "
          + INVITATION_COLUMNS
          + " FROM invitations WHERE workspace_id = $1 ORDER BY created_at DESC, id LIMIT 500";

  private static final String REVOKE_INVITATION =
      """
      UPDATE invitations SET revoked_at = now()
       WHERE id = $1 AND workspace_id = $2 AND revoked_at IS NULL AND accepted_at IS NULL
      """;

  private static final String LOCK_INVITATION =
      """
      SELECT id, workspace_id, email, role,
             CASE WHEN revoked_at IS NOT NULL THEN 'revoked'
                  WHEN accepted_at IS NOT NULL THEN 'used'
                  WHEN expires_at <= now() THEN 'expired' END AS refusal
        FROM invitations WHERE token_hash = $1 FOR UPDATE
      """;

  // The invitee becomes a user (an existing account with that email is reused, its name kept)
  // and a member with the invited role, or keeps a higher role they already have.
  private static final String ACCEPT =
      """
      WITH invitee AS (
          INSERT INTO users (email, name) VALUES ($2, $3)
          ON CONFLICT ON CONSTRAINT users_email_uq DO UPDATE SET name = users.name
          RETURNING id
      ), joined AS (
          INSERT INTO memberships (workspace_id, user_id, role)
          SELECT $4, id, $5 FROM invitee
          ON CONFLICT ON CONSTRAINT memberships_pk DO UPDATE SET role =
              CASE WHEN array_position(ARRAY['viewer','operator','admin','owner'], EXCLUDED.role)
                      > array_position(ARRAY['viewer','operator','admin','owner'], memberships.role)
                   THEN EXCLUDED.role ELSE memberships.role END
          RETURNING user_id, role
      ), used AS (
          UPDATE invitations SET accepted_at = now(), accepted_by = (SELECT user_id FROM joined)
           WHERE id = $1
      )
      INSERT INTO sessions (user_id, workspace_id, kind, token_hash, expires_at)
      SELECT user_id, $4, 'invitation', $6, now() + $7 * interval '1 second' FROM joined
      RETURNING user_id, expires_at, (SELECT role FROM joined) AS role
      """;

  /** A new invitation; the token itself is the caller's, only its digest is kept. */
  public Future<Invitation> invite(
      UUID workspaceId, String email, Role role, byte[] tokenHash, UUID invitedBy, Duration ttl) {
    return pool.preparedQuery(CREATE_INVITATION)
        .execute(
            Tuple.of(workspaceId, email.toLowerCase(Locale.ROOT), role.wire())
                .addBuffer(Buffer.buffer(tokenHash))
                .addUUID(invitedBy)
                .addLong(ttl.toSeconds()))
        .map(rows -> invitation(rows.iterator().next()));
  }

  /** A workspace's invitations, newest first (at most 500). */
  public Future<List<Invitation>> invitations(UUID workspaceId) {
    return pool.preparedQuery(INVITATIONS)
        .execute(Tuple.of(workspaceId))
        .map(
            rows -> {
              List<Invitation> out = new ArrayList<>();
              rows.forEach(row -> out.add(invitation(row)));
              return out;
            });
  }

  /** Revokes a pending invitation; false when there is none with that id in the workspace. */
  public Future<Boolean> revokeInvitation(UUID workspaceId, UUID invitationId) {
    return pool.preparedQuery(REVOKE_INVITATION)
        .execute(Tuple.of(invitationId, workspaceId))
        .map(rows -> rows.rowCount() == 1);
  }

  /**
   * Uses an invitation once: the invitee becomes a member and gets a session, all in one
   * transaction. Concurrent acceptances of one invitation wait on its row; the second is refused as
   * used.
   *
   * @param name the display name for a new user (an existing user keeps theirs)
   */
  public Future<Acceptance> accept(
      byte[] invitationTokenHash, String name, byte[] sessionTokenHash, Duration sessionTtl) {
    return pool.withTransaction(
        conn ->
            conn.preparedQuery(LOCK_INVITATION)
                .execute(Tuple.tuple().addBuffer(Buffer.buffer(invitationTokenHash)))
                .compose(
                    rows -> {
                      if (rows.size() == 0) {
                        return Future.succeededFuture(new Acceptance.NotFound());
                      }
                      Row inv = rows.iterator().next();
                      UUID workspace = inv.getUUID("workspace_id");
                      if (inv.getString("refusal") != null) {
                        return Future.succeededFuture(
                            new Acceptance.Refused(
                                inv.getUUID("id"), workspace, inv.getString("refusal")));
                      }
                      String email = inv.getString("email");
                      String displayName =
                          name == null || name.isBlank()
                              ? email.substring(0, email.indexOf('@'))
                              : name;
                      return conn.preparedQuery(ACCEPT)
                          .execute(
                              Tuple.of(inv.getUUID("id"), email, displayName, workspace)
                                  .addString(inv.getString("role"))
                                  .addBuffer(Buffer.buffer(sessionTokenHash))
                                  .addLong(sessionTtl.toSeconds()))
                          .map(
                              accepted -> {
                                Row row = accepted.iterator().next();
                                return (Acceptance)
                                    new Acceptance.Accepted(
                                        row.getUUID("user_id"),
                                        workspace,
                                        Role.of(row.getString("role")),
                                        row.getOffsetDateTime("expires_at"));
                              });
                    }));
  }

  private static Invitation invitation(Row row) {
    return new Invitation(
        row.getUUID("id"),
        row.getString("email"),
        Role.of(row.getString("role")),
        row.getUUID("invited_by"),
        row.getOffsetDateTime("created_at"),
        row.getOffsetDateTime("expires_at"),
        row.getString("status"));
  }

  // ---------------------------------------------------------------------------------------------
  // API tokens
  // ---------------------------------------------------------------------------------------------

  /** An API token's metadata (never its value). */
  public record ApiToken(
      UUID id,
      String name,
      Role role,
      UUID userId,
      OffsetDateTime createdAt,
      OffsetDateTime expiresAt,
      OffsetDateTime lastUsedAt,
      OffsetDateTime revokedAt) {}

  /** The outcome of creating a token. */
  public sealed interface TokenCreation {
    record Created(ApiToken token) implements TokenCreation {}

    /** The creator already has a live token of that name in the workspace. */
    record NameTaken() implements TokenCreation {}
  }

  private static final String TOKEN_COLUMNS =
      "id, name, role, user_id, created_at, expires_at, last_used_at, revoked_at";

  private static final String CREATE_TOKEN =
      "INSERT INTO api_tokens (workspace_id, user_id, name, role, token_hash, expires_at)"
          + " VALUES ($1, $2, $3, $4, $5, now() + $6 * interval '1 second') RETURNING "
          + TOKEN_COLUMNS;

  private static final String TOKENS =
      "SELECT "
          + TOKEN_COLUMNS
          + " FROM api_tokens WHERE workspace_id = $1 AND ($2::uuid IS NULL OR user_id = $2)"
          + " ORDER BY created_at DESC, id LIMIT 500";

  private static final String REVOKE_TOKEN =
      """
      UPDATE api_tokens SET revoked_at = now()
       WHERE id = $1 AND workspace_id = $2 AND ($3::uuid IS NULL OR user_id = $3)
         AND revoked_at IS NULL
      RETURNING id
      """;

  /**
   * A new API token for a member; the token itself is the caller's, only its digest is kept.
   *
   * @param ttl how long it works; empty for a token that never expires
   */
  public Future<TokenCreation> createToken(
      UUID workspaceId,
      UUID userId,
      String name,
      Role role,
      byte[] tokenHash,
      Optional<Duration> ttl) {
    return pool.preparedQuery(CREATE_TOKEN)
        .execute(
            Tuple.of(workspaceId, userId, name, role.wire())
                .addBuffer(Buffer.buffer(tokenHash))
                .addValue(ttl.map(Duration::toSeconds).orElse(null)))
        .map(rows -> (TokenCreation) new TokenCreation.Created(token(rows.iterator().next())))
        .recover(
            err ->
                AuthRepository.isUniqueViolation(err, "api_tokens_live_name_uq")
                    ? Future.succeededFuture(new TokenCreation.NameTaken())
                    : Future.failedFuture(err));
  }

  /** A workspace's tokens, newest first (at most 500); only {@code userId}'s when given. */
  public Future<List<ApiToken>> tokens(UUID workspaceId, Optional<UUID> userId) {
    return pool.preparedQuery(TOKENS)
        .execute(Tuple.of(workspaceId, userId.orElse(null)))
        .map(
            rows -> {
              List<ApiToken> out = new ArrayList<>();
              rows.forEach(row -> out.add(token(row)));
              return out;
            });
  }

  /**
   * Revokes a live token of the workspace (only {@code userId}'s when given); false when there is
   * no such live token.
   */
  public Future<Boolean> revokeToken(UUID workspaceId, UUID tokenId, Optional<UUID> userId) {
    return pool.preparedQuery(REVOKE_TOKEN)
        .execute(Tuple.of(tokenId, workspaceId, userId.orElse(null)))
        .map(
            rows -> {
              if (rows.rowCount() == 1) {
                notifier.sessionEnded(tokenId);
              }
              return rows.rowCount() == 1;
            });
  }

  // Kept for 30 days after they stopped working (for the lists operators read), then deleted.
  private static final String PRUNE =
      """
      WITH invitations_gone AS (
          DELETE FROM invitations
           WHERE expires_at < now() - interval '30 days'
              OR accepted_at < now() - interval '30 days'
              OR revoked_at < now() - interval '30 days'
          RETURNING 1
      ), tokens_gone AS (
          DELETE FROM api_tokens
           WHERE revoked_at < now() - interval '30 days'
              OR expires_at < now() - interval '30 days'
          RETURNING 1
      )
      SELECT (SELECT count(*) FROM invitations_gone) + (SELECT count(*) FROM tokens_gone) AS n
      """;

  /**
   * Deletes invitations and API tokens 30 days after they stopped working (expired, used or
   * revoked); returns how many.
   */
  public Future<Integer> prune() {
    return pool.query(PRUNE).execute().map(rows -> rows.iterator().next().getLong("n").intValue());
  }

  private static ApiToken token(Row row) {
    return new ApiToken(
        row.getUUID("id"),
        row.getString("name"),
        Role.of(row.getString("role")),
        row.getUUID("user_id"),
        row.getOffsetDateTime("created_at"),
        row.getOffsetDateTime("expires_at"),
        row.getOffsetDateTime("last_used_at"),
        row.getOffsetDateTime("revoked_at"));
  }
}
