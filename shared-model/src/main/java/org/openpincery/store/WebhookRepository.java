package org.openpincery.store;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.openpincery.model.EventType;
import org.openpincery.model.NewEvent;
import org.openpincery.model.StorableText;
import org.openpincery.notify.Notifier;

/** Signed inbound webhooks: the keys that verify them, and receiving one exactly once. */
public final class WebhookRepository {

  // Deleted agents have no keys: a delivery to one is refused like one to no agent at all.
  private static final String SECRETS =
      """
      SELECT webhook_secret, webhook_secret_previous,
             (webhook_secret_previous_expires_at > now()) AS previous_valid
        FROM agents
       WHERE id = $1 AND deleted_at IS NULL
      """;

  // pincery_receive_webhook (V5): dedup key and event in one transaction.
  private static final String RECEIVE =
      """
      SELECT outcome, event_id, seq, pending FROM pincery_receive_webhook($1, $2, $3, $4, $5)
      """;

  // pincery_receive_webhooks (V5): a group commit's batch.
  private static final String RECEIVE_BATCH =
      """
      SELECT idx, outcome, event_id, seq, pending
        FROM pincery_receive_webhooks($1, $2, $3, $4, $5)
      """;

  private static final String PRUNE_DELIVERIES =
      """
      DELETE FROM webhook_deliveries WHERE received_at < now() - $1 * interval '1 second'
      """;

  private final Pool pool;
  private final Notifier notifier;
  private final GroupCommit<Delivery, Received> commits;

  WebhookRepository(Pool pool, Notifier notifier) {
    this.pool = pool;
    this.notifier = notifier;
    this.commits = new GroupCommit<>(this::receiveOne, this::receiveBatch, 2, 256);
  }

  private record Delivery(
      UUID agentId, String dedupKey, String source, String content, JsonObject payload) {}

  /** The keys that verify an agent's webhooks: its secret, and the previous one during grace. */
  public record Keys(String current, Optional<String> previous) {}

  /** The outcome of receiving a verified delivery. */
  public sealed interface Received {
    record Accepted(UUID eventId, long seq) implements Received {}

    /** The delivery's key was seen before: nothing was written. */
    record Duplicate() implements Received {}

    /** The agent was deleted meanwhile. */
    record NotFound() implements Received {}
  }

  public Future<Optional<Keys>> keys(UUID agentId) {
    return pool.preparedQuery(SECRETS)
        .execute(Tuple.of(agentId))
        .map(
            rows ->
                Rows.first(
                    rows,
                    row ->
                        new Keys(
                            row.getString("webhook_secret"),
                            Boolean.TRUE.equals(row.getBoolean("previous_valid"))
                                ? Optional.ofNullable(row.getString("webhook_secret_previous"))
                                : Optional.empty())));
  }

  /**
   * Appends {@code webhook_received} unless the delivery's key was already received. Concurrent
   * deliveries are committed together (group commit); each completes after its commit. Text that
   * PostgreSQL cannot store is escaped as {@link NewEvent#storable} says; the dedup key must be
   * storable already.
   */
  public Future<Received> receive(
      UUID agentId, String dedupKey, String source, String content, JsonObject payload) {
    if (!StorableText.isStorable(dedupKey)) {
      return Future.failedFuture(new IllegalArgumentException("a dedup key must be storable"));
    }
    NewEvent event =
        NewEvent.of(EventType.WEBHOOK_RECEIVED, source, content).withPayload(payload).storable();
    JsonObject storedPayload =
        payload == null && event.payload().isEmpty() ? null : event.payload();
    return commits.submit(
        new Delivery(agentId, dedupKey, event.source(), event.content(), storedPayload));
  }

  private Future<Received> receiveOne(Delivery d) {
    return pool.preparedQuery(RECEIVE)
        .execute(Tuple.of(d.agentId(), d.dedupKey(), d.source(), d.content(), d.payload()))
        .map(rows -> received(d.agentId(), rows.iterator().next()));
  }

  private Future<List<Received>> receiveBatch(List<Delivery> batch) {
    Tuple params =
        Tuple.of(
            batch.stream().map(Delivery::agentId).toArray(UUID[]::new),
            batch.stream().map(Delivery::dedupKey).toArray(String[]::new),
            batch.stream().map(Delivery::source).toArray(String[]::new),
            batch.stream().map(Delivery::content).toArray(String[]::new),
            batch.stream()
                .map(d -> d.payload() == null ? null : d.payload().encode())
                .toArray(String[]::new));
    return pool.preparedQuery(RECEIVE_BATCH)
        .execute(params)
        .map(
            rows -> {
              Received[] out = new Received[batch.size()];
              for (Row row : rows) {
                int i = row.getInteger("idx") - 1;
                out[i] = received(batch.get(i).agentId(), row);
              }
              return java.util.Arrays.asList(out);
            });
  }

  private Received received(UUID agentId, Row row) {
    return switch (row.getString("outcome")) {
      case "accepted" -> {
        long seq = row.getLong("seq");
        notifier.appended(agentId, seq);
        if (row.getBoolean("pending")) {
          notifier.wake(agentId);
        }
        yield new Received.Accepted(row.getUUID("event_id"), seq);
      }
      case "duplicate" -> new Received.Duplicate();
      default -> new Received.NotFound();
    };
  }

  /** Forgets delivery keys older than the retention; returns how many. */
  public Future<Integer> pruneDeliveries(java.time.Duration retention) {
    return pool.preparedQuery(PRUNE_DELIVERIES)
        .execute(Tuple.of(retention.toSeconds()))
        .map(rows -> rows.rowCount());
  }
}
