package org.openpincery.gateway;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import org.openpincery.http.StandardWebhooks;
import org.openpincery.model.NotificationKind;
import org.openpincery.store.NotificationRepository;
import org.openpincery.store.NotificationRepository.Change;
import org.openpincery.store.NotificationRepository.Delivery;
import org.openpincery.store.NotificationRepository.Subscription;

/**
 * Outbound notifications (docs/api.md, "Notifications"): a workspace's subscriptions of a URL to
 * notification kinds, their signing secrets (shown once, on create and on rotation), and their
 * deliveries with every attempt. The maintenance worker delivers (docs/operations.md).
 */
final class NotificationHandlers {

  static final int MAX_DESCRIPTION = 500;
  static final int DEFAULT_LIMIT = 50;
  static final int MAX_LIMIT = 200;
  private static final Set<String> STATUSES = Set.of("pending", "delivered", "failed");

  private final boolean allowHttp;

  NotificationHandlers(boolean allowHttp) {
    this.allowHttp = allowHttp;
  }

  /**
   * POST /api/notifications/subscriptions {url, kinds, description?, enabled?}: 201 with the
   * subscription and its {@code secret} (shown this once).
   */
  void create(RoutingContext ctx) {
    JsonObject body = Bodies.object(ctx, Set.of("url", "kinds", "description", "enabled"), true);
    String url = url(Bodies.requiredString(body, "url", 2048, false));
    if (!body.containsKey("kinds")) {
      throw ApiError.badRequest("'kinds' is required");
    }
    List<String> kinds = kinds(body);
    String description = Bodies.string(body, "description", MAX_DESCRIPTION, false).orElse(null);
    boolean enabled = Bodies.bool(body, "enabled").orElse(true);
    var principal = Authenticator.principal(ctx);
    UUID workspace = principal.workspaceId();
    String secret = StandardWebhooks.newSecret();
    Scopes.of(ctx)
        .notifications()
        .create(workspace, url, kinds, description, principal.userId(), secret, enabled)
        .onSuccess(
            s -> {
              AuditTrail.target(ctx, "notification_subscription", s.id().toString());
              AuditTrail.detail(ctx, new JsonObject().put("kinds", new JsonArray(s.kinds())));
              Responses.json(ctx, 201, json(s).put("secret", secret));
            })
        .onFailure(ctx::fail);
  }

  /** GET /api/notifications/subscriptions: the workspace's subscriptions (no secrets). */
  void list(RoutingContext ctx) {
    Scopes.of(ctx)
        .notifications()
        .list(Authenticator.principal(ctx).workspaceId())
        .onSuccess(
            list -> {
              JsonArray array = new JsonArray();
              list.forEach(s -> array.add(json(s)));
              Responses.json(ctx, 200, new JsonObject().put("subscriptions", array));
            })
        .onFailure(ctx::fail);
  }

  /** GET /api/notifications/subscriptions/:subscription_id. */
  void show(RoutingContext ctx) {
    UUID id = Bodies.pathId(ctx, "subscription_id", "subscription");
    answer(
        ctx,
        Scopes.of(ctx).notifications().get(Authenticator.principal(ctx).workspaceId(), id),
        200,
        NotificationHandlers::json,
        "no such subscription");
  }

  /**
   * PATCH /api/notifications/subscriptions/:subscription_id {url?, kinds?, enabled?, description?}:
   * 200 with the subscription. Disabling stops new notifications and pauses delivery of queued ones
   * until it is enabled again.
   */
  void update(RoutingContext ctx) {
    UUID id = Bodies.pathId(ctx, "subscription_id", "subscription");
    JsonObject body = Bodies.object(ctx, Set.of("url", "kinds", "description", "enabled"), true);
    Optional<String> url = Bodies.string(body, "url", 2048, false).map(this::url);
    if (body.containsKey("url") && body.getValue("url") == null) {
      throw ApiError.badRequest("'url' cannot be null");
    }
    Optional<List<String>> kinds =
        body.containsKey("kinds") ? Optional.of(kinds(body)) : Optional.empty();
    Optional<Optional<String>> description =
        body.containsKey("description")
            ? Optional.of(Bodies.string(body, "description", MAX_DESCRIPTION, false))
            : Optional.empty();
    Optional<Boolean> enabled = Bodies.bool(body, "enabled");
    if (body.isEmpty()) {
      throw ApiError.badRequest("nothing to change: send url, kinds, enabled or description");
    }
    AuditTrail.target(ctx, "notification_subscription", id.toString());
    AuditTrail.detail(
        ctx, new JsonObject().put("changed", new JsonArray(new ArrayList<>(body.fieldNames()))));
    answer(
        ctx,
        Scopes.of(ctx)
            .notifications()
            .update(
                Authenticator.principal(ctx).workspaceId(),
                id,
                new Change(url, kinds, enabled, description)),
        200,
        NotificationHandlers::json,
        "no such subscription");
  }

  /**
   * DELETE /api/notifications/subscriptions/:subscription_id: 204; its queued and past deliveries
   * go with it.
   */
  void delete(RoutingContext ctx) {
    UUID id = Bodies.pathId(ctx, "subscription_id", "subscription");
    AuditTrail.target(ctx, "notification_subscription", id.toString());
    Scopes.of(ctx)
        .notifications()
        .delete(Authenticator.principal(ctx).workspaceId(), id)
        .onSuccess(
            deleted -> {
              if (deleted) {
                Responses.noContent(ctx);
              } else {
                ctx.fail(ApiError.notFound("no such subscription"));
              }
            })
        .onFailure(ctx::fail);
  }

  /**
   * POST /api/notifications/subscriptions/:subscription_id/rotate-secret: 200 {id, secret}; the old
   * secret stops signing at once (retries of queued notifications included).
   */
  void rotateSecret(RoutingContext ctx) {
    UUID id = Bodies.pathId(ctx, "subscription_id", "subscription");
    AuditTrail.target(ctx, "notification_subscription", id.toString());
    String secret = StandardWebhooks.newSecret();
    Scopes.of(ctx)
        .notifications()
        .rotateSecret(Authenticator.principal(ctx).workspaceId(), id, secret)
        .onSuccess(
            rotated -> {
              if (rotated) {
                Responses.json(
                    ctx, 200, new JsonObject().put("id", id.toString()).put("secret", secret));
              } else {
                ctx.fail(ApiError.notFound("no such subscription"));
              }
            })
        .onFailure(ctx::fail);
  }

  /**
   * POST /api/notifications/subscriptions/:subscription_id/test: 202 {delivery_id}; a {@code
   * notification.test} is queued for this subscription only (delivered once it is enabled).
   */
  void test(RoutingContext ctx) {
    UUID id = Bodies.pathId(ctx, "subscription_id", "subscription");
    AuditTrail.target(ctx, "notification_subscription", id.toString());
    var principal = Authenticator.principal(ctx);
    answer(
        ctx,
        Scopes.of(ctx).notifications().enqueueTest(principal.workspaceId(), id, principal.userId()),
        202,
        delivery -> new JsonObject().put("delivery_id", delivery.toString()),
        "no such subscription");
  }

  /**
   * GET /api/notifications/deliveries?subscription_id&status&limit&before: newest first, each with
   * its attempts; {@code next_before} is set when the page is full.
   */
  void deliveries(RoutingContext ctx) {
    UUID subscription =
        Optional.ofNullable(ctx.request().getParam("subscription_id"))
            .map(
                raw ->
                    Bodies.uuid(raw)
                        .orElseThrow(() -> ApiError.badRequest("'subscription_id' must be a UUID")))
            .orElse(null);
    String status = ctx.request().getParam("status");
    if (status != null && !STATUSES.contains(status)) {
      throw ApiError.badRequest("'status' must be one of pending, delivered, failed");
    }
    int limit = EventHandlers.intParam(ctx, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT);
    String rawBefore = ctx.request().getParam("before");
    Long before = rawBefore == null ? null : EventHandlers.longParam("before", rawBefore);
    Scopes.of(ctx)
        .notifications()
        .deliveries(Authenticator.principal(ctx).workspaceId(), subscription, status, before, limit)
        .onSuccess(
            list -> {
              JsonArray array = new JsonArray();
              list.forEach(d -> array.add(json(d)));
              Long next = list.size() == limit ? list.get(list.size() - 1).position() : null;
              Responses.json(
                  ctx, 200, new JsonObject().put("deliveries", array).put("next_before", next));
            })
        .onFailure(ctx::fail);
  }

  /** GET /api/notifications/deliveries/:delivery_id: one delivery with its attempts. */
  void delivery(RoutingContext ctx) {
    UUID id = Bodies.pathId(ctx, "delivery_id", "delivery");
    answer(
        ctx,
        Scopes.of(ctx).notifications().delivery(Authenticator.principal(ctx).workspaceId(), id),
        200,
        NotificationHandlers::json,
        "no such delivery");
  }

  /**
   * POST /api/notifications/deliveries/:delivery_id/retry: 200 with the delivery, queued for one
   * more attempt now; 409 {@code not_failed} unless it had failed; 404 if there is none.
   */
  void retry(RoutingContext ctx) {
    UUID id = Bodies.pathId(ctx, "delivery_id", "delivery");
    AuditTrail.target(ctx, "notification_delivery", id.toString());
    UUID workspace = Authenticator.principal(ctx).workspaceId();
    NotificationRepository repo = Scopes.of(ctx).notifications();
    repo.retry(workspace, id)
        .compose(
            retried ->
                repo.delivery(workspace, id)
                    .map(
                        found -> {
                          if (found.isEmpty()) {
                            throw ApiError.notFound("no such delivery");
                          }
                          if (!retried) {
                            throw ApiError.conflict(
                                "not_failed",
                                "the delivery is "
                                    + found.get().status()
                                    + ": only a failed one can be retried");
                          }
                          return found.get();
                        }))
        .onSuccess(d -> Responses.json(ctx, 200, json(d)))
        .onFailure(ctx::fail);
  }

  /**
   * Answers {@code status} with the JSON of what {@code lookup} found, or 404 {@code not_found}
   * with {@code missing} when it found nothing; a failed lookup goes to the error handler.
   */
  private static <T> void answer(
      RoutingContext ctx,
      Future<Optional<T>> lookup,
      int status,
      Function<T, JsonObject> body,
      String missing) {
    lookup
        .onSuccess(
            found ->
                found.ifPresentOrElse(
                    value -> Responses.json(ctx, status, body.apply(value)),
                    () -> ctx.fail(ApiError.notFound(missing))))
        .onFailure(ctx::fail);
  }

  private String url(String raw) {
    Optional<String> problem = StandardWebhooks.urlProblem(raw, allowHttp);
    if (problem.isPresent()) {
      throw new ApiError(400, "invalid_url", "'url' " + problem.get());
    }
    return raw;
  }

  private static List<String> kinds(JsonObject body) {
    if (!(body.getValue("kinds") instanceof JsonArray array) || array.isEmpty()) {
      throw ApiError.badRequest(
          "'kinds' must be a non-empty array of: "
              + String.join(", ", NotificationKind.wireNames()));
    }
    Set<String> out = new LinkedHashSet<>();
    for (Object k : array) {
      if (!(k instanceof String s) || NotificationKind.fromWire(s).isEmpty()) {
        throw ApiError.badRequest(
            "unknown notification kind "
                + (k instanceof String s ? "'" + s + "'" : String.valueOf(k))
                + " (known: "
                + String.join(", ", NotificationKind.wireNames())
                + ")");
      }
      out.add(s);
    }
    return List.copyOf(out);
  }

  static JsonObject json(Subscription s) {
    return new JsonObject()
        .put("id", s.id().toString())
        .put("url", s.url())
        .put("kinds", new JsonArray(s.kinds()))
        .put("enabled", s.enabled())
        .put("description", s.description())
        .put("created_by", s.createdBy() == null ? null : s.createdBy().toString())
        .put("created_at", s.createdAt().toString())
        .put("updated_at", s.updatedAt().toString());
  }

  static JsonObject json(Delivery d) {
    return new JsonObject()
        .put("id", d.id().toString())
        .put("position", d.position())
        .put("subscription_id", d.subscriptionId().toString())
        .put("kind", d.kind())
        .put("payload", d.payload())
        .put("created_at", d.createdAt().toString())
        .put("status", d.status())
        .put("attempt_count", d.attemptCount())
        .put("next_attempt_at", d.status().equals("pending") ? d.nextAttemptAt().toString() : null)
        .put("delivered_at", d.deliveredAt() == null ? null : d.deliveredAt().toString())
        .put("last_error", d.lastError())
        .put("attempts", d.attempts());
  }
}
