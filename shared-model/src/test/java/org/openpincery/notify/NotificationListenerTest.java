package org.openpincery.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vertx.core.Vertx;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.openpincery.config.DatabaseConfig;
import org.openpincery.db.DatabaseUrl;
import org.openpincery.model.NewEvent;
import org.openpincery.store.Database;
import org.openpincery.store.Store;
import org.openpincery.testkit.TcpProxy;
import org.openpincery.testkit.TestPostgres;

class NotificationListenerTest {

  private static final String LISTENER_APP = "pincery-listener-test";

  private final Vertx vertx = Vertx.vertx();
  private final DatabaseUrl url = TestPostgres.freshDatabase();
  private final Store store = Store.open(vertx, new DatabaseConfig(url, 4, "notify-test"));
  private NotificationListener listener;

  @AfterEach
  void close() throws Exception {
    if (listener != null) {
      block(listener.stop());
    }
    block(store.closeAsync());
    block(vertx.close());
  }

  @Test
  void aWakeNotificationReachesTheLocalEventBus() throws Exception {
    List<String> woken = new CopyOnWriteArrayList<>();
    vertx.eventBus().<String>localConsumer(Channel.WAKE.address(), m -> woken.add(m.body()));
    listener =
        new NotificationListener(
            vertx, Database.connectOptions(url, LISTENER_APP), Set.of(Channel.WAKE), v -> {});
    block(listener.start());
    UUID agent = newAgent();

    block(store.events().append(agent, NewEvent.messageReceived("person", "wake up")));

    await().atMost(Duration.ofSeconds(10)).until(() -> woken.contains(agent.toString()));
  }

  @RepeatedTest(3)
  void survivesALostConnectionAndCatchesUpOnWhatItMissed() throws Exception {
    // The catch-up scan records what it found after every (re)connect.
    List<List<UUID>> scans = new CopyOnWriteArrayList<>();
    try (TcpProxy proxy = new TcpProxy(url.host(), url.port())) {
      DatabaseUrl throughProxy =
          DatabaseUrl.of("127.0.0.1", proxy.port(), url.database(), url.user(), url.password());
      listener =
          new NotificationListener(
              vertx,
              Database.connectOptions(throughProxy, LISTENER_APP),
              Set.of(Channel.WAKE, Channel.EVENTS),
              v -> store.lifecycle().findPending(100).onSuccess(scans::add));
      block(listener.start());
      await().atMost(Duration.ofSeconds(10)).until(() -> scans.size() == 1);
      assertThat(scans.get(0)).isEmpty();

      // The connection drops and cannot come back yet: the NOTIFY for this agent is lost.
      proxy.cut();
      await().atMost(Duration.ofSeconds(10)).until(() -> !listener.connected());
      UUID agent = newAgent();
      block(store.events().append(agent, NewEvent.messageReceived("person", "while you were out")));
      proxy.restore();

      await().atMost(Duration.ofSeconds(30)).until(() -> scans.size() >= 2 && listener.connected());
      assertThat(listener.connectCount()).isGreaterThanOrEqualTo(2);
      assertThat(scans.get(scans.size() - 1)).contains(agent);
    }
  }

  private UUID newAgent() throws Exception {
    UUID ws = block(store.agents().createWorkspace("ws"));
    return block(store.agents().createAgent(ws, "agent-" + UUID.randomUUID(), "s", BigDecimal.ONE));
  }

  private static <T> T block(io.vertx.core.Future<T> f) throws Exception {
    try {
      return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw (Exception) e.getCause();
    }
  }
}
