package org.openpincery.gateway;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.pgclient.PgException;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.openpincery.store.AuditRepository;
import org.openpincery.store.AuthRepository.Principal;
import org.openpincery.store.AuthRepository.TokenCheck;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records operator actions in the audit trail (issue 14), each committed before its response is
 * sent, so that a client that saw a response can always find its entry.
 *
 * <p>How: a route declares its action with {@link #action(String)}, a handler placed first in the
 * route. Every response of the API leaves through {@link Responses} or {@link ErrorResponses},
 * which call {@link #beforeSend} first: for an audited request it appends one entry (action, actor,
 * target, outcome {@code ok} below 400 else {@code refused}, status, address, request id, chosen
 * detail) and sends when the append is done. A failed append still sends the response: it logs an
 * ERROR and counts {@code pincery_audit_append_failures_total}.
 *
 * <p>Refusals: a 401 or 403 of a route declared with an action (null included) whose caller is
 * known — a principal refused by role, or an API token refused as revoked or expired — is recorded
 * as {@code authorization.refused}, the route's action in {@code detail.action} and the error code
 * in {@code detail.reason}. Other refusals (4xx) are recorded under the route's action with outcome
 * {@code refused}.
 *
 * <p>Who is recorded: the principal's user or token; else an actor a handler named ({@link #actor},
 * e.g. the bootstrap token on login); else the refused API token. A request with none of these — an
 * anonymous 401 — is not recorded, so nobody can flood the log by knocking; the few anonymous
 * refusals issue 14 wants on record (an unknown invitation token, a forged OIDC state) are written
 * because their handler says so ({@link #refused}, {@link #refusal}).
 *
 * <p>An API token's first use in an hour is recorded too ({@code token.use}), before the entry of
 * the request that used it.
 */
final class AuditTrail {

  private static final Logger LOG = LoggerFactory.getLogger(AuditTrail.class);
  private static final String KEY = "audit_pending";
  static final String AUTHORIZATION_REFUSED = "authorization.refused";

  static final Duration TOKEN_USE_WINDOW = Duration.ofHours(1);
  private static final int MAX_REMEMBERED_TOKEN_USES = 100_000;

  private final AuditRepository audit;
  private final ClientAddress clients;
  private final GatewayMetrics metrics;
  // API token id -> System.nanoTime() of its last token.use noted by this process.
  private final Map<UUID, Long> tokenUses = new ConcurrentHashMap<>();

  AuditTrail(AuditRepository audit, ClientAddress clients, GatewayMetrics metrics) {
    this.audit = audit;
    this.clients = clients;
    this.metrics = metrics;
  }

  /**
   * Who acted. {@code type} is {@code user}, {@code token}, {@code bootstrap}, {@code anonymous} or
   * {@code oidc}; {@code id} the user or token; {@code userId} the person behind it.
   */
  record Actor(String type, UUID id, UUID userId) {
    static Actor user(UUID userId) {
      return new Actor("user", userId, userId);
    }

    static Actor token(UUID tokenId, UUID creator) {
      return new Actor("token", tokenId, creator);
    }

    static Actor bootstrap() {
      return new Actor("bootstrap", null, null);
    }

    static Actor anonymous() {
      return new Actor("anonymous", null, null);
    }

    static Actor oidc(UUID userId) {
      return new Actor("oidc", userId, userId);
    }
  }

  /** What one audited request will record; filled by the route and its handler. */
  private static final class Pending {
    final AuditTrail trail;
    String action; // null: only a refusal of the route is recorded
    String targetType;
    String targetId;
    UUID workspace;
    Actor actor;
    boolean forced;
    boolean recorded;
    final JsonObject detail = new JsonObject();

    Pending(AuditTrail trail) {
      this.trail = trail;
    }
  }

  /**
   * A route handler that marks the request as audited with {@code action} (one of the names in
   * docs/api.md, "The audit trail", such as {@code agent.create}) and passes it on. With null, only
   * a refusal (401/403) of the route is recorded. Place it first in the route, before
   * authentication.
   */
  Handler<RoutingContext> action(String action) {
    return ctx -> {
      pending(ctx).action = action;
      ctx.next();
    };
  }

  /**
   * Puts the refusal of this request on record, whoever sent it (anonymous included): for a 401 or
   * 403, an {@code authorization.refused} entry (the route's action, if any, in {@code
   * detail.action}); for another status (an unknown invitation token, a forged OIDC state...), an
   * entry of the route's action (or {@code authorization.refused} when the route has none) with
   * outcome {@code refused}. Call it before answering with the error, which must go through {@link
   * ErrorResponses} ({@code ctx.fail}); the entry is written as the error is sent.
   *
   * @param status the 4xx about to be sent
   * @param reason a short code such as {@code invitation_not_found} (no secret), in {@code
   *     detail.reason}
   */
  void refused(RoutingContext ctx, int status, String reason) {
    Pending p = pending(ctx);
    if (p.action == null || status == 401 || status == 403) {
      p.detail.put("reason", reason); // beforeSend turns the entry into authorization.refused
      p.forced = true;
      if (p.action == null) {
        p.action = AUTHORIZATION_REFUSED;
        refusalDetail(ctx, p, null);
      }
      return;
    }
    refusal(ctx, reason);
  }

  /**
   * The same as {@link #refused} for a request whose route declared an action (the handler need not
   * hold the trail): its refusal is recorded even when anonymous, with {@code detail.reason}.
   */
  static void refusal(RoutingContext ctx, String reason) {
    Pending p = ctx.get(KEY);
    if (p != null) {
      p.forced = true;
      p.detail.put("reason", reason);
    }
  }

  /** Adds chosen fields to this request's entry (never a body, never a secret). */
  static void detail(RoutingContext ctx, JsonObject fields) {
    Pending p = ctx.get(KEY);
    if (p != null) {
      p.detail.mergeIn(fields);
    }
  }

  /** Names this request's target, in place of the one read from the path or the response. */
  static void target(RoutingContext ctx, String type, String id) {
    Pending p = ctx.get(KEY);
    if (p != null) {
      p.targetType = type;
      p.targetId = id;
    }
  }

  /** Names the actor of a request that has no principal (login with the bootstrap token...). */
  static void actor(RoutingContext ctx, Actor actor) {
    Pending p = ctx.get(KEY);
    if (p != null) {
      p.actor = actor;
    }
  }

  /** Puts this request's entry in a workspace's chain other than the principal's. */
  static void workspace(RoutingContext ctx, UUID workspaceId) {
    Pending p = ctx.get(KEY);
    if (p != null) {
      p.workspace = workspaceId;
    }
  }

  /**
   * Replaces the route's action (e.g. a PATCH that changes a budget is {@code agent.budget_set}).
   */
  static void rename(RoutingContext ctx, String action) {
    Pending p = ctx.get(KEY);
    if (p != null && p.action != null && !AUTHORIZATION_REFUSED.equals(p.action)) {
      p.action = action;
    }
  }

  /**
   * The actor of a principal, the one place that maps principals to actors: a session acts as its
   * user; an API token (whose principal's sessionId is the token id) as the token, with its
   * creator.
   */
  static Actor actorOf(Principal principal) {
    return principal.isApiToken()
        ? Actor.token(principal.sessionId(), principal.userId())
        : Actor.user(principal.userId());
  }

  /**
   * Runs {@code send} once this request's entry, if it has one, is committed (or failed). Called by
   * {@link Responses} and {@link ErrorResponses} for every response; {@code send} must itself check
   * that the response is not ended yet.
   *
   * @param body the JSON body of a success (read for the id of a created target), or null
   * @param errorCode the error code of a failure, or null
   */
  static void beforeSend(
      RoutingContext ctx, int status, JsonObject body, String errorCode, Runnable send) {
    Pending p = ctx.get(KEY);
    if (p == null || p.recorded) {
      send.run();
      return;
    }
    p.recorded = true;
    Principal principal = Authenticator.principal(ctx);
    TokenCheck.Refused refusedToken = Authenticator.refusedToken(ctx);
    boolean known = principal != null || p.actor != null || refusedToken != null;
    if ((status == 401 || status == 403)
        && (known || p.forced)
        && !AUTHORIZATION_REFUSED.equals(p.action)) {
      String attempted = p.action;
      p.action = AUTHORIZATION_REFUSED;
      refusalDetail(ctx, p, attempted);
      if (!p.detail.containsKey("reason")) {
        // A refused API token's reason says which refusal (revoked, expired, creator gone).
        p.detail.put(
            "reason",
            principal == null && refusedToken != null ? refusedToken.reason() : errorCode);
      }
    }
    Future<Void> tokenUse = p.trail.noteTokenUse(ctx, principal, status);
    if (p.action == null || !(known || p.forced)) {
      // A route without an action, or an anonymous request (see the class comment).
      tokenUse.onComplete(v -> send.run());
      return;
    }
    AuditRepository.Entry entry =
        p.trail.entry(ctx, p, principal, refusedToken, status, body, errorCode);
    tokenUse
        .compose(v -> p.trail.audit.append(entry))
        .onComplete(
            done -> {
              if (done.failed()) {
                p.trail.appendFailed(entry, done.cause());
              }
              send.run();
            });
  }

  /**
   * The first use of an API token in an hour is itself on record ({@code token.use}, before the
   * request's own entry). This process remembers the tokens it noted within the hour, so the check
   * costs nothing on later requests; across processes the database keeps it to one entry an hour
   * ({@link AuditRepository#appendUnlessRecent}).
   */
  private Future<Void> noteTokenUse(RoutingContext ctx, Principal principal, int status) {
    if (principal == null || !principal.isApiToken()) {
      return Future.succeededFuture();
    }
    UUID token = principal.sessionId();
    long now = System.nanoTime();
    Long noted = tokenUses.get(token);
    if (noted != null && now - noted < TOKEN_USE_WINDOW.toNanos()) {
      return Future.succeededFuture();
    }
    if (tokenUses.size() >= MAX_REMEMBERED_TOKEN_USES) {
      tokenUses.clear(); // a bound, not a policy: the database still dedupes
    }
    tokenUses.put(token, now);
    AuditRepository.Entry entry =
        new AuditRepository.Entry(
            principal.workspaceId(),
            "token",
            token,
            principal.userId(),
            "token.use",
            "token",
            token.toString(),
            status < 400,
            status,
            clients.of(ctx.request()),
            RequestIds.of(ctx),
            new JsonObject()
                .put("method", ctx.request().method().name())
                .put("path", ctx.request().path()));
    return audit
        .appendUnlessRecent(entry, TOKEN_USE_WINDOW)
        .<Void>mapEmpty()
        .recover(
            err -> {
              tokenUses.remove(token);
              appendFailed(entry, err);
              return Future.succeededFuture();
            });
  }

  private void appendFailed(AuditRepository.Entry entry, Throwable cause) {
    metrics.auditAppendFailed();
    // The action and request id only: neither the entry's detail nor the database's message,
    // which may quote a value.
    LOG.atError()
        .addKeyValue("request_id", entry.requestId())
        .addKeyValue("action", entry.action())
        .log("audit entry not written: {}", failureKind(cause));
  }

  private static void refusalDetail(RoutingContext ctx, Pending p, String attempted) {
    p.detail
        .put("method", ctx.request().method().name())
        .put("path", ctx.request().path()); // never the query: it may carry access_token
    if (attempted != null) {
      p.detail.put("action", attempted);
    }
  }

  // The exception's class, and PostgreSQL's SQLSTATE when there is one: enough to diagnose, and
  // free of values.
  private static String failureKind(Throwable failure) {
    return failure instanceof PgException pg
        ? "PgException SQLSTATE " + pg.getSqlState()
        : failure.getClass().getSimpleName();
  }

  private AuditRepository.Entry entry(
      RoutingContext ctx,
      Pending p,
      Principal principal,
      TokenCheck.Refused refusedToken,
      int status,
      JsonObject body,
      String errorCode) {
    Actor actor;
    UUID workspace;
    if (principal != null) {
      actor = actorOf(principal);
      workspace = principal.workspaceId();
    } else if (refusedToken != null) {
      actor = Actor.token(refusedToken.tokenId(), refusedToken.userId());
      workspace = refusedToken.workspaceId();
    } else {
      actor = Actor.anonymous();
      workspace = null;
    }
    if (p.actor != null) {
      actor = p.actor;
    }
    if (p.workspace != null) {
      workspace = p.workspace;
    }
    JsonObject detail = p.detail.copy();
    if (errorCode != null) {
      detail.put("error", errorCode);
    }
    if ("true".equals(ctx.response().headers().get("Idempotent-Replayed"))) {
      detail.put("replayed", true);
    }
    String targetType = p.targetType;
    String targetId = p.targetId;
    if (targetType == null && !AUTHORIZATION_REFUSED.equals(p.action)) {
      String noun = p.action.substring(0, Math.max(0, p.action.indexOf('.')));
      targetId = DefaultTargets.id(ctx, noun, status < 400 ? body : null);
      targetType = targetId == null ? null : noun;
      String agent = ctx.pathParam("id");
      if (!"agent".equals(noun)
          && agent != null
          && ctx.request().path().startsWith("/api/agents/")) {
        detail.put("agent_id", agent);
      }
    }
    return new AuditRepository.Entry(
        workspace,
        actor.type(),
        actor.id(),
        actor.userId(),
        p.action,
        targetType,
        targetId,
        status < 400,
        status,
        clients.of(ctx.request()),
        RequestIds.of(ctx),
        detail);
  }

  private Pending pending(RoutingContext ctx) {
    Pending p = ctx.get(KEY);
    if (p == null) {
      p = new Pending(this);
      ctx.put(KEY, p);
    }
    return p;
  }

  /** The target an action names by default: from the path, else from a created resource. */
  private static final class DefaultTargets {
    private DefaultTargets() {}

    static String id(RoutingContext ctx, String noun, JsonObject body) {
      String path = ctx.request().path();
      String fromPath =
          switch (noun) {
            case "agent" -> path.startsWith("/api/agents/") ? ctx.pathParam("id") : null;
            case "schedule" -> ctx.pathParam("schedule_id");
            case "timer" -> ctx.pathParam("timer_id");
            case "credential" -> ctx.pathParam("name");
            case "member" -> ctx.pathParam("user_id");
            case "token" -> ctx.pathParam("token_id");
            case "invitation" -> ctx.pathParam("invitation_id");
            default -> null;
          };
      if (fromPath != null || body == null) {
        return fromPath;
      }
      Object created = "credential".equals(noun) ? body.getValue("name") : body.getValue("id");
      return created instanceof String s ? s : null;
    }
  }
}
