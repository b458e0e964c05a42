package org.openpincery.gateway;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.openpincery.model.Approval;
import org.openpincery.store.ApprovalRepository.DecideResult;
import org.openpincery.store.ApprovalRepository.Decision;

/**
 * Approvals of gated tool calls (issue 17, docs/api.md "Supervision"): the workspace's inbox, one
 * request, and an operator's decision on it — once, whoever races.
 */
final class ApprovalHandlers {

  static final int DEFAULT_LIMIT = 50;
  static final int MAX_LIMIT = 200;
  private static final List<String> STATUS_FILTERS =
      List.of("pending", "approved", "denied", "expired", "all");

  private final EventHandlers owners;

  ApprovalHandlers(EventHandlers owners) {
    this.owners = owners;
  }

  /**
   * GET /api/approvals?status&agent_id&limit&before: the workspace's requests, newest first. {@code
   * status} is pending (default), approved, denied, expired or all; {@code before} an RFC 3339
   * instant ({@code next_before} of the previous page: only requests made earlier). {@code
   * next_before} is set when the page is full, else null.
   */
  void list(RoutingContext ctx) {
    UUID agent =
        optionalUuid(ctx.request().getParam("agent_id"), "'agent_id' must be an agent id (a UUID)");
    page(ctx, agent, Future.succeededFuture());
  }

  /** GET /api/agents/:id/approvals?status&limit&before: as {@link #list}, for one agent. */
  void listOfAgent(RoutingContext ctx) {
    UUID agent = AgentHandlers.agentId(ctx);
    if (ctx.request().getParam("agent_id") != null) {
      throw ApiError.badRequest("'agent_id' is the path's agent here; leave it out");
    }
    page(ctx, agent, owners.ownedBy(ctx, agent));
  }

  private void page(RoutingContext ctx, UUID agent, Future<Void> owned) {
    String status = statusParam(ctx);
    int limit = EventHandlers.intParam(ctx, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT);
    OffsetDateTime before = beforeParam(ctx.request().getParam("before"));
    UUID workspace = Authenticator.principal(ctx).workspaceId();
    owned
        .compose(
            v ->
                Scopes.of(ctx)
                    .approvals()
                    .list(workspace, "all".equals(status) ? null : status, agent, limit, before))
        .onSuccess(
            page -> {
              JsonArray out = new JsonArray();
              page.forEach(a -> out.add(json(a)));
              Responses.json(
                  ctx,
                  200,
                  new JsonObject()
                      .put("approvals", out)
                      .put(
                          "next_before",
                          page.size() >= limit ? page.getLast().requestedAt().toString() : null));
            })
        .onFailure(ctx::fail);
  }

  /** GET /api/approvals/:id: one request of the workspace, whatever its status. */
  void show(RoutingContext ctx) {
    UUID id = approvalId(ctx);
    Scopes.of(ctx)
        .approvals()
        .get(Authenticator.principal(ctx).workspaceId(), id)
        .onSuccess(
            approval -> {
              if (approval.isEmpty()) {
                ctx.fail(noSuchApproval());
              } else {
                Responses.json(ctx, 200, json(approval.get()));
              }
            })
        .onFailure(ctx::fail);
  }

  /** POST /api/approvals/:id/approve {note?}: 200 with the approved request. */
  void approve(RoutingContext ctx) {
    decide(ctx, Decision.APPROVED);
  }

  /** POST /api/approvals/:id/deny {note?}: 200 with the denied request. */
  void deny(RoutingContext ctx) {
    decide(ctx, Decision.DENIED);
  }

  // 200 decided; 409 approval_decided (earlier decision, a replay included); 410 approval_expired
  // (past its expiry: recorded expired now); 409 agent_deleted; 404. The audit entry names the
  // request, its tool and the decision asked for — never the call's arguments.
  private void decide(RoutingContext ctx, Decision decision) {
    UUID id = approvalId(ctx);
    JsonObject body = Bodies.object(ctx, Set.of("note"), false);
    Optional<String> note = Bodies.string(body, "note", Approval.MAX_NOTE_CHARS, true);
    var principal = Authenticator.principal(ctx);
    AuditTrail.target(ctx, "approval", id.toString());
    AuditTrail.detail(
        ctx, new JsonObject().put("approval_id", id.toString()).put("decision", decision.wire()));
    Scopes.of(ctx)
        .approvals()
        .decide(principal.workspaceId(), id, principal.userId(), decision, note.orElse(null))
        .onSuccess(
            result -> {
              switch (result) {
                case DecideResult.Decided d -> {
                  detailOf(ctx, d.approval());
                  Responses.json(ctx, 200, json(d.approval()));
                }
                case DecideResult.Expired e -> {
                  detailOf(ctx, e.approval());
                  AuditTrail.detail(ctx, new JsonObject().put("expired", true));
                  ctx.fail(
                      new ApiError(
                          410,
                          "approval_expired",
                          "this request expired at "
                              + e.approval().expiresAt()
                              + " before it was decided; it is now recorded expired and the"
                              + " agent is told the call was not approved"));
                }
                case DecideResult.AlreadyDecided a -> ctx.fail(alreadyDecided(a));
                case DecideResult.AgentDeleted g -> ctx.fail(AgentHandlers.agentDeleted());
                case DecideResult.NotFound n -> ctx.fail(noSuchApproval());
              }
            })
        .onFailure(ctx::fail);
  }

  private static void detailOf(RoutingContext ctx, Approval approval) {
    AuditTrail.detail(
        ctx,
        new JsonObject()
            .put("tool", approval.tool())
            .put("agent_id", approval.agentId().toString()));
  }

  private static ApiError alreadyDecided(DecideResult.AlreadyDecided a) {
    String who =
        a.decidedBy() == null
            ? ""
            : " by "
                + (a.decidedByName() == null ? "" : a.decidedByName() + " ")
                + "(user "
                + a.decidedBy()
                + ")";
    String what = "expired".equals(a.status()) ? "expired" : a.status() + who;
    return ApiError.conflict(
        "approval_decided",
        "this request was already " + what + " at " + a.decidedAt() + "; a decision is final");
  }

  static JsonObject json(Approval a) {
    return new JsonObject()
        .put("id", a.id().toString())
        .put("agent_id", a.agentId().toString())
        .put("agent_name", a.agentName())
        .put("wake_id", a.wakeId().toString())
        .put("call_id", a.callId())
        .put("tool", a.tool())
        .put("capability", a.capability().wire())
        // As the table holds them: the call's own arguments, which never hold a secret's value
        // (credentials are named, and resolved only when the call runs).
        .put("arguments", a.arguments())
        .put("status", a.status())
        .put("requested_at", a.requestedAt().toString())
        .put("expires_at", a.expiresAt().toString())
        .put("decided_by", a.decidedBy() == null ? null : a.decidedBy().toString())
        .put("decided_at", a.decidedAt() == null ? null : a.decidedAt().toString())
        .put("note", a.note())
        .put("execution", a.execution())
        .put("settled_at", a.settledAt() == null ? null : a.settledAt().toString())
        .put("result_ok", a.resultOk());
  }

  private static UUID approvalId(RoutingContext ctx) {
    return Bodies.pathId(ctx, "id", "approval");
  }

  private static ApiError noSuchApproval() {
    return ApiError.notFound("no such approval");
  }

  private static String statusParam(RoutingContext ctx) {
    String raw = ctx.request().getParam("status");
    if (raw == null) {
      return "pending";
    }
    if (!STATUS_FILTERS.contains(raw)) {
      throw ApiError.badRequest("'status' must be one of " + String.join(", ", STATUS_FILTERS));
    }
    return raw;
  }

  private static OffsetDateTime beforeParam(String raw) {
    if (raw == null) {
      return null;
    }
    try {
      return OffsetDateTime.parse(raw);
    } catch (DateTimeParseException e) {
      throw ApiError.badRequest(
          "'before' must be an RFC 3339 time such as 2026-01-31T12:00:00.123456Z (next_before)");
    }
  }

  private static UUID optionalUuid(String raw, String message) {
    if (raw == null) {
      return null;
    }
    return Bodies.uuid(raw).orElseThrow(() -> ApiError.badRequest(message));
  }
}
