package org.openpincery.gateway;

import io.vertx.ext.web.RoutingContext;
import java.util.Optional;
import org.openpincery.limits.RateLimiter;
import org.openpincery.store.AuthRepository;
import org.openpincery.store.AuthRepository.Principal;

/**
 * Turns a bearer token into a {@link Principal}, and applies the rate limits: failed and
 * unauthenticated attempts count against the client address (10/min by default), authenticated
 * requests against their session (60/min).
 */
final class Authenticator {

  private static final String PRINCIPAL = "principal";
  private static final String TOKEN_DIGEST = "token_digest";

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

  /** For routes that need a session. {@code allowQueryToken} lets EventSource clients connect. */
  void requireSession(RoutingContext ctx, boolean allowQueryToken) {
    Optional<String> token = bearer(ctx);
    if (token.isEmpty() && allowQueryToken) {
      token = Optional.ofNullable(ctx.request().getParam("access_token"));
    }
    if (token.isEmpty() || !Tokens.looksLikeSessionToken(token.get())) {
      reject(
          ctx,
          token.isEmpty() ? "a bearer session token is required" : "the session token is invalid");
      return;
    }
    byte[] digest = Tokens.sha256(token.get());
    Optional<Principal> cached = sessions.get(digest);
    if (cached.isPresent()) {
      admit(ctx, cached.get(), digest);
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

  /** Forgets a session this process may have cached (after logout). */
  void forget(Principal principal) {
    sessions.invalidate(principal.sessionId());
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

  /** The SHA-256 of the session token presented (for re-checking a long-lived stream). */
  static byte[] tokenDigest(RoutingContext ctx) {
    return ctx.get(TOKEN_DIGEST);
  }
}
