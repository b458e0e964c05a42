package org.openpincery.gateway;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.openpincery.model.AgentView;
import org.openpincery.model.StoredEvent;

/** JSON bodies of successful responses, and the API's JSON shapes of domain records. */
final class Responses {

  private Responses() {}

  /** Sends a JSON body, once the request's audit entry (if it has one) is committed. */
  static void json(RoutingContext ctx, int status, JsonObject body) {
    if (ctx.response().ended()) {
      return; // the request timed out meanwhile and was answered
    }
    AuditTrail.beforeSend(
        ctx,
        status,
        body,
        null,
        () -> {
          if (!ctx.response().ended()) {
            ctx.response()
                .setStatusCode(status)
                .putHeader("content-type", "application/json")
                .end(body.encode());
          }
        });
  }

  /** Sends 204 No Content, once the request's audit entry (if it has one) is committed. */
  static void noContent(RoutingContext ctx) {
    if (ctx.response().ended()) {
      return;
    }
    AuditTrail.beforeSend(
        ctx,
        204,
        null,
        null,
        () -> {
          if (!ctx.response().ended()) {
            ctx.response().setStatusCode(204).end();
          }
        });
  }

  static JsonObject agent(AgentView a) {
    return new JsonObject()
        .put("id", a.id().toString())
        .put("workspace_id", a.workspaceId().toString())
        .put("name", a.name())
        .put("status", a.status().wire())
        .put("is_enabled", a.enabled())
        .put("disabled_reason", a.disabledReason())
        .put("stopped", a.stopped())
        .put("permission_mode", a.permissionMode().wire())
        .put(
            "budget_limit_usd",
            a.budgetLimitUsd() == null
                ? null
                : a.budgetLimitUsd().stripTrailingZeros().toPlainString())
        .put("budget_unlimited", a.budgetLimitUsd() == null)
        .put("budget_spent_usd", a.budgetSpentUsd().stripTrailingZeros().toPlainString())
        .put("event_seq", a.eventSeq())
        .put("pending_work", a.inboxSeq() > a.consumedSeq())
        .put("created_at", a.createdAt().toString())
        .put("updated_at", a.updatedAt().toString())
        .put("deleted", a.deleted())
        .put("deleted_at", a.deleted() ? a.deletedAt().toString() : null);
  }

  static JsonObject event(StoredEvent e) {
    return new JsonObject()
        .put("id", e.id().toString())
        .put("agent_id", e.agentId().toString())
        .put("seq", e.seq())
        .put("event_type", e.eventType())
        .put("source", e.source())
        .put("wake_id", e.wakeId() == null ? null : e.wakeId().toString())
        .put("content", e.content())
        .put("tool_name", e.toolName())
        .put("tool_input", e.toolInput())
        .put("tool_output", e.toolOutput())
        .put("termination_reason", e.terminationReason())
        .put("payload", e.payload())
        .put("created_at", e.createdAt().toString());
  }

  static JsonArray events(Iterable<StoredEvent> events) {
    JsonArray array = new JsonArray();
    events.forEach(e -> array.add(event(e)));
    return array;
  }
}
