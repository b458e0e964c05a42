package org.openpincery.gateway;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.openpincery.model.ScheduleSpec;
import org.openpincery.store.IdempotencyRepository;

/**
 * Operators' recurring schedules on an agent: {@code every_seconds} or a five-field cron expression
 * (UTC). Each firing is a {@code timer_fired} event with the schedule's note.
 */
final class ScheduleHandlers {

  ScheduleHandlers() {}

  /**
   * POST /api/agents/:id/schedules {every_seconds | cron, note?}: 201; {@code 409 agent_deleted} on
   * a deleted agent. Under an {@code Idempotency-Key} already used for the same schedule on this
   * agent, the first response again (never a second schedule).
   */
  void create(RoutingContext ctx) {
    UUID agent = AgentHandlers.agentId(ctx);
    JsonObject body = Bodies.object(ctx, Set.of("every_seconds", "cron", "note"), true);
    boolean every = body.containsKey("every_seconds");
    boolean cron = body.containsKey("cron");
    if (every == cron) {
      throw ApiError.badRequest("give exactly one of 'every_seconds' and 'cron'");
    }
    ScheduleSpec spec;
    Integer seconds = null;
    String expression = null;
    try {
      if (every) {
        if (!(body.getValue("every_seconds") instanceof Integer n)) {
          throw new IllegalArgumentException("'every_seconds' must be a whole number");
        }
        seconds = n;
        spec = ScheduleSpec.every(n);
      } else {
        expression = Bodies.requiredString(body, "cron", 200, false);
        spec = ScheduleSpec.cron(expression);
      }
    } catch (IllegalArgumentException e) {
      throw ApiError.badRequest(e.getMessage());
    }
    String note = Bodies.string(body, "note", 1000, true).orElse("");
    Instant first = spec.nextAfter(Instant.now()).orElseThrow();
    var principal = Authenticator.principal(ctx);
    Integer everySeconds = seconds;
    String cronExpression = expression;
    IdempotencyKeys.answer(
        ctx,
        AgentHandlers.orMissing(
            ctx,
            agent,
            Scopes.of(ctx)
                .idempotency()
                .createOnce(
                    IdempotencyKeys.scope(ctx, "POST /api/agents/" + agent + "/schedules"),
                    IdempotencyKeys.of(ctx),
                    IdempotencyKeys.fingerprint(everySeconds, cronExpression, note),
                    client ->
                        Scopes.of(ctx)
                            .schedules()
                            .create(
                                client,
                                principal.workspaceId(),
                                agent,
                                everySeconds,
                                cronExpression,
                                note,
                                first,
                                principal.userId())
                            .compose(
                                created ->
                                    created.isEmpty()
                                        ? Future.failedFuture(new AgentHandlers.NoLiveAgent())
                                        : Future.succeededFuture(
                                            new IdempotencyRepository.Response(
                                                201,
                                                created.get().toJson(),
                                                Optional.of(agent)))))));
  }

  /** GET /api/agents/:id/schedules. */
  void list(RoutingContext ctx) {
    UUID agent = AgentHandlers.agentId(ctx);
    Scopes.of(ctx)
        .schedules()
        .list(Authenticator.principal(ctx).workspaceId(), agent)
        .onSuccess(
            list -> {
              JsonArray array = new JsonArray();
              list.forEach(s -> array.add(s.toJson()));
              Responses.json(ctx, 200, new JsonObject().put("schedules", array));
            })
        .onFailure(ctx::fail);
  }

  /**
   * DELETE /api/agents/:id/schedules/:schedule_id: 204; it never fires again. A deleted agent's
   * schedules ended with it: {@code 409 agent_deleted}.
   */
  void delete(RoutingContext ctx) {
    UUID agent = AgentHandlers.agentId(ctx);
    UUID schedule = scheduleId(ctx);
    Scopes.of(ctx)
        .schedules()
        .delete(Authenticator.principal(ctx).workspaceId(), agent, schedule)
        .onSuccess(
            deleted -> {
              if (deleted) {
                Responses.noContent(ctx);
                return;
              }
              Scopes.of(ctx)
                  .agents()
                  .get(Authenticator.principal(ctx).workspaceId(), agent)
                  .onSuccess(
                      a ->
                          ctx.fail(
                              a.isPresent() && a.get().deleted()
                                  ? AgentHandlers.agentDeleted()
                                  : ApiError.notFound("no such schedule")))
                  .onFailure(ctx::fail);
            })
        .onFailure(ctx::fail);
  }

  private static UUID scheduleId(RoutingContext ctx) {
    try {
      return UUID.fromString(Optional.ofNullable(ctx.pathParam("schedule_id")).orElse(""));
    } catch (IllegalArgumentException e) {
      throw new ApiError(400, "invalid_id", "the schedule id must be a UUID");
    }
  }
}
