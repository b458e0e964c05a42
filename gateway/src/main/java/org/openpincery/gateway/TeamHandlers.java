package org.openpincery.gateway;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import org.openpincery.model.Role;
import org.openpincery.store.TeamRepository;
import org.openpincery.store.TeamRepository.Acceptance;
import org.openpincery.store.TeamRepository.MemberChange;

/**
 * Workspaces, members and invitations (issue 14). Who may call each route is in {@link ApiRouter}'s
 * table; what is left here are the rules about the target: only an owner makes, unmakes or removes
 * an owner, the last owner stays, and nobody invites above their own role.
 */
final class TeamHandlers {

  /** An invitation lives a week unless asked otherwise, and at most 30 days. */
  static final long DEFAULT_INVITATION_HOURS = 168;

  static final long MAX_INVITATION_HOURS = 720;

  // Enough to catch typos; the invitation itself proves the address.
  private static final Pattern EMAIL = Pattern.compile("[^@\\s]+@[^@\\s]+\\.[^@\\s]+");

  // Unscoped: what crosses workspaces (a user's workspaces, a new one, switching, accepting).
  private final TeamRepository team;
  private final GatewayConfig config;
  private final Authenticator authenticator;

  TeamHandlers(TeamRepository team, GatewayConfig config, Authenticator authenticator) {
    this.team = team;
    this.config = config;
    this.authenticator = authenticator;
  }

  /** GET /api/workspaces: the caller's workspaces with their role in each. */
  void workspaces(RoutingContext ctx) {
    var p = Authenticator.principal(ctx);
    team.workspaces(p.userId())
        .onSuccess(
            list -> {
              JsonArray out = new JsonArray();
              list.forEach(w -> out.add(workspace(w)));
              Responses.json(ctx, 200, new JsonObject().put("workspaces", out));
            })
        .onFailure(ctx::fail);
  }

  /** POST /api/workspaces {name}: 201, the caller its owner. */
  void createWorkspace(RoutingContext ctx) {
    JsonObject body = Bodies.object(ctx, Set.of("name"), true);
    String name = Bodies.requiredString(body, "name", 200, false);
    if (name.isBlank()) {
      throw ApiError.badRequest("'name' must not be blank");
    }
    team.createWorkspace(Authenticator.principal(ctx).userId(), name)
        .onSuccess(w -> Responses.json(ctx, 201, workspace(w)))
        .onFailure(ctx::fail);
  }

  /** POST /api/session/workspace {workspace_id}: the presented session acts there from now on. */
  void switchWorkspace(RoutingContext ctx) {
    JsonObject body = Bodies.object(ctx, Set.of("workspace_id"), true);
    UUID workspace = uuid(Bodies.requiredString(body, "workspace_id", 36, false), "workspace_id");
    var p = Authenticator.principal(ctx);
    team.switchWorkspace(p.sessionId(), p.userId(), workspace)
        .onSuccess(
            role -> {
              if (role.isEmpty()) {
                ctx.fail(
                    new ApiError(403, "not_a_member", "you are not a member of that workspace"));
                return;
              }
              authenticator.forget(p);
              Responses.json(
                  ctx,
                  200,
                  new JsonObject()
                      .put("workspace_id", workspace.toString())
                      .put("role", role.get().wire()));
            })
        .onFailure(ctx::fail);
  }

  /** GET /api/members. */
  void members(RoutingContext ctx) {
    Scopes.of(ctx)
        .team()
        .members(Authenticator.principal(ctx).workspaceId())
        .onSuccess(
            list -> {
              JsonArray out = new JsonArray();
              list.forEach(m -> out.add(member(m)));
              Responses.json(ctx, 200, new JsonObject().put("members", out));
            })
        .onFailure(ctx::fail);
  }

  /** PATCH /api/members/:user_id {role}: 200 with the member. */
  void setRole(RoutingContext ctx) {
    UUID user = Bodies.pathId(ctx, "user_id", "user");
    JsonObject body = Bodies.object(ctx, Set.of("role"), true);
    Role role =
        Bodies.role(body, "role").orElseThrow(() -> ApiError.badRequest("'role' is required"));
    AuditTrail.detail(ctx, new JsonObject().put("role", role.wire()));
    var p = Authenticator.principal(ctx);
    Scopes.of(ctx)
        .team()
        .setRole(p.workspaceId(), user, role, p.userId())
        .onSuccess(
            change -> {
              if (change instanceof MemberChange.Changed c) {
                authenticator.forgetUser(user);
                Responses.json(ctx, 200, member(c.member().orElseThrow()));
              } else {
                ctx.fail(refusal(change));
              }
            })
        .onFailure(ctx::fail);
  }

  /**
   * DELETE /api/members/:user_id: 204. The member's sessions in this workspace and API tokens in it
   * end in the same transaction; their open event streams end now (other gateway processes refuse
   * their sessions within the session cache's few seconds). A member may remove themself: that is
   * leaving.
   */
  void remove(RoutingContext ctx) {
    UUID user = Bodies.pathId(ctx, "user_id", "user");
    var p = Authenticator.principal(ctx);
    Scopes.of(ctx)
        .team()
        .removeMember(p.workspaceId(), user, p.userId())
        .onSuccess(
            change -> {
              if (change instanceof MemberChange.Changed c) {
                authenticator.forgetUser(user);
                authenticator.forget(c.endedSessions());
                c.endedSessions()
                    .forEach(
                        id ->
                            ctx.vertx()
                                .eventBus()
                                .publish(EventStream.SESSION_ENDED, id.toString()));
                Responses.noContent(ctx);
              } else {
                ctx.fail(refusal(change));
              }
            })
        .onFailure(ctx::fail);
  }

  private static ApiError refusal(MemberChange change) {
    return switch (change) {
      case MemberChange.NotAMember n -> ApiError.notFound("no such member in this workspace");
      case MemberChange.OwnersOnly o ->
          new ApiError(403, "forbidden", "only an owner can make, unmake or remove an owner");
      case MemberChange.LastOwner l ->
          ApiError.conflict(
              "last_owner", "a workspace needs an owner: make another member an owner first");
      case MemberChange.Changed c -> throw new IllegalStateException("not a refusal");
    };
  }

  /**
   * POST /api/invitations {email, role, expires_in_hours?}: 201 with the token and the accept link,
   * shown this once. {@code 403 role_escalation} when the role is above the inviter's.
   */
  void invite(RoutingContext ctx) {
    JsonObject body = Bodies.object(ctx, Set.of("email", "role", "expires_in_hours"), true);
    String email = Bodies.requiredString(body, "email", 320, false).strip();
    if (!EMAIL.matcher(email).matches()) {
      throw ApiError.badRequest("'email' must be an email address");
    }
    Role role =
        Bodies.role(body, "role").orElseThrow(() -> ApiError.badRequest("'role' is required"));
    long hours =
        Bodies.wholeNumber(body, "expires_in_hours", 1, MAX_INVITATION_HOURS)
            .orElse(DEFAULT_INVITATION_HOURS);
    AuditTrail.detail(
        ctx,
        new JsonObject()
            .put("email", email)
            .put("role", role.wire())
            .put("expires_in_hours", hours));
    var p = Authenticator.principal(ctx);
    if (!p.role().atLeast(role)) {
      throw escalation(role, p.role());
    }
    String token = Tokens.INVITATION_TOKEN_PREFIX + Tokens.newToken();
    Scopes.of(ctx)
        .team()
        .invite(
            p.workspaceId(), email, role, Tokens.sha256(token), p.userId(), Duration.ofHours(hours))
        .onSuccess(
            inv ->
                Responses.json(
                    ctx,
                    201,
                    invitation(inv)
                        .put("token", token)
                        .put("accept_url", config.link("/#/accept/" + token))))
        .onFailure(ctx::fail);
  }

  /** GET /api/invitations: newest first, with their status. */
  void invitations(RoutingContext ctx) {
    Scopes.of(ctx)
        .team()
        .invitations(Authenticator.principal(ctx).workspaceId())
        .onSuccess(
            list -> {
              JsonArray out = new JsonArray();
              list.forEach(i -> out.add(invitation(i)));
              Responses.json(ctx, 200, new JsonObject().put("invitations", out));
            })
        .onFailure(ctx::fail);
  }

  /** DELETE /api/invitations/:invitation_id: 204; 404 when there is no pending one. */
  void revokeInvitation(RoutingContext ctx) {
    UUID id = Bodies.pathId(ctx, "invitation_id", "invitation");
    Scopes.of(ctx)
        .team()
        .revokeInvitation(Authenticator.principal(ctx).workspaceId(), id)
        .onSuccess(
            revoked -> {
              if (revoked) {
                Responses.noContent(ctx);
              } else {
                ctx.fail(ApiError.notFound("no pending invitation with that id"));
              }
            })
        .onFailure(ctx::fail);
  }

  /**
   * POST /api/invitations/accept {token, name?}, no session needed: 201 with a session. {@code 404
   * invitation_not_found}, {@code 409 invitation_used}, {@code 410 invitation_expired} or {@code
   * 410 invitation_revoked}; nothing is written on a refusal.
   */
  void accept(RoutingContext ctx) {
    JsonObject body = Bodies.object(ctx, Set.of("token", "name"), true);
    String token = Bodies.requiredString(body, "token", 100, false);
    String name = Bodies.string(body, "name", 200, false).map(String::strip).orElse(null);
    if (!Tokens.looksLikeInvitationToken(token)) {
      AuditTrail.refusal(ctx, "invitation_not_found");
      throw new ApiError(404, "invitation_not_found", "no invitation has that token");
    }
    String session = Tokens.newToken();
    team.accept(Tokens.sha256(token), name, Tokens.sha256(session), config.sessionTtl())
        .onSuccess(
            outcome -> {
              switch (outcome) {
                case Acceptance.Accepted a -> {
                  AuditTrail.actor(ctx, AuditTrail.Actor.user(a.userId()));
                  AuditTrail.workspace(ctx, a.workspaceId());
                  AuditTrail.target(ctx, "member", a.userId().toString());
                  AuditTrail.detail(ctx, new JsonObject().put("role", a.role().wire()));
                  Responses.json(
                      ctx,
                      201,
                      new JsonObject()
                          .put("user_id", a.userId().toString())
                          .put("workspace_id", a.workspaceId().toString())
                          .put("role", a.role().wire())
                          .put("session_token", session)
                          .put("expires_at", a.sessionExpiresAt().toString()));
                }
                case Acceptance.NotFound n -> {
                  // Written to the installation's chain: the token names no workspace.
                  AuditTrail.refusal(ctx, "invitation_not_found");
                  ctx.fail(
                      new ApiError(404, "invitation_not_found", "no invitation has that token"));
                }
                case Acceptance.Refused r -> {
                  AuditTrail.workspace(ctx, r.workspaceId());
                  AuditTrail.target(ctx, "invitation", r.invitationId().toString());
                  AuditTrail.refusal(ctx, "invitation_" + r.why());
                  ctx.fail(
                      switch (r.why()) {
                        case "used" ->
                            ApiError.conflict(
                                "invitation_used", "this invitation has already been accepted");
                        case "revoked" ->
                            new ApiError(410, "invitation_revoked", "this invitation was revoked");
                        default ->
                            new ApiError(
                                410,
                                "invitation_expired",
                                "this invitation has expired; ask for a new one");
                      });
                }
              }
            })
        .onFailure(ctx::fail);
  }

  static ApiError escalation(Role asked, Role own) {
    return new ApiError(
        403,
        "role_escalation",
        "you cannot grant role " + asked.wire() + " above your own (" + own.wire() + ")");
  }

  static UUID uuid(String raw, String field) {
    return Bodies.uuid(raw)
        .orElseThrow(() -> ApiError.badRequest("'" + field + "' must be a UUID"));
  }

  private static JsonObject workspace(TeamRepository.WorkspaceView w) {
    return new JsonObject()
        .put("id", w.id().toString())
        .put("name", w.name())
        .put("role", w.role().wire())
        .put("created_at", w.createdAt().toString());
  }

  private static JsonObject member(TeamRepository.Member m) {
    return new JsonObject()
        .put("user_id", m.userId().toString())
        .put("email", m.email())
        .put("name", m.name())
        .put("role", m.role().wire())
        .put("joined_at", m.joinedAt().toString());
  }

  private static JsonObject invitation(TeamRepository.Invitation i) {
    return new JsonObject()
        .put("id", i.id().toString())
        .put("email", i.email())
        .put("role", i.role().wire())
        .put("invited_by", i.invitedBy().toString())
        .put("created_at", i.createdAt().toString())
        .put("expires_at", i.expiresAt().toString())
        .put("status", i.status());
  }
}
