package org.openpincery.maintenance;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.AbstractVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.ThreadingModel;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.openpincery.http.StandardWebhooks;
import org.openpincery.notify.Channel;
import org.openpincery.store.NotificationDeliveryRepository;
import org.openpincery.store.NotificationDeliveryRepository.Attempt;
import org.openpincery.store.NotificationDeliveryRepository.Claimed;
import org.openpincery.store.NotificationDeliveryRepository.Outcome;
import org.openpincery.store.Store;
import org.openpincery.work.ClaimLoop;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers the notification outbox (docs/operations.md, "Notifications"): on a {@code
 * pincery_notifications} NOTIFY and on a poll it leases subscriptions with a notification due, up
 * to its free slots, and for each sends that subscription's due notifications one at a time, oldest
 * first, signed per Standard Webhooks. A 2xx delivers; anything else (another status, a refused
 * connection, a timeout) is retried after the next of {@link NotificationConfig#retryDelays()} with
 * jitter, and the notification is {@code failed} once they are used up. It also runs the {@link
 * ChainChecker} on its interval.
 */
public final class NotificationDeliveryVerticle extends AbstractVerticle {

  private static final Logger LOG = LoggerFactory.getLogger(NotificationDeliveryVerticle.class);
  // Attempts per claim before the subscription is given back (others' turn, fresh claims).
  private static final int MAX_PER_CLAIM = 100;
  private static final int MAX_ERROR_CHARS = 500;
  private static final Duration PRUNE_EVERY = Duration.ofMinutes(10);
  private static final int PRUNE_BATCH = 1_000;

  private final Store store;
  private final NotificationConfig config;
  private final MeterRegistry registry;
  private final AtomicLong backlog = new AtomicLong();
  private NotificationDeliveryRepository outbox;
  private HttpClient http;
  private ClaimLoop<Claimed> loop;
  private MessageConsumer<String> consumer;
  private ChainChecker chains;
  private Counter delivered;
  private Counter failed;
  private Counter retried;
  private long poll;
  private long chainTimer = -1;
  private long pruneTimer = -1;
  private volatile boolean running;

  public NotificationDeliveryVerticle(
      Store store, NotificationConfig config, MeterRegistry registry) {
    this.store = store;
    this.config = config;
    this.registry = registry;
  }

  /** How this verticle must be deployed: its deliveries await futures on virtual threads. */
  public static DeploymentOptions deploymentOptions() {
    return new DeploymentOptions().setThreadingModel(ThreadingModel.VIRTUAL_THREAD);
  }

  @Override
  public void start() {
    outbox = store.notificationDeliveries();
    delivered =
        Counter.builder("pincery_notifications_delivered")
            .description("Notifications a subscriber answered with a 2xx")
            .register(registry);
    failed =
        Counter.builder("pincery_notifications_failed")
            .description("Notifications given up after their last attempt")
            .register(registry);
    retried =
        Counter.builder("pincery_notification_attempts_failed")
            .description("Delivery attempts that did not get a 2xx (each is retried or failed)")
            .register(registry);
    Gauge.builder("pincery_notification_backlog", backlog, AtomicLong::get)
        .description("Notifications pending delivery (as of the last poll)")
        .register(registry);
    int timeoutMs = (int) Math.min(Integer.MAX_VALUE, config.timeout().toMillis());
    http =
        vertx.createHttpClient(
            new HttpClientOptions()
                .setConnectTimeout(timeoutMs)
                .setIdleTimeout(timeoutMs)
                .setIdleTimeoutUnit(TimeUnit.MILLISECONDS)
                .setKeepAlive(true),
            new PoolOptions().setHttp1MaxSize(Math.max(5, config.concurrency())));
    chains = new ChainChecker(store, config, registry);
    loop =
        new ClaimLoop<>(
            context,
            config.concurrency(),
            free -> outbox.claim(config.owner(), config.lease(), free),
            this::deliver);
    consumer = vertx.eventBus().consumer(Channel.NOTIFICATIONS.address(), m -> loop.kick());
    poll =
        vertx.setPeriodic(
            config.poll().toMillis(),
            id -> {
              loop.kick();
              outbox
                  .backlog()
                  .onSuccess(backlog::set)
                  .onFailure(e -> LOG.debug("backlog not read: {}", e.toString()));
            });
    if (!config.retention().isZero()) {
      pruneTimer =
          vertx.setPeriodic(
              1_000, PRUNE_EVERY.toMillis(), id -> context.runOnContext(v -> prune()));
    }
    if (!config.chainCheckInterval().isZero()) {
      chainTimer =
          vertx.setPeriodic(
              config.chainCheckInterval().toMillis(),
              id -> context.runOnContext(v -> chains.runGuarded()));
    }
    running = true;
    loop.kick();
    LOG.info(
        "notification deliverer {} running: {} subscription(s) at once, {} attempt(s) each",
        config.owner(),
        config.concurrency(),
        config.maxAttempts());
  }

  /** Whether the deliverer is taking work (for {@code /ready}). */
  public boolean running() {
    return running;
  }

  /** The chain checker this verticle runs (tests run a pass directly). */
  public ChainChecker chains() {
    return chains;
  }

  private void deliver(Claimed claimed) {
    try {
      for (int i = 0; i < MAX_PER_CLAIM && running; i++) {
        Optional<Attempt> next =
            outbox.takeNext(claimed.subscriptionId(), config.owner(), config.lease()).await();
        if (next.isEmpty()) {
          return;
        }
        Attempt attempt = next.get();
        Outcome outcome = send(attempt);
        Optional<String> status = outbox.finish(attempt, outcome).await();
        record(claimed, attempt, outcome, status);
      }
    } finally {
      outbox.release(claimed.subscriptionId(), config.owner()).await();
    }
  }

  private void record(Claimed claimed, Attempt attempt, Outcome outcome, Optional<String> status) {
    if (outcome.delivered()) {
      delivered.increment();
      return;
    }
    retried.increment();
    if (status.filter("failed"::equals).isPresent()) {
      failed.increment();
      LOG.warn(
          "notification {} ({}) to subscription {} (host {}) failed after {} attempt(s): {}",
          attempt.id(),
          attempt.kind(),
          claimed.subscriptionId(),
          host(attempt.url()),
          attempt.attempt(),
          outcome.error());
    } else {
      LOG.info(
          "notification {} ({}) attempt {} to subscription {} (host {}) failed, retrying in {} ms:"
              + " {}",
          attempt.id(),
          attempt.kind(),
          attempt.attempt(),
          claimed.subscriptionId(),
          host(attempt.url()),
          outcome.retryIn().map(Duration::toMillis).orElse(0L),
          outcome.error());
    }
  }

  private Outcome send(Attempt attempt) {
    long timestamp = System.currentTimeMillis() / 1000;
    String id = attempt.id().toString();
    RequestOptions request =
        new RequestOptions()
            .setMethod(HttpMethod.POST)
            .setAbsoluteURI(attempt.url())
            .setFollowRedirects(false)
            .setConnectTimeout(config.timeout().toMillis())
            .setIdleTimeout(config.timeout().toMillis())
            .putHeader("content-type", "application/json")
            .putHeader("user-agent", "open-pincery-notifications")
            .putHeader("webhook-id", id)
            .putHeader("webhook-timestamp", Long.toString(timestamp))
            .putHeader(
                "webhook-signature",
                StandardWebhooks.signature(attempt.secret(), id, timestamp, attempt.body()));
    long start = System.nanoTime();
    Integer status = null;
    String error = null;
    try {
      status =
          http.request(request)
              .compose(req -> req.send(attempt.body()))
              .compose(
                  resp -> {
                    resp.handler(chunk -> {}); // the answer's body is not kept
                    return resp.end().map(v -> resp.statusCode());
                  })
              .timeout(config.timeout().toMillis(), TimeUnit.MILLISECONDS)
              .await();
      if (status < 200 || status > 299) {
        error = "HTTP " + status;
      }
    } catch (Exception e) {
      error = describe(e);
    }
    long durationMs = (System.nanoTime() - start) / 1_000_000;
    boolean ok = error == null;
    return new Outcome(ok, status, error, durationMs, ok ? Optional.empty() : retryAfter(attempt));
  }

  // Deletes settled deliveries past the retention, a batch at a time (several deliverers pruning
  // at once delete different rows or nothing).
  private void prune() {
    try {
      int deleted;
      long total = 0;
      do {
        deleted = outbox.prune(config.retention(), PRUNE_BATCH).await();
        total += deleted;
      } while (deleted == PRUNE_BATCH && running);
      if (total > 0) {
        LOG.info("pruned {} delivered or failed notification(s) past the retention", total);
      }
    } catch (Exception e) {
      LOG.warn("notification pruning failed (retried later): {}", e.toString());
    }
  }

  private Optional<Duration> retryAfter(Attempt attempt) {
    if (attempt.attempt() > config.retryDelays().size()) {
      return Optional.empty();
    }
    Duration base = config.retryDelays().get(attempt.attempt() - 1);
    double jitter = 0.8 + 0.4 * ThreadLocalRandom.current().nextDouble();
    return Optional.of(Duration.ofMillis(Math.round(base.toMillis() * jitter)));
  }

  // Logs name the host only: a URL's path or query may hold a secret.
  private static String host(String url) {
    try {
      return URI.create(url).getHost();
    } catch (IllegalArgumentException e) {
      return "?";
    }
  }

  private static String describe(Throwable e) {
    String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    if (e instanceof TimeoutException) {
      message = "no answer in time: " + message;
    }
    return message.length() > MAX_ERROR_CHARS ? message.substring(0, MAX_ERROR_CHARS) : message;
  }

  @Override
  public void stop() {
    running = false;
    vertx.cancelTimer(poll);
    if (chainTimer >= 0) {
      vertx.cancelTimer(chainTimer);
    }
    if (pruneTimer >= 0) {
      vertx.cancelTimer(pruneTimer);
    }
    consumer.unregister().await();
    Future<Void> grace =
        Future.future(p -> vertx.setTimer(config.timeout().toMillis() + 1, t -> p.tryComplete()));
    Future.any(loop.stop(), grace).await();
    http.close().await();
  }
}
