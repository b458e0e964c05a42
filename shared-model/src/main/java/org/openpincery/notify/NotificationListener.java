package org.openpincery.notify;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.pubsub.PgChannel;
import io.vertx.pgclient.pubsub.PgSubscriber;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one LISTEN connection of a process. Payloads are re-published on the local event bus at
 * {@link Channel#address()}.
 *
 * <p>The connection reconnects for ever with capped exponential backoff (the Vert.x subscriber does
 * not reconnect unless given a policy, and does not retry a failed first connect at all, so that is
 * done here too). Notifications sent while it was down are lost, so after every (re)connect, once
 * LISTEN is in place, {@code onConnected} runs: the owner scans the tables for whatever it may have
 * missed.
 */
public final class NotificationListener {

  private static final Logger LOG = LoggerFactory.getLogger(NotificationListener.class);
  private static final long MAX_BACKOFF_MS = 2_000;

  private final Vertx vertx;
  private final PgSubscriber subscriber;
  private final Handler<Void> onConnected;
  private final AtomicLong connects = new AtomicLong();
  private volatile boolean stopped;

  /**
   * @param channels what to listen to; each is re-published on its local address
   * @param onConnected runs after every (re)connect, once LISTEN is in place
   */
  public NotificationListener(
      Vertx vertx, PgConnectOptions options, Set<Channel> channels, Handler<Void> onConnected) {
    if (channels.isEmpty()) {
      throw new IllegalArgumentException("listen to at least one channel");
    }
    this.vertx = vertx;
    this.onConnected = onConnected;
    this.subscriber =
        PgSubscriber.subscriber(vertx, options).reconnectPolicy(NotificationListener::backoff);
    // Channels are registered before connect(): the subscriber then LISTENs to all of them in one
    // statement on every (re)connect and only afterwards runs the subscribe handlers.
    List<Channel> ordered = channels.stream().sorted().toList();
    for (Channel channel : ordered) {
      PgChannel pg = subscriber.channel(channel.pgName());
      pg.handler(payload -> vertx.eventBus().publish(channel.address(), payload));
      if (channel == ordered.get(0)) {
        pg.subscribeHandler(v -> listening());
      }
    }
  }

  /** Connects; completes once the first LISTEN is in place. Retries until then, or until stop. */
  public Future<Void> start() {
    Promise<Void> first = Promise.promise();
    connectFirst(0, first);
    return first.future();
  }

  private void connectFirst(int attempt, Promise<Void> first) {
    if (stopped) {
      first.tryFail("listener stopped");
      return;
    }
    subscriber
        .connect()
        .onSuccess(v -> first.tryComplete())
        .onFailure(
            err -> {
              LOG.warn("notification listener: cannot connect ({}), retrying", err.getMessage());
              // A failed first connect leaves the subscriber half-open: close it so connect()
              // starts afresh next time.
              subscriber
                  .close()
                  .onComplete(
                      c -> vertx.setTimer(backoff(attempt), t -> connectFirst(attempt + 1, first)));
            });
  }

  private void listening() {
    long n = connects.incrementAndGet();
    if (n > 1) {
      LOG.info("notification listener: reconnected (connection #{}), catching up", n);
    }
    onConnected.handle(null);
  }

  /** Whether the LISTEN connection is up right now. */
  public boolean connected() {
    return !stopped && subscriber.actualConnection() != null;
  }

  /** How many times LISTEN has been established, first connect included. */
  public long connectCount() {
    return connects.get();
  }

  public Future<Void> stop() {
    stopped = true;
    return subscriber.close();
  }

  private static long backoff(int attempt) {
    return Math.min(MAX_BACKOFF_MS, 50L << Math.min(attempt, 10));
  }
}
