package org.openpincery.gateway;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.UUID;
import org.openpincery.store.ModelCallRepository;
import org.openpincery.store.ModelCallRepository.CallSummary;

/** Reading an agent's model calls: what each cost, and whether its tokens are an estimate. */
final class ModelCallHandlers {

  static final int DEFAULT_LIMIT = 50;
  static final int MAX_LIMIT = 500;

  private final EventHandlers owners;
  private final ModelCallRepository calls;

  ModelCallHandlers(EventHandlers owners, ModelCallRepository calls) {
    this.owners = owners;
    this.calls = calls;
  }

  /**
   * GET /api/agents/:id/model-calls?limit&before: newest first, without request and response
   * bodies. {@code before} is a call id from an earlier page ({@code next_before}), which is null
   * on the last page.
   */
  void list(RoutingContext ctx) {
    UUID id = AgentHandlers.agentId(ctx);
    int limit = EventHandlers.intParam(ctx, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT);
    UUID before = cursor(ctx.request().getParam("before"));
    owners
        .ownedBy(ctx, id)
        .compose(v -> calls.page(id, before, limit))
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

  private static UUID cursor(String raw) {
    if (raw == null) {
      return null;
    }
    try {
      UUID id = UUID.fromString(raw);
      if (!id.toString().equalsIgnoreCase(raw)) {
        throw new IllegalArgumentException();
      }
      return id;
    } catch (IllegalArgumentException e) {
      throw ApiError.badRequest("'before' must be a model call id (a UUID)");
    }
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
