package org.openpincery.gateway;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.openpincery.store.IdempotencyRepository;
import org.openpincery.store.TimerRepository.Timer;

/**
 * An agent's pending one-off timers: those it set for itself ({@code set_timer}) and those an
 * operator set on it; each fires once as a {@code timer_fired} event with its note.
 */
final class TimerHandlers {

  /** The furthest a timer may be set ahead: a year, as {@code set_timer} allows. */
  static final long MAX_SECONDS_AHEAD = 365L * 86_400;

  private final EventHandlers owners;

  TimerHandlers(EventHandlers owners) {
    this.owners = owners;
  }

  /**
   * POST /api/agents/:id/timers {in_seconds | at, note?}: 201 with the timer. {@code in_seconds} is
   * a whole number from 1 to a year; {@code at} an ISO-8601 instant in the next year. {@code 409
   * agent_deleted} on a deleted agent. Takes an {@code Idempotency-Key}.
   */
  void add(RoutingContext ctx) {
    UUID agent = AgentHandlers.agentId(ctx);
    JsonObject body = Bodies.object(ctx, Set.of("in_seconds", "at", "note"), true);
    boolean relative = body.containsKey("in_seconds");
    if (relative == body.containsKey("at")) {
      throw ApiError.badRequest("give exactly one of 'in_seconds' and 'at'");
    }
    Instant now = Instant.now();
    Instant due;
    if (relative) {
      if (!(body.getValue("in_seconds") instanceof Integer n) || n < 1 || n > MAX_SECONDS_AHEAD) {
        throw ApiError.badRequest(
            "'in_seconds' must be a whole number from 1 to " + MAX_SECONDS_AHEAD);
      }
      due = now.plusSeconds(n);
    } else {
      String at = Bodies.requiredString(body, "at", 64, false);
      try {
        due = OffsetDateTime.parse(at).toInstant();
      } catch (DateTimeParseException e) {
        throw ApiError.badRequest("'at' must be an ISO-8601 date-time with an offset");
      }
      if (!due.isAfter(now) || due.isAfter(now.plusSeconds(MAX_SECONDS_AHEAD))) {
        throw ApiError.badRequest("'at' must be in the future and within a year");
      }
    }
    String note = Bodies.string(body, "note", 1000, true).orElse("");
    OffsetDateTime dueAt = due.atOffset(ZoneOffset.UTC);
    var principal = Authenticator.principal(ctx);
    IdempotencyKeys.answer(
        ctx,
        AgentHandlers.orMissing(
            ctx,
            agent,
            Scopes.of(ctx)
                .idempotency()
                .createOnce(
                    IdempotencyKeys.scope(ctx, "POST /api/agents/" + agent + "/timers"),
                    IdempotencyKeys.of(ctx),
                    IdempotencyKeys.fingerprint(
                        relative ? body.getInteger("in_seconds") : null,
                        relative ? null : dueAt.toString(),
                        note),
                    client ->
                        Scopes.of(ctx)
                            .timers()
                            .add(client, principal.workspaceId(), agent, dueAt, note)
                            .compose(
                                added ->
                                    added.isEmpty()
                                        ? Future.failedFuture(new AgentHandlers.NoLiveAgent())
                                        : Future.succeededFuture(
                                            new IdempotencyRepository.Response(
                                                201, json(added.get()), Optional.of(agent)))))));
  }

  /** DELETE /api/agents/:id/timers/:timer_id: 204; 404 when no such timer is pending. */
  void cancel(RoutingContext ctx) {
    UUID agent = AgentHandlers.agentId(ctx);
    UUID timer;
    try {
      timer = UUID.fromString(ctx.pathParam("timer_id"));
    } catch (IllegalArgumentException e) {
      throw ApiError.notFound("no such pending timer");
    }
    owners
        .ownedBy(ctx, agent)
        .compose(v -> Scopes.of(ctx).timers().cancel(agent, timer))
        .onSuccess(
            cancelled -> {
              if (cancelled) {
                Responses.noContent(ctx);
              } else {
                ctx.fail(ApiError.notFound("no such pending timer"));
              }
            })
        .onFailure(ctx::fail);
  }

  /**
   * GET /api/agents/:id/timers: {@code {timers: [{id, fire_at, note, created_at, wake_id}]}}, only
   * those neither fired nor cancelled, soonest first ({@code fire_at} ascending). {@code wake_id}
   * is the wake that set the timer (null for an operator's). 404 for an agent not of the caller's
   * workspace; a deleted agent's timers were cancelled with it, so its list is empty.
   */
  void list(RoutingContext ctx) {
    UUID id = AgentHandlers.agentId(ctx);
    owners
        .ownedBy(ctx, id)
        .compose(v -> Scopes.of(ctx).timers().pending(id))
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
