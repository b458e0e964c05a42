package org.openpincery.gateway;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.UUID;
import org.openpincery.model.StoredEvent;
import org.openpincery.store.ChainCheckRepository;
import org.openpincery.store.ChainVerification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Reading an agent's event log and verifying its hash chain. */
final class EventHandlers {

  static final int DEFAULT_LIMIT = 100;
  static final int MAX_LIMIT = 1000;

  private static final Logger LOG = LoggerFactory.getLogger(EventHandlers.class);

  private final ChainCheckRepository chains;

  /**
   * @param chains where a break the verification finds is recorded (and notified, once)
   */
  EventHandlers(ChainCheckRepository chains) {
    this.chains = chains;
  }

  /**
   * GET /api/agents/:id/events?limit&after_seq|since. With {@code after_seq}, the events after that
   * seq, oldest first; with {@code since} (RFC 3339), those created after that time; with neither,
   * the newest page. {@code next_after_seq} continues an ascending read.
   */
  void list(RoutingContext ctx) {
    UUID id = AgentHandlers.agentId(ctx);
    int limit = intParam(ctx, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT);
    String afterSeq = ctx.request().getParam("after_seq");
    String since = ctx.request().getParam("since");
    if (afterSeq != null && since != null) {
      throw ApiError.badRequest("give at most one of 'after_seq' and 'since'");
    }
    Future<List<StoredEvent>> page;
    if (afterSeq != null) {
      long after = longParam("after_seq", afterSeq);
      page = ownedBy(ctx, id).compose(v -> Scopes.of(ctx).events().pageAfter(id, after, limit));
    } else if (since != null) {
      OffsetDateTime time = timeParam(since);
      page = ownedBy(ctx, id).compose(v -> Scopes.of(ctx).events().pageSince(id, time, limit));
    } else {
      page = ownedBy(ctx, id).compose(v -> Scopes.of(ctx).events().pageNewest(id, limit));
    }
    page.onSuccess(
            list ->
                Responses.json(
                    ctx,
                    200,
                    new JsonObject()
                        .put("events", Responses.events(list))
                        .put(
                            "next_after_seq",
                            list.isEmpty() ? null : list.get(list.size() - 1).seq())))
        .onFailure(ctx::fail);
  }

  /** GET /api/agents/:id/events/verify: re-computes the hash chain. */
  void verify(RoutingContext ctx) {
    UUID id = AgentHandlers.agentId(ctx);
    ownedBy(ctx, id)
        .compose(v -> Scopes.of(ctx).events().verifyChain(id))
        .compose(
            result ->
                recordBreak(
                        chains,
                        ChainCheckRepository.ChainType.AGENT,
                        id,
                        Authenticator.principal(ctx).workspaceId(),
                        result)
                    .map(result))
        .onSuccess(
            result -> {
              JsonObject json =
                  switch (result) {
                    case ChainVerification.Valid v ->
                        new JsonObject()
                            .put("valid", true)
                            .put("events_checked", v.eventsChecked());
                    case ChainVerification.Broken b ->
                        new JsonObject()
                            .put("valid", false)
                            .put("events_checked", b.eventsChecked())
                            .put("first_bad_seq", b.firstBadSeq())
                            .put("problem", b.problem());
                  };
              Responses.json(ctx, 200, json);
            })
        .onFailure(ctx::fail);
  }

  /**
   * A verification that found a break records it, so the periodic chain check does not check that
   * chain again and {@code chain.broken} is notified once (docs/operations.md, "Notifications").
   * Never fails: the answer to the caller does not depend on it.
   */
  static Future<Void> recordBreak(
      ChainCheckRepository chains,
      ChainCheckRepository.ChainType type,
      UUID chain,
      UUID workspace,
      ChainVerification result) {
    if (!(result instanceof ChainVerification.Broken broken)) {
      return Future.succeededFuture();
    }
    return chains
        .recordBroken(type, chain, workspace, broken)
        .<Void>mapEmpty()
        .recover(
            e -> {
              LOG.warn("{} chain {}: the break found could not be recorded: {}", type, chain, e);
              return Future.succeededFuture();
            });
  }

  /**
   * Succeeds when the agent is an agent of the caller's workspace, deleted ones included (their
   * history stays readable), else fails with 404.
   */
  Future<Void> ownedBy(RoutingContext ctx, UUID agentId) {
    return Scopes.of(ctx)
        .agents()
        .get(Authenticator.principal(ctx).workspaceId(), agentId)
        .compose(
            a ->
                a.isPresent()
                    ? Future.succeededFuture()
                    : Future.failedFuture(AgentHandlers.noSuchAgent()));
  }

  static int intParam(RoutingContext ctx, String name, int fallback, int min, int max) {
    String raw = ctx.request().getParam(name);
    if (raw == null) {
      return fallback;
    }
    try {
      int value = Integer.parseInt(raw);
      if (value < min || value > max) {
        throw new NumberFormatException();
      }
      return value;
    } catch (NumberFormatException e) {
      throw ApiError.badRequest("'" + name + "' must be a whole number from " + min + " to " + max);
    }
  }

  static long longParam(String name, String raw) {
    try {
      long value = Long.parseLong(raw);
      if (value < 0) {
        throw new NumberFormatException();
      }
      return value;
    } catch (NumberFormatException e) {
      throw ApiError.badRequest("'" + name + "' must be a non-negative whole number");
    }
  }

  private static OffsetDateTime timeParam(String raw) {
    try {
      return OffsetDateTime.parse(raw);
    } catch (DateTimeParseException e) {
      throw ApiError.badRequest("'since' must be an RFC 3339 time such as 2026-01-31T12:00:00Z");
    }
  }
}
