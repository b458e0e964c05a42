package org.openpincery.gateway;

import io.vertx.core.Future;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.HexFormat;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import org.openpincery.model.Role;
import org.openpincery.store.AuditRepository;
import org.openpincery.store.AuditRepository.Filter;
import org.openpincery.store.AuditRepository.Stored;
import org.openpincery.store.ChainCheckRepository;
import org.openpincery.store.ChainVerification;

/**
 * Reading the audit trail (issue 14): a page of entries, a streamed export as JSON lines, and the
 * chain's verification. For admins and owners of the workspace (the route table's {@link Access});
 * the installation chain ({@code ?scope=installation}) for owners of the installation's workspace.
 */
final class AuditHandlers {

  static final int DEFAULT_LIMIT = 100;
  static final int EXPORT_PAGE = 500;
  private static final Pattern ACTION = Pattern.compile("[a-z_]+(\\.[a-z_]+)*");
  private static final Pattern ACTION_PREFIX = Pattern.compile("([a-z_]+\\.)+\\*");
  private static final Pattern TARGET_TYPE = Pattern.compile("[a-z_]{1,40}");
  private static final Set<String> ACTOR_TYPES =
      Set.of("user", "token", "bootstrap", "anonymous", "oidc");
  private static final HexFormat HEX = HexFormat.of();

  private final AuditRepository audit;
  private final ChainCheckRepository chains;

  /**
   * @param chains where a break the verification finds is recorded (and notified, once)
   */
  AuditHandlers(AuditRepository audit, ChainCheckRepository chains) {
    this.audit = audit;
    this.chains = chains;
  }

  /**
   * GET /api/audit?actor&action&target&target_type&since&until&after_seq&limit&scope: one page in
   * seq order, {@code next_after_seq} set when the page is full (more may follow).
   */
  void list(RoutingContext ctx) {
    Filter filter = filter(ctx, intParam(ctx, "limit", DEFAULT_LIMIT, 1, AuditRepository.MAX_PAGE));
    chain(ctx)
        .compose(chain -> reader(ctx, chain).list(chain, filter))
        .onSuccess(
            page -> {
              var entries = new io.vertx.core.json.JsonArray();
              page.entries().forEach(e -> entries.add(json(e)));
              Responses.json(
                  ctx,
                  200,
                  new JsonObject()
                      .put("entries", entries)
                      .put("next_after_seq", page.nextAfterSeq()));
            })
        .onFailure(ctx::fail);
  }

  /**
   * GET /api/audit/export (same filters, no limit): every matching entry as one JSON object per
   * line ({@code application/x-ndjson}) with {@code workspace_id}, {@code prev_hash} and {@code
   * hash} in hex. Read page by page, each page only once the client has taken the previous one.
   */
  void export(RoutingContext ctx) {
    Filter first = filter(ctx, EXPORT_PAGE);
    chain(ctx)
        .onSuccess(
            chain -> {
              HttpServerResponse response = ctx.response();
              if (response.ended()) {
                return;
              }
              response
                  .setStatusCode(200)
                  .setChunked(true)
                  .putHeader("content-type", "application/x-ndjson");
              exportFrom(ctx, chain, first);
            })
        .onFailure(ctx::fail);
  }

  private void exportFrom(RoutingContext ctx, UUID chain, Filter filter) {
    HttpServerResponse response = ctx.response();
    reader(ctx, chain)
        .list(chain, filter)
        .onSuccess(
            page -> {
              if (response.closed() || response.ended()) {
                return; // the client went away
              }
              StringBuilder lines = new StringBuilder();
              page.entries().forEach(e -> lines.append(exportLine(e).encode()).append('\n'));
              if (!lines.isEmpty()) {
                response.write(lines.toString());
              }
              if (page.nextAfterSeq() == null) {
                response.end();
              } else if (response.writeQueueFull()) {
                response.drainHandler(
                    v -> exportFrom(ctx, chain, filter.after(page.nextAfterSeq())));
              } else {
                exportFrom(ctx, chain, filter.after(page.nextAfterSeq()));
              }
            })
        .onFailure(ctx::fail); // after the head: the connection is reset, never a clean end
  }

  /** GET /api/audit/verify: {@code {"valid":true,"entries":N}} or the first broken seq. */
  void verify(RoutingContext ctx) {
    chain(ctx)
        .compose(
            chain ->
                reader(ctx, chain)
                    .verify(chain)
                    .compose(
                        result ->
                            EventHandlers.recordBreak(
                                    chains,
                                    ChainCheckRepository.ChainType.AUDIT,
                                    chain,
                                    Authenticator.principal(ctx).workspaceId(),
                                    result)
                                .map(result)))
        .onSuccess(
            result ->
                Responses.json(
                    ctx,
                    200,
                    switch (result) {
                      case ChainVerification.Valid v ->
                          new JsonObject().put("valid", true).put("entries", v.eventsChecked());
                      case ChainVerification.Broken b ->
                          new JsonObject()
                              .put("valid", false)
                              .put("entries", b.eventsChecked())
                              .put("first_bad_seq", b.firstBadSeq())
                              .put("problem", b.problem());
                    }))
        .onFailure(ctx::fail);
  }

  static JsonObject json(Stored e) {
    JsonObject actor = new JsonObject().put("type", e.actorType());
    if (e.actorId() != null) {
      actor.put("id", e.actorId().toString());
    }
    if (e.actorUserId() != null && !e.actorUserId().equals(e.actorId())) {
      actor.put("user_id", e.actorUserId().toString());
    }
    return new JsonObject()
        .put("seq", e.seq())
        .put("id", e.id().toString())
        .put("at", e.at().toString())
        .put("actor", actor)
        .put("action", e.action())
        .put(
            "target",
            e.targetType() == null
                ? null
                : new JsonObject().put("type", e.targetType()).put("id", e.targetId()))
        .put("outcome", e.outcome())
        .put("status", e.status())
        .put("address", e.address())
        .put("request_id", e.requestId())
        .put("detail", e.detail());
  }

  static JsonObject exportLine(Stored e) {
    return json(e)
        .put("workspace_id", e.chain().toString())
        .put("prev_hash", HEX.formatHex(e.prevHash()))
        .put("hash", HEX.formatHex(e.hash()));
  }

  // The workspace's own chain is read under row-level security like all workspace data; the
  // installation's chain belongs to no workspace, so its (owner-only) reads are unscoped.
  private AuditRepository reader(RoutingContext ctx, UUID chain) {
    return chain.equals(Authenticator.principal(ctx).workspaceId())
        ? Scopes.of(ctx).audit()
        : audit;
  }

  // The chain to read: the principal's workspace, or with ?scope=installation the installation's
  // own, for owners of the installation's workspace only.
  private Future<UUID> chain(RoutingContext ctx) {
    var principal = Authenticator.principal(ctx);
    String scope = ctx.request().getParam("scope", "workspace");
    return switch (scope) {
      case "workspace" -> Future.succeededFuture(principal.workspaceId());
      case "installation" ->
          audit
              .installationWorkspace()
              .compose(
                  ws ->
                      ws.isPresent()
                              && ws.get().equals(principal.workspaceId())
                              && principal.role() == Role.OWNER
                          ? Future.succeededFuture(AuditRepository.INSTALLATION)
                          : Future.failedFuture(
                              new ApiError(
                                  403,
                                  "forbidden",
                                  "the installation's audit chain is for owners of the"
                                      + " installation's workspace")));
      default -> throw ApiError.badRequest("'scope' must be 'workspace' or 'installation'");
    };
  }

  private static Filter filter(RoutingContext ctx, int limit) {
    UUID actor = null;
    String actorType = null;
    String rawActor = ctx.request().getParam("actor");
    if (rawActor != null) {
      if (ACTOR_TYPES.contains(rawActor)) {
        actorType = rawActor;
      } else {
        try {
          actor = UUID.fromString(rawActor);
        } catch (IllegalArgumentException e) {
          throw ApiError.badRequest(
              "'actor' must be a user or token id, or one of " + String.join(", ", ACTOR_TYPES));
        }
      }
    }
    String action = null;
    String actionPrefix = null;
    String rawAction = ctx.request().getParam("action");
    if (rawAction != null) {
      if (ACTION.matcher(rawAction).matches()) {
        action = rawAction;
      } else if (ACTION_PREFIX.matcher(rawAction).matches()) {
        actionPrefix = rawAction.substring(0, rawAction.length() - 1);
      } else {
        throw ApiError.badRequest(
            "'action' must be an action name such as agent.create, or a prefix such as agent.*");
      }
    }
    String target = ctx.request().getParam("target");
    if (target != null && (target.isEmpty() || target.length() > 200)) {
      throw ApiError.badRequest("'target' must be 1 to 200 characters");
    }
    String targetType = ctx.request().getParam("target_type");
    if (targetType != null && !TARGET_TYPE.matcher(targetType).matches()) {
      throw ApiError.badRequest("'target_type' must be a type name such as agent or credential");
    }
    OffsetDateTime since = time(ctx, "since");
    OffsetDateTime until = time(ctx, "until");
    String rawAfter = ctx.request().getParam("after_seq");
    long afterSeq = rawAfter == null ? 0 : EventHandlers.longParam("after_seq", rawAfter);
    return new Filter(
        actor, actorType, action, actionPrefix, targetType, target, since, until, afterSeq, limit);
  }

  private static int intParam(RoutingContext ctx, String name, int fallback, int min, int max) {
    return EventHandlers.intParam(ctx, name, fallback, min, max);
  }

  private static OffsetDateTime time(RoutingContext ctx, String name) {
    String raw = ctx.request().getParam(name);
    if (raw == null) {
      return null;
    }
    try {
      return OffsetDateTime.parse(raw);
    } catch (DateTimeParseException e) {
      throw ApiError.badRequest(
          "'" + name + "' must be an RFC 3339 time such as 2026-01-31T12:00:00Z");
    }
  }
}
