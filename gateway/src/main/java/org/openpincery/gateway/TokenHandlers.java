package org.openpincery.gateway;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.openpincery.model.Role;
import org.openpincery.store.TeamRepository;
import org.openpincery.store.TeamRepository.TokenCreation;

/**
 * API tokens for scripts and CI (issue 14): named, scoped to the creator's current workspace and a
 * role no higher than theirs, shown once ({@code pcy_} and 64 hex digits), stored as a SHA-256
 * digest, expiring after {@code expires_in_days} (90 by default; JSON null: never), revocable.
 */
final class TokenHandlers {

  static final long DEFAULT_DAYS = 90;

  static final long MAX_DAYS = 3650;

  private final Authenticator authenticator;

  TokenHandlers(Authenticator authenticator) {
    this.authenticator = authenticator;
  }

  /**
   * POST /api/tokens {name, role?, expires_in_days?}: 201 with the token, shown this once. {@code
   * 403 role_escalation} above the creator's role; {@code 409 token_name_taken} when the creator
   * has a live token of that name here.
   */
  void create(RoutingContext ctx) {
    JsonObject body = Bodies.object(ctx, Set.of("name", "role", "expires_in_days"), true);
    String name = Bodies.requiredString(body, "name", 100, false).strip();
    if (name.isEmpty()) {
      throw ApiError.badRequest("'name' must not be blank");
    }
    var p = Authenticator.principal(ctx);
    Role role = Bodies.role(body, "role").orElse(p.role());
    AuditTrail.detail(ctx, new JsonObject().put("name", name).put("role", role.wire()));
    if (!p.role().atLeast(role)) {
      throw TeamHandlers.escalation(role, p.role());
    }
    Optional<Duration> ttl =
        body.containsKey("expires_in_days") && body.getValue("expires_in_days") == null
            ? Optional.empty()
            : Optional.of(
                Duration.ofDays(
                    Bodies.wholeNumber(body, "expires_in_days", 1, MAX_DAYS).orElse(DEFAULT_DAYS)));
    String token = Tokens.API_TOKEN_PREFIX + Tokens.newToken();
    Scopes.of(ctx)
        .team()
        .createToken(p.workspaceId(), p.userId(), name, role, Tokens.sha256(token), ttl)
        .onSuccess(
            created -> {
              switch (created) {
                case TokenCreation.Created c ->
                    Responses.json(
                        ctx,
                        201,
                        token(c.token())
                            .put("workspace_id", p.workspaceId().toString())
                            .put("token", token));
                case TokenCreation.NameTaken n ->
                    ctx.fail(
                        ApiError.conflict(
                            "token_name_taken",
                            "you already have a live token named '" + name + "' here"));
              }
            })
        .onFailure(ctx::fail);
  }

  /** GET /api/tokens: the caller's tokens; an admin or owner sees every token of the workspace. */
  void list(RoutingContext ctx) {
    var p = Authenticator.principal(ctx);
    Scopes.of(ctx)
        .team()
        .tokens(p.workspaceId(), mineUnlessAdmin(p))
        .onSuccess(
            list -> {
              JsonArray out = new JsonArray();
              list.forEach(t -> out.add(token(t)));
              Responses.json(ctx, 200, new JsonObject().put("tokens", out));
            })
        .onFailure(ctx::fail);
  }

  /** DELETE /api/tokens/:token_id: 204; its next use is 401. 404 when no such live token. */
  void revoke(RoutingContext ctx) {
    UUID id = Bodies.pathId(ctx, "token_id", "token");
    var p = Authenticator.principal(ctx);
    Scopes.of(ctx)
        .team()
        .revokeToken(p.workspaceId(), id, mineUnlessAdmin(p))
        .onSuccess(
            revoked -> {
              if (revoked) {
                authenticator.forget(java.util.List.of(id));
                Responses.noContent(ctx);
              } else {
                ctx.fail(ApiError.notFound("no live token with that id"));
              }
            })
        .onFailure(ctx::fail);
  }

  private static Optional<UUID> mineUnlessAdmin(org.openpincery.store.AuthRepository.Principal p) {
    return p.role().atLeast(Role.ADMIN) ? Optional.empty() : Optional.of(p.userId());
  }

  private static JsonObject token(TeamRepository.ApiToken t) {
    return new JsonObject()
        .put("id", t.id().toString())
        .put("name", t.name())
        .put("role", t.role().wire())
        .put("user_id", t.userId().toString())
        .put("created_at", t.createdAt().toString())
        .put("expires_at", t.expiresAt() == null ? null : t.expiresAt().toString())
        .put("last_used_at", t.lastUsedAt() == null ? null : t.lastUsedAt().toString())
        .put("revoked_at", t.revokedAt() == null ? null : t.revokedAt().toString());
  }
}
