package org.openpincery.store;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The deliverer's side of the notification outbox (V19; docs/operations.md, "Notifications").
 *
 * <p>A deliverer claims subscriptions, not notifications: a claim is a lease on the subscription
 * row, so at most one attempt per subscription is in flight across every deliverer, and its
 * notifications go out one at a time, oldest first. Starting an attempt is fenced by the lease;
 * recording its outcome, by its attempt number (an outcome that arrives after a later attempt
 * started changes only its own attempt's record). A deliverer that dies mid-attempt loses nothing:
 * its lease runs out, another deliverer claims the subscription and retries the same outbox row
 * (same {@code webhook-id}), closing the dead attempt's record as unanswered.
 */
public final class NotificationDeliveryRepository {

  // Subscriptions whose oldest pending notification is due and that no live lease holds. SKIP
  // LOCKED: deliverers claiming at once take different subscriptions instead of queueing on the
  // same rows. The head subquery uses notification_outbox_pending_idx.
  private static final String CLAIM =
      """
      WITH due AS (
          SELECT s.id
            FROM notification_subscriptions s
           WHERE s.id IN (SELECT o.subscription_id FROM notification_outbox o
                           WHERE o.status = 'pending' AND o.next_attempt_at <= now())
             AND s.enabled
             AND (s.lease_expires_at IS NULL OR s.lease_expires_at <= now())
             AND (SELECT h.next_attempt_at FROM notification_outbox h
                   WHERE h.subscription_id = s.id AND h.status = 'pending'
                   ORDER BY h.position LIMIT 1) <= now()
           LIMIT $3
           FOR UPDATE OF s SKIP LOCKED
      )
      UPDATE notification_subscriptions s
         SET lease_owner = $1, lease_expires_at = now() + $2 * interval '1 millisecond'
        FROM due
       WHERE s.id = due.id
      RETURNING s.id, s.workspace_id, s.url
      """;

  // Under the lease (extended here): the subscription's oldest pending notification, if it is due,
  // with its attempt recorded as started. An earlier attempt left open (its deliverer died) is
  // closed as unanswered. The secret is read here, at each attempt, so a rotation applies at once.
  private static final String TAKE_NEXT =
      """
      WITH fence AS (
          UPDATE notification_subscriptions s
             SET lease_expires_at = now() + $3 * interval '1 millisecond'
           WHERE s.id = $1 AND s.lease_owner = $2 AND s.lease_expires_at > now() AND s.enabled
          RETURNING s.id, s.url, s.secret
      ), head AS (
          SELECT o.id FROM notification_outbox o, fence
           WHERE o.subscription_id = fence.id AND o.status = 'pending'
           ORDER BY o.position
           LIMIT 1
      ), bumped AS (
          UPDATE notification_outbox o SET attempts = o.attempts + 1
            FROM head
           WHERE o.id = head.id AND o.next_attempt_at <= now()
          RETURNING o.id, o.workspace_id, o.kind, o.payload, o.attempts
      ), closed AS (
          UPDATE notification_attempts a
             SET finished_at = clock_timestamp(),
                 error = 'no answer recorded: the deliverer stopped or lost its lease'
            FROM bumped
           WHERE a.outbox_id = bumped.id AND a.finished_at IS NULL
      ), started AS (
          INSERT INTO notification_attempts (outbox_id, workspace_id, attempt, started_at)
          SELECT b.id, b.workspace_id, b.attempts, clock_timestamp() FROM bumped b
          RETURNING id, outbox_id
      )
      SELECT b.id, b.kind, b.payload::text AS body, b.attempts, st.id AS attempt_id, f.url,
             f.secret
        FROM bumped b JOIN started st ON st.outbox_id = b.id CROSS JOIN fence f
      """;

  // The attempt's outcome. The outbox row changes only if no later attempt started meanwhile
  // ($7 = this attempt's number): delivered on a 2xx; else retried after $6 ms, or failed (dead)
  // when $6 is null.
  private static final String FINISH =
      """
      WITH attempt AS (
          UPDATE notification_attempts
             SET finished_at = clock_timestamp(), http_status = $3, error = $4, duration_ms = $5
           WHERE id = $2
      )
      UPDATE notification_outbox o
         SET status = CASE WHEN $8 THEN 'delivered' WHEN $6::bigint IS NULL THEN 'failed'
                           ELSE 'pending' END,
             delivered_at = CASE WHEN $8 THEN now() END,
             next_attempt_at = CASE WHEN $6::bigint IS NULL THEN o.next_attempt_at
                                    ELSE now() + $6 * interval '1 millisecond' END,
             last_error = CASE WHEN $8 THEN NULL
                               ELSE coalesce($4, 'HTTP ' || $3::text) END
       WHERE o.id = $1 AND o.status = 'pending' AND o.attempts = $7
      RETURNING o.status
      """;

  private static final String RELEASE =
      "UPDATE notification_subscriptions SET lease_owner = NULL, lease_expires_at = NULL"
          + " WHERE id = $1 AND lease_owner = $2";

  // Settled deliveries (and their attempts, ON DELETE CASCADE) past the retention, a batch at a
  // time; pending ones are never pruned.
  private static final String PRUNE =
      """
      DELETE FROM notification_outbox
       WHERE id IN (SELECT id FROM notification_outbox
                     WHERE status <> 'pending'
                       AND created_at < now() - $1 * interval '1 millisecond'
                     LIMIT $2)
      """;

  private static final String BACKLOG =
      "SELECT count(*) AS n FROM notification_outbox WHERE status = 'pending'";

  /**
   * A claimed subscription. Its URL may itself hold a secret (a chat service's webhook URL), so
   * {@link #toString()} leaves it out.
   */
  public record Claimed(UUID subscriptionId, UUID workspaceId, String url) {
    @Override
    public String toString() {
      return "subscription " + subscriptionId;
    }
  }

  /**
   * The notification to attempt now.
   *
   * @param id the outbox row: the {@code webhook-id}
   * @param body the exact JSON text to send and sign
   * @param attempt this attempt's number, from 1
   * @param secret the subscription's {@code whsec_} signing secret
   */
  public record Attempt(
      UUID id, String kind, String body, int attempt, UUID attemptId, String url, String secret) {
    // Neither the secret nor the URL (which may hold one).
    @Override
    public String toString() {
      return "Attempt[id=" + id + ", kind=" + kind + ", attempt=" + attempt + "]";
    }
  }

  /**
   * How an attempt ended.
   *
   * @param httpStatus the receiver's status, or null when none came (refused, timeout)
   * @param error what went wrong, or null for a 2xx
   * @param retryIn when to try again; empty: never (the notification is failed)
   */
  public record Outcome(
      boolean delivered,
      Integer httpStatus,
      String error,
      long durationMs,
      Optional<Duration> retryIn) {}

  private final Pool pool;

  NotificationDeliveryRepository(Pool pool) {
    this.pool = pool;
  }

  /** Leases up to {@code limit} subscriptions with a notification due to {@code owner}. */
  public Future<List<Claimed>> claim(String owner, Duration lease, int limit) {
    return pool.preparedQuery(CLAIM)
        .execute(Tuple.of(owner, lease.toMillis(), limit))
        .map(
            rows ->
                Rows.all(
                    rows,
                    r ->
                        new Claimed(
                            r.getUUID("id"), r.getUUID("workspace_id"), r.getString("url"))));
  }

  /**
   * Starts the next attempt of a subscription {@code owner} holds, extending the lease. Empty when
   * nothing is due (the oldest pending notification waits for its retry time) or the lease is lost.
   */
  public Future<Optional<Attempt>> takeNext(UUID subscriptionId, String owner, Duration lease) {
    return pool.preparedQuery(TAKE_NEXT)
        .execute(Tuple.of(subscriptionId, owner, lease.toMillis()))
        .map(
            rows ->
                Rows.first(
                    rows,
                    r ->
                        new Attempt(
                            r.getUUID("id"),
                            r.getString("kind"),
                            r.getString("body"),
                            r.getInteger("attempts"),
                            r.getUUID("attempt_id"),
                            r.getString("url"),
                            r.getString("secret"))));
  }

  /**
   * Records an attempt's outcome: the notification's new status ({@code delivered}, {@code
   * pending}, {@code failed}), or empty when a later attempt had started meanwhile.
   */
  public Future<Optional<String>> finish(Attempt attempt, Outcome outcome) {
    Tuple params =
        Tuple.of(
                attempt.id(),
                attempt.attemptId(),
                outcome.httpStatus(),
                outcome.error(),
                outcome.durationMs(),
                outcome.retryIn().map(Duration::toMillis).orElse(null))
            .addInteger(attempt.attempt())
            .addBoolean(outcome.delivered());
    return pool.preparedQuery(FINISH)
        .execute(params)
        .map(rows -> Rows.first(rows, r -> r.getString("status")));
  }

  /** Gives the subscription back (no-op if the lease is no longer {@code owner}'s). */
  public Future<Void> release(UUID subscriptionId, String owner) {
    return pool.preparedQuery(RELEASE).execute(Tuple.of(subscriptionId, owner)).mapEmpty();
  }

  /**
   * Deletes up to {@code limit} delivered or failed notifications created more than {@code
   * retention} ago, with their attempts; returns how many.
   */
  public Future<Integer> prune(Duration retention, int limit) {
    return pool.preparedQuery(PRUNE)
        .execute(Tuple.of(retention.toMillis(), limit))
        .map(rows -> rows.rowCount());
  }

  /** Notifications not yet delivered nor failed, in every workspace. */
  public Future<Long> backlog() {
    return pool.query(BACKLOG).execute().map(rows -> rows.iterator().next().getLong("n"));
  }
}
