package org.openpincery.gateway;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.UUID;
import org.openpincery.store.HistoryRepository.ProjectionVersion;
import org.openpincery.store.HistoryRepository.Wake;

/**
 * An agent's history for the control plane: its projection versions and its wakes. Both are paged
 * newest first with a cursor taken from the last item of the previous page, as the model-calls
 * route is.
 */
final class HistoryHandlers {

  static final int DEFAULT_LIMIT = 50;
  static final int MAX_LIMIT = 500;

  private final EventHandlers owners;

  HistoryHandlers(EventHandlers owners) {
    this.owners = owners;
  }

  /**
   * GET /api/agents/:id/projections?limit&before_version: every version of identity, work list and
   * summary, newest first. {@code next_before_version} continues; null on the last page.
   */
  void projections(RoutingContext ctx) {
    UUID id = AgentHandlers.agentId(ctx);
    int limit = EventHandlers.intParam(ctx, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT);
    Integer before =
        ctx.request().getParam("before_version") == null
            ? null
            : EventHandlers.intParam(ctx, "before_version", 0, 1, Integer.MAX_VALUE);
    owners
        .ownedBy(ctx, id)
        .compose(v -> Scopes.of(ctx).history().projections(id, before, limit))
        .onSuccess(
            page -> {
              JsonArray out = new JsonArray();
              page.forEach(p -> out.add(json(p)));
              Responses.json(
                  ctx,
                  200,
                  new JsonObject()
                      .put("projections", out)
                      .put(
                          "next_before_version",
                          page.size() == limit ? page.getLast().version() : null));
            })
        .onFailure(ctx::fail);
  }

  /**
   * GET /api/agents/:id/wakes?limit&before_seq: wakes newest first, each with when it started and
   * ended, how long it ran (ms; null while it runs), how it ended and what its model calls cost.
   * {@code next_before_seq} (the {@code start_seq} of the last wake) continues; null on the last
   * page.
   */
  void wakes(RoutingContext ctx) {
    UUID id = AgentHandlers.agentId(ctx);
    int limit = EventHandlers.intParam(ctx, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT);
    String raw = ctx.request().getParam("before_seq");
    Long before = raw == null ? null : EventHandlers.longParam("before_seq", raw);
    owners
        .ownedBy(ctx, id)
        .compose(v -> Scopes.of(ctx).history().wakes(id, before, limit))
        .onSuccess(
            page -> {
              JsonArray out = new JsonArray();
              page.forEach(w -> out.add(json(w)));
              Responses.json(
                  ctx,
                  200,
                  new JsonObject()
                      .put("wakes", out)
                      .put(
                          "next_before_seq",
                          page.size() == limit ? page.getLast().startSeq() : null));
            })
        .onFailure(ctx::fail);
  }

  private static JsonObject json(ProjectionVersion p) {
    return new JsonObject()
        .put("version", p.version())
        .put("wake_id", p.wakeId() == null ? null : p.wakeId().toString())
        .put("identity", p.identity())
        .put("work_list", p.workList())
        .put("summary", p.summary())
        .put("created_at", p.createdAt().toString());
  }

  private static JsonObject json(Wake w) {
    return new JsonObject()
        .put("wake_id", w.wakeId().toString())
        .put("start_seq", w.startSeq())
        .put("started_at", w.startedAt().toString())
        .put("ended_at", w.endedAt() == null ? null : w.endedAt().toString())
        .put(
            "duration_ms",
            w.endedAt() == null ? null : Duration.between(w.startedAt(), w.endedAt()).toMillis())
        .put("end_event", w.endEvent())
        .put("termination_reason", w.terminationReason())
        .put("cost_usd", w.costUsd().stripTrailingZeros().toPlainString())
        .put("model_calls", w.modelCalls())
        .put("input_tokens", w.inputTokens())
        .put("output_tokens", w.outputTokens());
  }
}
