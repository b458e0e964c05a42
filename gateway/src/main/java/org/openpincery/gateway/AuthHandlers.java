package org.openpincery.gateway;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.openpincery.store.AuthRepository;
import org.openpincery.store.AuthRepository.BootstrapResult;
import org.openpincery.store.TeamRepository;

/** Bootstrap, login, logout and "who am I". */
final class AuthHandlers {

  private final AuthRepository auth;
  private final TeamRepository team;
  private final GatewayConfig config;
  private final Authenticator authenticator;

  AuthHandlers(
      AuthRepository auth, TeamRepository team, GatewayConfig config, Authenticator authenticator) {
    this.auth = auth;
    this.team = team;
    this.config = config;
    this.authenticator = authenticator;
  }

  /** POST /api/bootstrap: once, with the bootstrap token; creates the admin, workspace, session. */
  void bootstrap(RoutingContext ctx) {
    requireBootstrapToken(ctx);
    // Acts of the bootstrap token go to the installation's audit chain.
    AuditTrail.actor(ctx, AuditTrail.Actor.bootstrap());
    JsonObject body = Bodies.object(ctx, Set.of("email", "name", "workspace_name"), false);
    String email = Bodies.string(body, "email", 320, false).orElse("admin@localhost");
    if (!email.contains("@")) {
      throw ApiError.badRequest("'email' must be an email address");
    }
    String name = Bodies.string(body, "name", 200, false).filter(s -> !s.isBlank()).orElse("Admin");
    String workspace =
        Bodies.string(body, "workspace_name", 200, false)
            .filter(s -> !s.isBlank())
            .orElse("Default");
    String token = Tokens.newToken();
    auth.bootstrap(email, name, workspace, Tokens.sha256(token), config.sessionTtl())
        .onSuccess(
            result -> {
              switch (result) {
                case BootstrapResult.Bootstrapped b -> {
                  AuditTrail.target(ctx, "user", b.userId().toString());
                  AuditTrail.detail(
                      ctx, new JsonObject().put("workspace_id", b.workspaceId().toString()));
                  Responses.json(
                      ctx,
                      201,
                      new JsonObject()
                          .put("user_id", b.userId().toString())
                          .put("workspace_id", b.workspaceId().toString())
                          .put("session_token", token)
                          .put("expires_at", b.sessionExpiresAt().toString()));
                }
                case BootstrapResult.AlreadyBootstrapped a ->
                    ctx.fail(
                        ApiError.conflict(
                            "already_bootstrapped",
                            "this installation is already bootstrapped; use POST /api/login for a new session"));
              }
            })
        .onFailure(ctx::fail);
  }

  /** POST /api/login: a new session for the admin, with the bootstrap token. */
  void login(RoutingContext ctx) {
    requireBootstrapToken(ctx);
    AuditTrail.actor(ctx, AuditTrail.Actor.bootstrap());
    Bodies.object(ctx, Set.of(), false);
    String token = Tokens.newToken();
    auth.login(Tokens.sha256(token), config.sessionTtl())
        .onSuccess(
            user -> {
              if (user.isEmpty()) {
                ctx.fail(
                    ApiError.conflict("not_bootstrapped", "bootstrap first: POST /api/bootstrap"));
                return;
              }
              AuditTrail.target(ctx, "user", user.get().toString());
              Responses.json(
                  ctx,
                  200,
                  new JsonObject()
                      .put("user_id", user.get().toString())
                      .put("session_token", token));
            })
        .onFailure(ctx::fail);
  }

  /** POST /api/logout: revokes the presented session and ends its event streams. */
  void logout(RoutingContext ctx) {
    var principal = Authenticator.principal(ctx);
    AuditTrail.target(ctx, "session", principal.sessionId().toString());
    auth.revoke(principal.sessionId())
        .onSuccess(
            v -> {
              authenticator.forget(principal);
              ctx.vertx()
                  .eventBus()
                  .publish(EventStream.SESSION_ENDED, principal.sessionId().toString());
              Responses.noContent(ctx);
            })
        .onFailure(ctx::fail);
  }

  /** GET /api/me. */
  void me(RoutingContext ctx) {
    var p = Authenticator.principal(ctx);
    auth.user(p.userId())
        .compose(profile -> team.workspaceName(p.workspaceId()).map(w -> Map.entry(profile, w)))
        .onSuccess(
            found -> {
              var profile = found.getKey();
              Responses.json(
                  ctx,
                  200,
                  new JsonObject()
                      .put("user_id", p.userId().toString())
                      .put("email", profile.map(AuthRepository.UserProfile::email).orElse(null))
                      .put("name", profile.map(AuthRepository.UserProfile::name).orElse(null))
                      .put("workspace_id", p.workspaceId().toString())
                      .put("workspace_name", found.getValue().orElse(null))
                      .put("role", p.role().wire())
                      .put("auth", p.isApiToken() ? "api_token" : "session")
                      .put(
                          "session_expires_at",
                          p.expiresAt() == null ? null : p.expiresAt().toString()));
            })
        .onFailure(ctx::fail);
  }

  private void requireBootstrapToken(RoutingContext ctx) {
    Optional<String> presented = Authenticator.bearer(ctx);
    if (config.bootstrapToken().isEmpty()) {
      throw new ApiError(
          403,
          "bootstrap_disabled",
          "set " + GatewayConfig.BOOTSTRAP_TOKEN + " on the server to enable bootstrap and login");
    }
    if (presented.isEmpty()
        || !Tokens.constantTimeEquals(presented.get(), config.bootstrapToken().get())) {
      throw ApiError.unauthorized("the bootstrap token is missing or wrong");
    }
  }
}
