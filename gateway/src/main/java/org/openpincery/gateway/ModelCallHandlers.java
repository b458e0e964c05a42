package org.openpincery.gateway;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.UUID;
import org.openpincery.store.ModelCallRepository.CallSummary;

/** Reading an agent's model calls: what each cost, and whether its tokens are an estimate. */
final class ModelCallHandlers {

  static final int DEFAULT_LIMIT = 50;
  static final int MAX_LIMIT = 500;

  private final EventHandlers owners;

  ModelCallHandlers(EventHandlers owners) {
    this.owners = owners;
  }

  /**
   * GET /api/agents/:id/model-calls?limit&before: newest first, without request and response
   * bodies. {@code before} is a call id from an earlier page ({@code next_before}), which is null
   * on the last page; {@code wake_id} keeps only the calls of that wake.
   */
  void list(RoutingContext ctx) {
    UUID id = AgentHandlers.agentId(ctx);
    int limit = EventHandlers.intParam(ctx, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT);
    UUID before = uuidParam(ctx.request().getParam("before"), "'before' must be a model call id");
    UUID wake = uuidParam(ctx.request().getParam("wake_id"), "'wake_id' must be a wake id");
    owners
        .ownedBy(ctx, id)
        .compose(v -> Scopes.of(ctx).modelCalls().page(id, before, limit, wake))
        .onSuccess(
            page -> {
              JsonArray out = new JsonArray();
              page.forEach(c -> out.add(json(c)));
              Responses.json(
                  ctx,
                  200,
                  new JsonObject()
                      .put("model_calls", out)
                      .put(
                          "next_before",
                          page.size() == limit ? page.getLast().id().toString() : null));
            })
        .onFailure(ctx::fail);
  }

  /**
   * GET /api/agents/:id/model-calls/:call_id: one call with its summary fields and its bodies as
   * sent and received: {@code request} (model, messages — the prompt —, tools) and {@code response}
   * (the provider's answer, null when there was none). 404 when the agent has no such call.
   */
  void show(RoutingContext ctx) {
    UUID id = AgentHandlers.agentId(ctx);
    String raw = ctx.pathParam("call_id");
    UUID callId = uuidParam(raw, "the model call id must be a UUID");
    owners
        .ownedBy(ctx, id)
        .compose(v -> Scopes.of(ctx).modelCalls().get(id, callId))
        .onSuccess(
            call -> {
              if (call.isEmpty()) {
                ctx.fail(ApiError.notFound("no such model call"));
                return;
              }
              Responses.json(
                  ctx,
                  200,
                  json(call.get().summary())
                      .put("request", call.get().request())
                      .put("response", call.get().response()));
            })
        .onFailure(ctx::fail);
  }

  private static UUID uuidParam(String raw, String message) {
    if (raw == null) {
      return null;
    }
    return Bodies.uuid(raw).orElseThrow(() -> ApiError.badRequest(message + " (a UUID)"));
  }

  static JsonObject json(CallSummary c) {
    return new JsonObject()
        .put("id", c.id().toString())
        .put("wake_id", c.wakeId() == null ? null : c.wakeId().toString())
        .put("purpose", c.purpose())
        .put("model", c.model())
        .put("outcome", c.outcome())
        .put("http_status", c.httpStatus())
        .put("input_tokens", c.inputTokens())
        .put("output_tokens", c.outputTokens())
        .put("cost_usd", c.costUsd().stripTrailingZeros().toPlainString())
        .put("estimated", c.estimated())
        .put("latency_ms", c.latencyMillis())
        .put("created_at", c.createdAt().toString());
  }
}
