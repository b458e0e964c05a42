package org.openpincery.gateway;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.UUID;
import org.openpincery.store.TimerRepository;
import org.openpincery.store.TimerRepository.Timer;

/**
 * Reading the one-off timers an agent set for itself ({@code set_timer}) that are still to fire.
 */
final class TimerHandlers {

  private final EventHandlers owners;
  private final TimerRepository timers;

  TimerHandlers(EventHandlers owners, TimerRepository timers) {
    this.owners = owners;
    this.timers = timers;
  }

  /**
   * GET /api/agents/:id/timers: {@code {timers: [{id, fire_at, note, created_at, wake_id}]}}, only
   * those neither fired nor cancelled, soonest first ({@code fire_at} ascending). {@code wake_id}
   * is the wake that set the timer. 404 for an agent not of the caller's workspace; a deleted
   * agent's timers were cancelled with it, so its list is empty.
   */
  void list(RoutingContext ctx) {
    UUID id = AgentHandlers.agentId(ctx);
    owners
        .ownedBy(ctx, id)
        .compose(v -> timers.pending(id))
        .onSuccess(
            list -> {
              JsonArray out = new JsonArray();
              list.forEach(t -> out.add(json(t)));
              Responses.json(ctx, 200, new JsonObject().put("timers", out));
            })
        .onFailure(ctx::fail);
  }

  private static JsonObject json(Timer t) {
    return new JsonObject()
        .put("id", t.id().toString())
        .put("fire_at", t.dueAt().toInstant().toString())
        .put("note", t.note())
        .put("created_at", t.createdAt().toInstant().toString())
        .put("wake_id", t.createdByWake() == null ? null : t.createdByWake().toString());
  }
}
