package org.openpincery.gateway;

import com.nimbusds.openid.connect.sdk.claims.IDTokenClaimsSet;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.openpincery.store.SsoRepository;
import org.openpincery.store.SsoRepository.Identity;
import org.openpincery.store.SsoRepository.PendingLogin;
import org.openpincery.store.SsoRepository.SignInResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Single sign-on routes (issue 14; docs/sso.md): whether SSO is on, the start of a login (a
 * redirect to the identity provider) and the provider's callback, which signs the person in. Every
 * refusal is a 4xx JSON error and writes nothing but the refusal's audit entry: the callback checks
 * everything before {@link SsoRepository#signIn} writes the user, membership and session in one
 * transaction.
 */
final class OidcHandlers {

  private static final Logger LOG = LoggerFactory.getLogger(OidcHandlers.class);

  /** How long a started login can be completed. */
  static final Duration LOGIN_TTL = Duration.ofMinutes(10);

  /**
   * Binds a login to the browser that started it (RFC 6749 §10.12): the callback's state must equal
   * this cookie, so a callback URL handed to someone else signs nobody in (login CSRF).
   */
  static final String STATE_COOKIE = "pincery_oidc_state";

  private static final String COOKIE_PATH = "/api/auth/oidc";
  private static final int MAX_REDIRECT_LENGTH = 512;
  private static final int MAX_PARAM_LENGTH = 4096;

  private final SsoRepository sso;
  private final GatewayConfig config;
  private final Optional<OidcClient> client;

  OidcHandlers(SsoRepository sso, GatewayConfig config, Optional<OidcClient> client) {
    this.sso = sso;
    this.config = config;
    this.client = client;
  }

  /** GET /api/auth/sso: for the control plane's sign-in page. */
  void status(RoutingContext ctx) {
    boolean enabled = config.oidc().isPresent();
    Responses.json(
        ctx,
        200,
        new JsonObject()
            .put("enabled", enabled)
            .put("login_url", enabled ? config.link("/api/auth/oidc/login") : null));
  }

  /** GET /api/auth/oidc/login?redirect=/path: 302 to the provider's authorization endpoint. */
  void login(RoutingContext ctx) {
    OidcClient oidc = configured();
    String redirect = localPath(ctx.request().getParam("redirect"));
    oidc.authorize()
        .compose(
            a ->
                sso.startLogin(
                        Tokens.sha256(a.state()), a.nonce(), a.codeVerifier(), redirect, LOGIN_TTL)
                    .map(a))
        .onSuccess(
            a -> {
              ctx.response().addCookie(stateCookie(a.state(), LOGIN_TTL.toSeconds()));
              ctx.response()
                  .setStatusCode(302)
                  .putHeader("Location", a.redirect().toString())
                  .putHeader("Cache-Control", "no-store")
                  .end();
            })
        .onFailure(err -> fail(ctx, err));
  }

  /** GET /api/auth/oidc/callback?code&state: the provider sends the browser back here. */
  void callback(RoutingContext ctx) {
    OidcClient oidc = configured();
    String state = param(ctx, "state");
    // Read (and size-checked) now, not in a callback where a refusal could not be thrown.
    Returned returned = new Returned(param(ctx, "code"), param(ctx, "error"), param(ctx, "iss"));
    Cookie bound = ctx.request().getCookie(STATE_COOKIE);
    // The login ends here whatever happens next: the browser forgets its state.
    ctx.response().addCookie(stateCookie("", 0));
    if (state == null) {
      refuse(ctx, 400, "invalid_state", "the callback carries no state; start the login again");
      return;
    }
    if (bound == null || !Tokens.constantTimeEquals(state, bound.getValue())) {
      refuse(
          ctx,
          400,
          "invalid_state",
          "the state does not belong to a login started in this browser; start the login again");
      return;
    }
    sso.consumeLogin(Tokens.sha256(state))
        .onSuccess(
            pending -> {
              if (pending.isEmpty()) {
                refuse(
                    ctx,
                    400,
                    "invalid_state",
                    "the state is unknown or was already used; start the login again");
              } else if (!pending.get().live()) {
                refuse(ctx, 400, "invalid_state", "the login expired; start it again");
              } else {
                complete(ctx, oidc, pending.get(), returned);
              }
            })
        .onFailure(ctx::fail);
  }

  /** What the provider sent back besides the state. */
  private record Returned(String code, String error, String iss) {}

  private void complete(
      RoutingContext ctx, OidcClient oidc, PendingLogin pending, Returned returned) {
    String error = returned.error();
    if (error != null) {
      refuse(
          ctx,
          401,
          "sso_refused",
          "the identity provider did not sign you in: " + printable(error));
      return;
    }
    String iss = returned.iss();
    if (iss != null && !iss.equals(oidc.issuer())) {
      refuse(
          ctx,
          400,
          "issuer_mismatch",
          "the callback comes from issuer " + printable(iss) + ", not " + oidc.issuer());
      return;
    }
    String code = returned.code();
    if (code == null) {
      refuse(ctx, 400, "invalid_request", "the callback carries no authorization code");
      return;
    }
    oidc.signIn(code, pending.codeVerifier(), pending.nonce())
        .onSuccess(claims -> signIn(ctx, claims, pending.redirectTo()))
        .onFailure(err -> fail(ctx, err));
  }

  private void signIn(RoutingContext ctx, IDTokenClaimsSet claims, String redirectTo) {
    OidcConfig oidc = config.oidc().orElseThrow();
    String email = claims.getStringClaim("email");
    if (email == null || email.length() > 320 || email.indexOf('@') < 1) {
      refuse(
          ctx,
          403,
          "email_missing",
          "the ID token carries no email address; let the provider release the email claim");
      return;
    }
    email = email.strip().toLowerCase(Locale.ROOT);
    Object verified = claims.getClaim("email_verified");
    if (oidc.requireVerifiedEmail()
        && !(Boolean.TRUE.equals(verified) || "true".equals(verified))) {
      refuse(ctx, 403, "email_not_verified", "the identity provider has not verified " + email);
      return;
    }
    if (!oidc.domainAllowed(email)) {
      refuse(
          ctx,
          403,
          "domain_not_allowed",
          email.substring(email.lastIndexOf('@') + 1)
              + " is not among the email domains allowed to sign in");
      return;
    }
    String name = claims.getStringClaim("name");
    if (name == null || name.isBlank()) {
      name = email.substring(0, email.indexOf('@'));
    }
    name = name.strip();
    if (name.length() > 200) {
      name = name.substring(0, 200);
    }
    String token = Tokens.newToken();
    sso.signIn(
            oidc.workspace(),
            new Identity(email, name),
            oidc.roleFor(claimValues(claims, oidc.roleClaim())),
            oidc.syncRole(),
            Tokens.sha256(token),
            config.sessionTtl())
        .onSuccess(
            result -> {
              switch (result) {
                case SignInResult.SignedIn s -> signedIn(ctx, s, token, redirectTo);
                case SignInResult.NoRole n ->
                    refuse(
                        ctx,
                        403,
                        "no_role",
                        "no role is mapped for you ("
                            + oidc.roleClaim()
                            + " has no value the role map names); ask an admin");
                case SignInResult.NoWorkspace w ->
                    refuse(
                        ctx,
                        409,
                        "sso_workspace_missing",
                        oidc.workspace().isPresent()
                            ? "the workspace OIDC_WORKSPACE names does not exist"
                            : "bootstrap first: POST /api/bootstrap");
              }
            })
        .onFailure(ctx::fail);
  }

  private void signedIn(
      RoutingContext ctx, SignInResult.SignedIn s, String token, String redirectTo) {
    LOG.atInfo()
        .addKeyValue("request_id", RequestIds.of(ctx))
        .addKeyValue("user_id", s.userId())
        .addKeyValue("workspace_id", s.workspaceId())
        .addKeyValue("new_user", s.newUser())
        .log("single sign-on as {}", s.role().wire());
    ctx.response()
        .putHeader("Cache-Control", "no-store")
        .putHeader("Referrer-Policy", "no-referrer");
    AuditTrail.actor(ctx, AuditTrail.Actor.oidc(s.userId()));
    AuditTrail.workspace(ctx, s.workspaceId());
    AuditTrail.target(ctx, "user", s.userId().toString());
    AuditTrail.detail(
        ctx,
        new JsonObject()
            .put("role", s.role().wire())
            .put("new_user", s.newUser())
            .put("new_member", s.newMember())
            .put("role_changed", s.roleChanged()));
    String accept = ctx.request().getHeader("Accept");
    if (accept != null && accept.contains("application/json")) {
      Responses.json(
          ctx,
          200,
          new JsonObject()
              .put("user_id", s.userId().toString())
              .put("workspace_id", s.workspaceId().toString())
              .put("role", s.role().wire())
              .put("new_user", s.newUser())
              .put("session_token", token)
              .put("expires_at", s.expiresAt().toString()));
      return;
    }
    // A redirect is sent once its entry is on record, like every other response.
    AuditTrail.beforeSend(
        ctx,
        302,
        null,
        null,
        () -> {
          if (!ctx.response().ended()) {
            ctx.response()
                .setStatusCode(302)
                .putHeader("Location", redirectTo + "#/sso/" + token)
                .end();
          }
        });
  }

  private void fail(RoutingContext ctx, Throwable err) {
    switch (err) {
      case OidcClient.TokenRefused t -> refuse(ctx, 401, "id_token_invalid", t.getMessage());
      case OidcClient.ExchangeRefused e -> refuse(ctx, 401, "code_rejected", e.getMessage());
      case OidcClient.Unavailable u -> {
        LOG.atWarn()
            .addKeyValue("request_id", RequestIds.of(ctx))
            .log("single sign-on unavailable: {}", u.getMessage());
        ctx.fail(
            new ApiError(
                503,
                "sso_unavailable",
                "the identity provider cannot be reached right now; retry shortly"));
      }
      default -> ctx.fail(err);
    }
  }

  /** Answers a refused login; its audit entry (action {@code session.oidc_login}) says why. */
  private void refuse(RoutingContext ctx, int status, String code, String message) {
    LOG.atInfo()
        .addKeyValue("request_id", RequestIds.of(ctx))
        .log("single sign-on refused ({}): {}", code, message);
    AuditTrail.refusal(ctx, code);
    ctx.fail(new ApiError(status, code, message));
  }

  private OidcClient configured() {
    return client.orElseThrow(
        () ->
            new ApiError(
                404,
                "sso_not_configured",
                "single sign-on is not configured on this server (OIDC_ISSUER)"));
  }

  private Cookie stateCookie(String value, long maxAgeSeconds) {
    return Cookie.cookie(STATE_COOKIE, value)
        .setPath(COOKIE_PATH)
        .setHttpOnly(true)
        .setSameSite(CookieSameSite.LAX)
        .setSecure("https".equals(config.oidc().orElseThrow().redirectUrl().getScheme()))
        .setMaxAge(maxAgeSeconds);
  }

  /** A path on this server to land on after the login: {@code /} unless one is given. */
  private static String localPath(String raw) {
    if (raw == null || raw.isEmpty()) {
      return "/";
    }
    if (raw.length() > MAX_REDIRECT_LENGTH
        || !raw.startsWith("/")
        || raw.startsWith("//")
        || raw.contains("\\")
        || raw.contains("#")
        || raw.chars().anyMatch(c -> c < 0x21 || c > 0x7e)) {
      throw ApiError.badRequest(
          "'redirect' must be a path on this server such as /, without '#', '\\\\' or spaces");
    }
    return raw;
  }

  private static String param(RoutingContext ctx, String name) {
    String value = ctx.request().getParam(name);
    if (value == null || value.isEmpty()) {
      return null;
    }
    if (value.length() > MAX_PARAM_LENGTH) {
      throw ApiError.badRequest(
          "'" + name + "' is longer than " + MAX_PARAM_LENGTH + " characters");
    }
    return value;
  }

  private static String printable(String raw) {
    String s = raw.replaceAll("[^\\x20-\\x7e]", "?");
    return s.length() > 200 ? s.substring(0, 200) + "…" : s;
  }

  /** The values of a claim that is a string or an array of strings. */
  private static List<String> claimValues(IDTokenClaimsSet claims, String name) {
    Object value = claims.getClaim(name);
    List<String> out = new ArrayList<>();
    if (value instanceof String s) {
      out.add(s);
    } else if (value instanceof List<?> list) {
      list.forEach(v -> out.add(String.valueOf(v)));
    }
    return out;
  }
}
