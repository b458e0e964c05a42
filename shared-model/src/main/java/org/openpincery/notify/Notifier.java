package org.openpincery.notify;

import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends NOTIFY after the data commit, never inside it, and coalesces under load.
 *
 * <p>A NOTIFY inside a writing transaction holds a cluster-wide lock through that transaction's
 * commit flush, which halves throughput with several writers (ARCHITECTURE.md §3.7). Here the store
 * calls {@link #send} once its statement has committed. When no flush is in flight the notification
 * goes out at once in its own tiny transaction; while one is in flight, further notifications queue
 * and leave together in the next single statement, with repeats of the same subject collapsed (only
 * the newest payload per channel and subject is kept). Latency stays low when idle and the cost per
 * notification falls as load rises.
 *
 * <p>A notification that fails to send is only logged: NOTIFY is a hint, and every listener also
 * scans for pending work after (re)connecting and on a poll interval.
 */
public final class Notifier {

  private static final Logger LOG = LoggerFactory.getLogger(Notifier.class);

  // One round trip for a whole batch; pg_notify keeps their order within the transaction.
  private static final String NOTIFY_BATCH =
      """
      SELECT pg_notify(n.channel, n.payload)
        FROM unnest($1::text[], $2::text[]) AS n(channel, payload)
      """;

  private record Subject(Channel channel, String key) {}

  private final Pool pool;
  private final Object lock = new Object();
  private Map<Subject, String> queued = new LinkedHashMap<>();
  private boolean flushing;

  public Notifier(Pool pool) {
    this.pool = pool;
  }

  /** Tells listeners that {@code agentId} has pending work. */
  public void wake(UUID agentId) {
    send(Channel.WAKE, agentId.toString(), agentId.toString());
  }

  /** Tells listeners that {@code agentId} is waiting for maintenance. */
  public void maintenance(UUID agentId) {
    send(Channel.MAINTENANCE, agentId.toString(), agentId.toString());
  }

  /** Tells listeners that {@code agentId}'s log grew to {@code seq}. */
  public void appended(UUID agentId, long seq) {
    send(Channel.EVENTS, agentId.toString(), agentId + ":" + seq);
  }

  /** Tells gateways that a session or API token no longer authenticates anyone. */
  public void sessionEnded(UUID sessionOrTokenId) {
    String payload = "session:" + sessionOrTokenId;
    send(Channel.SESSIONS, payload, payload);
  }

  /** Tells gateways that a user's memberships or roles changed. */
  public void userChanged(UUID userId) {
    String payload = "user:" + userId;
    send(Channel.SESSIONS, payload, payload);
  }

  private void send(Channel channel, String key, String payload) {
    synchronized (lock) {
      queued.put(new Subject(channel, key), payload);
      if (flushing) {
        return;
      }
      flushing = true;
    }
    flush();
  }

  private void flush() {
    Map<Subject, String> batch;
    synchronized (lock) {
      if (queued.isEmpty()) {
        flushing = false;
        return;
      }
      batch = queued;
      queued = new LinkedHashMap<>();
    }
    String[] channels = new String[batch.size()];
    String[] payloads = new String[batch.size()];
    int i = 0;
    for (var e : batch.entrySet()) {
      channels[i] = e.getKey().channel().pgName();
      payloads[i] = e.getValue();
      i++;
    }
    pool.preparedQuery(NOTIFY_BATCH)
        .execute(Tuple.tuple().addArrayOfString(channels).addArrayOfString(payloads))
        .onComplete(
            ar -> {
              if (ar.failed()) {
                LOG.warn(
                    "notifier: {} notification(s) not sent, listeners will catch up by polling: {}",
                    batch.size(),
                    ar.cause().getMessage());
              }
              flush();
            });
  }
}
