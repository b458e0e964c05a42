package org.openpincery.store;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Outbound notification subscriptions and their deliveries, as the operator API sees them (V19).
 * The deliverer's statements are in {@link NotificationDeliveryRepository}. A subscription's
 * signing secret leaves this class only from {@link #create} and {@link #rotateSecret}, where the
 * caller chose it.
 */
public final class NotificationRepository {

  private static final String SUBSCRIPTION_COLUMNS =
      "id, workspace_id, url, kinds, enabled, description, created_by, created_at, updated_at";

  private static final String CREATE =
      "INSERT INTO notification_subscriptions (workspace_id, url, kinds, description, created_by,"
          + " secret, enabled) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING "
          + SUBSCRIPTION_COLUMNS;

  private static final String LIST =
      "SELECT "
          + SUBSCRIPTION_COLUMNS
          + " FROM notification_subscriptions WHERE workspace_id = $1 ORDER BY created_at, id";

  private static final String GET =
      "SELECT "
          + SUBSCRIPTION_COLUMNS
          + " FROM notification_subscriptions WHERE workspace_id = $1 AND id = $2";

  // Each field only when given ($n IS NULL keeps it); $7 says whether description is given (it
  // may be set to null).
  private static final String UPDATE =
      "UPDATE notification_subscriptions SET url = coalesce($3, url), kinds = coalesce($4, kinds),"
          + " enabled = coalesce($5, enabled),"
          + " description = CASE WHEN $7 THEN $6 ELSE description END, updated_at = now()"
          + " WHERE workspace_id = $1 AND id = $2 RETURNING "
          + SUBSCRIPTION_COLUMNS;

  // Its outbox rows and their attempts go with it (ON DELETE CASCADE).
  private static final String DELETE =
      "DELETE FROM notification_subscriptions WHERE workspace_id = $1 AND id = $2";

  private static final String ROTATE =
      "UPDATE notification_subscriptions SET secret = $3, updated_at = now()"
          + " WHERE workspace_id = $1 AND id = $2";

  // A test notification to one subscription, enabled or not wanted kinds aside; the NOTIFY wakes
  // deliverers (a hint; they also poll).
  private static final String ENQUEUE_TEST =
      """
      WITH queued AS (
          INSERT INTO notification_outbox (workspace_id, subscription_id, kind, payload)
          SELECT s.workspace_id, s.id, 'notification.test',
                 jsonb_build_object('type', 'notification.test',
                     'timestamp', pincery_rfc3339(now()),
                     'data', jsonb_build_object('workspace_id', s.workspace_id,
                                                'subscription_id', s.id,
                                                'requested_by', $3::uuid))
            FROM notification_subscriptions s
           WHERE s.workspace_id = $1 AND s.id = $2
          RETURNING id, workspace_id
      )
      SELECT q.id, pg_notify('pincery_notifications', q.workspace_id::text) FROM queued q
      """;

  // A failed delivery back in the queue for one more attempt, now (its attempts so far stay on
  // record; the attempt count goes on from them). The NOTIFY wakes deliverers.
  private static final String RETRY =
      """
      WITH retried AS (
          UPDATE notification_outbox SET status = 'pending', next_attempt_at = now()
           WHERE workspace_id = $1 AND id = $2 AND status = 'failed'
          RETURNING workspace_id
      )
      SELECT pg_notify('pincery_notifications', r.workspace_id::text) FROM retried r
      """;

  private static final String DELIVERY_COLUMNS =
      """
      SELECT o.id, o.position, o.subscription_id, o.kind, o.payload, o.created_at, o.status,
             o.attempts, o.next_attempt_at, o.delivered_at, o.last_error,
             coalesce((SELECT jsonb_agg(jsonb_build_object(
                          'attempt', a.attempt,
                          'started_at', pincery_rfc3339(a.started_at),
                          'finished_at', pincery_rfc3339(a.finished_at),
                          'http_status', a.http_status,
                          'error', a.error,
                          'duration_ms', a.duration_ms) ORDER BY a.attempt)
                         FROM notification_attempts a WHERE a.outbox_id = o.id),
                      '[]'::jsonb) AS attempt_list
        FROM notification_outbox o
      """;

  // Newest first, by position (the cursor); uses notification_outbox_workspace_idx.
  private static final String DELIVERIES =
      DELIVERY_COLUMNS
          + """
           WHERE o.workspace_id = $1
             AND ($2::uuid IS NULL OR o.subscription_id = $2)
             AND ($3::text IS NULL OR o.status = $3)
             AND ($4::bigint IS NULL OR o.position < $4)
           ORDER BY o.position DESC
           LIMIT $5
          """;

  private static final String DELIVERY =
      DELIVERY_COLUMNS + " WHERE o.workspace_id = $1 AND o.id = $2";

  /** A subscription as listed (never its secret). */
  public record Subscription(
      UUID id,
      UUID workspaceId,
      String url,
      List<String> kinds,
      boolean enabled,
      String description,
      UUID createdBy,
      OffsetDateTime createdAt,
      OffsetDateTime updatedAt) {}

  /**
   * One notification to one subscription: an outbox row.
   *
   * @param position orders a workspace's deliveries (the list's {@code before} cursor)
   * @param status {@code pending}, {@code delivered} or {@code failed}
   * @param attempts each attempt: {@code attempt, started_at, finished_at, http_status, error,
   *     duration_ms} (JSON objects, oldest first)
   */
  public record Delivery(
      UUID id,
      long position,
      UUID subscriptionId,
      String kind,
      JsonObject payload,
      OffsetDateTime createdAt,
      String status,
      int attemptCount,
      OffsetDateTime nextAttemptAt,
      OffsetDateTime deliveredAt,
      String lastError,
      JsonArray attempts) {}

  /** What to change; an empty field is kept. */
  public record Change(
      Optional<String> url,
      Optional<List<String>> kinds,
      Optional<Boolean> enabled,
      Optional<Optional<String>> description) {}

  private final Pool pool;

  NotificationRepository(Pool pool) {
    this.pool = pool;
  }

  /**
   * An enabled subscription, as {@link #create(UUID, String, List, String, UUID, String, boolean)}.
   */
  public Future<Subscription> create(
      UUID workspaceId,
      String url,
      List<String> kinds,
      String description,
      UUID createdBy,
      String secret) {
    return create(workspaceId, url, kinds, description, createdBy, secret, true);
  }

  /**
   * A new subscription of {@code url} to {@code kinds} (wire names), signed with {@code secret}
   * ({@code whsec_}), in one statement: a disabled one is never sent anything meanwhile.
   *
   * @param description free text, or null
   * @param createdBy the user, or null
   */
  public Future<Subscription> create(
      UUID workspaceId,
      String url,
      List<String> kinds,
      String description,
      UUID createdBy,
      String secret,
      boolean enabled) {
    Tuple params =
        Tuple.of(workspaceId, url, kinds.toArray(String[]::new), description, createdBy, secret)
            .addBoolean(enabled);
    return pool.preparedQuery(CREATE)
        .execute(params)
        .map(rows -> subscription(rows.iterator().next()));
  }

  public Future<List<Subscription>> list(UUID workspaceId) {
    return pool.preparedQuery(LIST)
        .execute(Tuple.of(workspaceId))
        .map(rows -> Rows.all(rows, NotificationRepository::subscription));
  }

  public Future<Optional<Subscription>> get(UUID workspaceId, UUID id) {
    return pool.preparedQuery(GET)
        .execute(Tuple.of(workspaceId, id))
        .map(rows -> Rows.first(rows, NotificationRepository::subscription));
  }

  /** Empty when there is no such subscription in the workspace. */
  public Future<Optional<Subscription>> update(UUID workspaceId, UUID id, Change change) {
    Tuple params =
        Tuple.of(
            workspaceId,
            id,
            change.url().orElse(null),
            change.kinds().map(k -> k.toArray(String[]::new)).orElse(null),
            change.enabled().orElse(null),
            change.description().flatMap(d -> d).orElse(null),
            change.description().isPresent());
    return pool.preparedQuery(UPDATE)
        .execute(params)
        .map(rows -> Rows.first(rows, NotificationRepository::subscription));
  }

  /** False when there is no such subscription in the workspace. */
  public Future<Boolean> delete(UUID workspaceId, UUID id) {
    return pool.preparedQuery(DELETE)
        .execute(Tuple.of(workspaceId, id))
        .map(rows -> rows.rowCount() == 1);
  }

  /**
   * Replaces the signing secret; deliveries from now on (retries of queued ones included) are
   * signed with it. False when there is no such subscription in the workspace.
   */
  public Future<Boolean> rotateSecret(UUID workspaceId, UUID id, String secret) {
    return pool.preparedQuery(ROTATE)
        .execute(Tuple.of(workspaceId, id, secret))
        .map(rows -> rows.rowCount() == 1);
  }

  /** Queues a {@code notification.test} to the subscription: its delivery id, or empty. */
  public Future<Optional<UUID>> enqueueTest(UUID workspaceId, UUID id, UUID requestedBy) {
    return pool.preparedQuery(ENQUEUE_TEST)
        .execute(Tuple.of(workspaceId, id, requestedBy))
        .map(rows -> Rows.first(rows, r -> r.getUUID("id")));
  }

  /**
   * Queues a failed delivery for one more attempt. False when there is no failed delivery of that
   * id in the workspace (none at all, or one pending or delivered).
   */
  public Future<Boolean> retry(UUID workspaceId, UUID id) {
    return pool.preparedQuery(RETRY)
        .execute(Tuple.of(workspaceId, id))
        .map(rows -> rows.size() == 1);
  }

  /**
   * A workspace's deliveries, newest first.
   *
   * @param subscriptionId only this subscription's, or null
   * @param status only this status, or null
   * @param before only positions below this cursor, or null
   */
  public Future<List<Delivery>> deliveries(
      UUID workspaceId, UUID subscriptionId, String status, Long before, int limit) {
    return pool.preparedQuery(DELIVERIES)
        .execute(Tuple.of(workspaceId, subscriptionId, status, before, limit))
        .map(rows -> Rows.all(rows, NotificationRepository::delivery));
  }

  public Future<Optional<Delivery>> delivery(UUID workspaceId, UUID id) {
    return pool.preparedQuery(DELIVERY)
        .execute(Tuple.of(workspaceId, id))
        .map(rows -> Rows.first(rows, NotificationRepository::delivery));
  }

  private static Subscription subscription(Row r) {
    return new Subscription(
        r.getUUID("id"),
        r.getUUID("workspace_id"),
        r.getString("url"),
        List.of(r.getArrayOfStrings("kinds")),
        r.getBoolean("enabled"),
        r.getString("description"),
        r.getUUID("created_by"),
        r.getOffsetDateTime("created_at"),
        r.getOffsetDateTime("updated_at"));
  }

  private static Delivery delivery(Row r) {
    return new Delivery(
        r.getUUID("id"),
        r.getLong("position"),
        r.getUUID("subscription_id"),
        r.getString("kind"),
        (JsonObject) r.getValue("payload"),
        r.getOffsetDateTime("created_at"),
        r.getString("status"),
        r.getInteger("attempts"),
        r.getOffsetDateTime("next_attempt_at"),
        r.getOffsetDateTime("delivered_at"),
        r.getString("last_error"),
        (JsonArray) r.getValue("attempt_list"));
  }
}
