package org.openpincery.gateway;

import io.vertx.ext.web.RoutingContext;
import java.util.Optional;
import org.openpincery.limits.RateLimiter;
import org.openpincery.store.AuthRepository;
import org.openpincery.store.AuthRepository.Principal;
import org.openpincery.store.AuthRepository.TokenCheck;

/**
 * Turns a bearer token (a session's, or an API token's) into a {@link Principal}, and applies the
 * rate limits: failed and unauthenticated attempts count against the client address (10/min by
 * default), authenticated requests against their session (60/min).
 */
final class Authenticator {

  private static final String PRINCIPAL = "principal";
  private static final String TOKEN_DIGEST = "token_digest";
  private static final String REFUSED_TOKEN = "refused_token";

  private final AuthRepository auth;
  private final RateLimiter unauthenticated;
  private final RateLimiter authenticated;
  private final ClientAddress clients;
  private final GatewayMetrics metrics;
  private final SessionCache sessions;

  Authenticator(
      AuthRepository auth,
      RateLimiter unauthenticated,
      RateLimiter authenticated,
      ClientAddress clients,
      GatewayMetrics metrics,
      SessionCache sessions) {
    this.auth = auth;
    this.unauthenticated = unauthenticated;
    this.authenticated = authenticated;
    this.clients = clients;
    this.metrics = metrics;
    this.sessions = sessions;
  }

  /**
   * For routes that need a signed-in caller: a session token, or an API token ({@code pcy_…}).
   * {@code allowQueryToken} lets EventSource clients connect with {@code ?access_token=}.
   */
  void requireSession(RoutingContext ctx, boolean allowQueryToken) {
    Optional<String> token = bearer(ctx);
    if (token.isEmpty() && allowQueryToken) {
      token = Optional.ofNullable(ctx.request().getParam("access_token"));
    }
    boolean apiToken = token.isPresent() && Tokens.looksLikeApiToken(token.get());
    if (token.isEmpty() || !(apiToken || Tokens.looksLikeSessionToken(token.get()))) {
      reject(
          ctx,
          token.isEmpty()
              ? "a bearer session or API token is required"
              : "the session token is invalid");
      return;
    }
    byte[] digest = Tokens.sha256(token.get());
    Optional<Principal> cached = sessions.get(digest);
    if (cached.isPresent()) {
      admit(ctx, cached.get(), digest);
      return;
    }
    if (apiToken) {
      auth.authenticateToken(digest)
          .onSuccess(
              check -> {
                switch (check) {
                  case TokenCheck.Valid v -> {
                    sessions.put(digest, v.principal());
                    admit(ctx, v.principal(), digest);
                  }
                  case TokenCheck.Refused r -> {
                    ctx.put(REFUSED_TOKEN, r);
                    reject(ctx, r.reason());
                  }
                  case TokenCheck.Unknown u -> reject(ctx, "the API token is invalid");
                }
              })
          .onFailure(ctx::fail);
      return;
    }
    auth.authenticate(digest)
        .onSuccess(
            principal -> {
              if (principal.isEmpty()) {
                reject(ctx, "the session token is invalid, expired or revoked");
                return;
              }
              sessions.put(digest, principal.get());
              admit(ctx, principal.get(), digest);
            })
        .onFailure(ctx::fail);
  }

  private void admit(RoutingContext ctx, Principal principal, byte[] digest) {
    RateLimiter.Decision d = authenticated.acquire("session:" + principal.sessionId());
    if (!d.allowed()) {
      tooMany(ctx, d, "authenticated");
      return;
    }
    ctx.put(PRINCIPAL, principal);
    ctx.put(TOKEN_DIGEST, digest);
    ctx.next();
  }

  /** Forgets a session or token this process may have cached (after logout or revocation). */
  void forget(Principal principal) {
    sessions.invalidate(principal.sessionId());
  }

  /** Forgets sessions or tokens by id (a revoked token, a removed member's sessions). */
  void forget(java.util.Collection<java.util.UUID> ids) {
    ids.forEach(sessions::invalidate);
  }

  /** Forgets every cached session and token of a user (their role or membership changed). */
  void forgetUser(java.util.UUID userId) {
    sessions.invalidateUser(userId);
  }

  /** For routes open to anyone (bootstrap, login): the per-address limit only. */
  void limitUnauthenticated(RoutingContext ctx) {
    RateLimiter.Decision d = unauthenticated.acquire("addr:" + clients.of(ctx.request()));
    if (!d.allowed()) {
      tooMany(ctx, d, "unauthenticated");
      return;
    }
    ctx.next();
  }

  private void reject(RoutingContext ctx, String message) {
    RateLimiter.Decision d = unauthenticated.acquire("addr:" + clients.of(ctx.request()));
    if (!d.allowed()) {
      tooMany(ctx, d, "unauthenticated");
      return;
    }
    ctx.fail(ApiError.unauthorized(message));
  }

  private void tooMany(RoutingContext ctx, RateLimiter.Decision d, String scope) {
    metrics.rateLimited(scope);
    ctx.response().putHeader("Retry-After", Long.toString(d.retryAfterSeconds()));
    ctx.fail(
        new ApiError(
            429, "rate_limited", "too many requests; retry after " + d.retryAfterSeconds() + " s"));
  }

  static Optional<String> bearer(RoutingContext ctx) {
    String header = ctx.request().getHeader("Authorization");
    if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return Optional.empty();
    }
    String token = header.substring(7).strip();
    return token.isEmpty() ? Optional.empty() : Optional.of(token);
  }

  static Principal principal(RoutingContext ctx) {
    return ctx.get(PRINCIPAL);
  }

  /** The API token refused on this request (revoked, expired, creator gone), if any. */
  static TokenCheck.Refused refusedToken(RoutingContext ctx) {
    return ctx.get(REFUSED_TOKEN);
  }

  /** The SHA-256 of the session token presented (for re-checking a long-lived stream). */
  static byte[] tokenDigest(RoutingContext ctx) {
    return ctx.get(TOKEN_DIGEST);
  }
}
