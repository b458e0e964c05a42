package org.openpincery.maintenance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.openpincery.testkit.FreePort;

/**
 * The outbox's delivery end to end: real deliverers, a real receiver that verifies every request
 * with the npm {@code standardwebhooks} library, real PostgreSQL.
 */
class NotificationDeliveryTest {

  private static final Duration WAIT = Duration.ofSeconds(60);
  private final NotificationFixture fx = new NotificationFixture();
  private final List<NotificationReceiver> receivers = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    fx.close();
    for (NotificationReceiver r : receivers) {
      r.close();
    }
  }

  private NotificationReceiver receiver(int port) throws Exception {
    NotificationReceiver r = new NotificationReceiver(port);
    receivers.add(r);
    return r;
  }

  private static List<String> ids(List<JsonObject> received) {
    return received.stream().map(j -> j.getString("id")).toList();
  }

  private static List<String> ids(List<String[]> outbox, boolean unused) {
    return outbox.stream().map(row -> row[0]).toList();
  }

  @Test
  void deliversEachNotificationSignedOnceAndInOrder() throws Exception {
    NotificationReceiver receiver = receiver(0);
    String[] sub = fx.subscribe(receiver.url("/hooks/a"), List.of("wake.failed"));
    receiver.setUp("/hooks/a", sub[1], "ok", 0);
    var deliverer =
        fx.deliverer(
            NotificationFixture.config(
                NotificationFixture.delays(3, 100), Duration.ofSeconds(2), Duration.ofSeconds(5)));
    for (int i = 0; i < 5; i++) {
      fx.failWake();
    }

    await().atMost(WAIT).until(() -> receiver.received("/hooks/a").size() >= 5);
    List<JsonObject> received = receiver.received("/hooks/a");
    assertThat(ids(received)).isEqualTo(ids(fx.outbox(sub[0]), true));
    assertThat(received).allSatisfy(r -> assertThat(r.getString("type")).isEqualTo("wake.failed"));
    assertThat(received.get(0).getJsonObject("body").getJsonObject("data").getString("agent_name"))
        .isEqualTo("watched");
    assertThat(receiver.rejected()).isEmpty();
    await()
        .atMost(WAIT)
        .until(() -> fx.outbox(sub[0]).stream().allMatch(row -> row[1].equals("delivered")));
    for (String[] row : fx.outbox(sub[0])) {
      assertThat(row[2]).isEqualTo("1");
      assertThat(fx.attempts(row[0])).containsExactly("204|null|true");
    }
    assertThat(deliverer.count("pincery_notifications_delivered")).isEqualTo(5);
  }

  @Test
  void aSubscriberDownForAWhileReceivesEveryNotificationOnceInOrderWhenItIsBack() throws Exception {
    int port = FreePort.pick();
    String path = "/hooks/down";
    String url = "http://127.0.0.1:" + port + path;
    String[] sub = fx.subscribe(url, List.of("wake.failed"));
    fx.deliverer(
        NotificationFixture.config(
            NotificationFixture.delays(50, 100), Duration.ofSeconds(2), Duration.ofSeconds(5)));
    for (int i = 0; i < 3; i++) {
      fx.failWake();
    }
    // Nothing listens: connections are refused, recorded, retried.
    String head = fx.outbox(sub[0]).get(0)[0];
    await().atMost(WAIT).until(() -> fx.attempts(head).size() >= 2);
    assertThat(fx.attempts(head).get(0)).startsWith("null|").endsWith("|true");
    // Only the oldest is attempted while it fails: the others wait their turn.
    assertThat(fx.outbox(sub[0]).get(1)[2]).isEqualTo("0");

    // Up, but answering 500.
    NotificationReceiver receiver = receiver(port);
    receiver.setUp(path, sub[1], "fail", 0);
    await()
        .atMost(WAIT)
        .until(() -> fx.attempts(head).stream().anyMatch(a -> a.startsWith("500|")));
    fx.failWake();
    fx.failWake();

    // Back: every notification arrives, once each, in order.
    receiver.mode(path, "ok");
    await().atMost(WAIT).until(() -> receiver.received(path).size() >= 5);
    await()
        .atMost(WAIT)
        .until(() -> fx.outbox(sub[0]).stream().allMatch(row -> row[1].equals("delivered")));
    List<String> got = ids(receiver.received(path));
    assertThat(got).hasSize(5).doesNotHaveDuplicates();
    assertThat(got).isEqualTo(ids(fx.outbox(sub[0]), true));
    assertThat(receiver.rejected()).isEmpty();
    List<String> headAttempts = fx.attempts(head);
    assertThat(headAttempts.get(headAttempts.size() - 1)).isEqualTo("204|null|true");
    assertThat(headAttempts).anyMatch(a -> a.startsWith("500|HTTP 500"));
    assertThat(receiver.maxInFlight(path)).isEqualTo(1);
  }

  @Test
  void aNotificationIsFailedAfterItsLastAttempt() throws Exception {
    NotificationReceiver receiver = receiver(0);
    String[] sub = fx.subscribe(receiver.url("/hooks/dead"), List.of("wake.failed"));
    receiver.setUp("/hooks/dead", sub[1], "fail", 0);
    var deliverer =
        fx.deliverer(
            NotificationFixture.config(
                NotificationFixture.delays(2, 50), Duration.ofSeconds(2), Duration.ofSeconds(5)));
    fx.failWake();
    fx.failWake();

    await()
        .atMost(WAIT)
        .until(() -> fx.outbox(sub[0]).stream().allMatch(row -> row[1].equals("failed")));
    for (String[] row : fx.outbox(sub[0])) {
      assertThat(row[2]).isEqualTo("3");
      assertThat(fx.attempts(row[0]))
          .containsExactly("500|HTTP 500|true", "500|HTTP 500|true", "500|HTTP 500|true");
    }
    assertThat(deliverer.count("pincery_notifications_failed")).isEqualTo(2);
    assertThat(receiver.requests("/hooks/dead")).isEqualTo(6);

    // Retried by an operator once the receiver is fixed: one more attempt, delivered.
    receiver.mode("/hooks/dead", "ok");
    String first = fx.outbox(sub[0]).get(0)[0];
    assertThat(
            fx.store.notifications().retry(fx.workspace, java.util.UUID.fromString(first)).await())
        .isTrue();
    await().atMost(WAIT).until(() -> receiver.received("/hooks/dead").size() == 1);
    assertThat(receiver.received("/hooks/dead").get(0).getString("id")).isEqualTo(first);
    await().atMost(WAIT).until(() -> fx.outbox(sub[0]).get(0)[1].equals("delivered"));
    assertThat(fx.attempts(first)).hasSize(4).last().isEqualTo("204|null|true");
    assertThat(fx.outbox(sub[0]).get(1)[1]).isEqualTo("failed");
  }

  @RepeatedTest(3)
  void twoDeliverersNeverHaveTwoAttemptsInFlightForOneSubscription() throws Exception {
    NotificationReceiver receiver = receiver(0);
    List<String[]> subs = new ArrayList<>();
    for (String name : List.of("/hooks/x", "/hooks/y", "/hooks/z")) {
      String[] sub = fx.subscribe(receiver.url(name), List.of("wake.failed"));
      receiver.setUp(name, sub[1], "ok", 20);
      subs.add(sub);
    }
    var config =
        NotificationFixture.config(
            NotificationFixture.delays(5, 50), Duration.ofSeconds(2), Duration.ofSeconds(5));
    fx.deliverer(config);
    fx.deliverer(
        new NotificationConfig(
            config.owner() + "-b",
            config.concurrency(),
            config.poll(),
            config.timeout(),
            config.lease(),
            config.retryDelays(),
            config.chainCheckInterval(),
            config.chainCheckMaxEntries(),
            config.chainCheckMaxChains(),
            config.retention()));
    for (int i = 0; i < 10; i++) {
      fx.failWake();
    }

    for (String name : List.of("/hooks/x", "/hooks/y", "/hooks/z")) {
      await().atMost(WAIT).until(() -> receiver.received(name).size() >= 10);
    }
    for (int i = 0; i < 3; i++) {
      String name = List.of("/hooks/x", "/hooks/y", "/hooks/z").get(i);
      assertThat(receiver.maxInFlight(name)).as(name).isEqualTo(1);
      assertThat(ids(receiver.received(name)))
          .as(name)
          .doesNotHaveDuplicates()
          .isEqualTo(ids(fx.outbox(subs.get(i)[0]), true));
    }
    assertThat(receiver.rejected()).isEmpty();
  }

  @Test
  void aDelivererThatDiesMidAttemptLosesNothing() throws Exception {
    NotificationReceiver receiver = receiver(0);
    String path = "/hooks/slow";
    String[] sub = fx.subscribe(receiver.url(path), List.of("wake.failed"));
    receiver.setUp(path, sub[1], "hang", 0);
    var config =
        NotificationFixture.config(
            NotificationFixture.delays(5, 50), Duration.ofSeconds(3), Duration.ofSeconds(4));
    var first = fx.deliverer(config);
    fx.failWake();
    await().atMost(WAIT).until(() -> receiver.requests(path) == 1);

    // The deliverer dies with its attempt unanswered: nothing of it reaches the database.
    fx.crash(first);
    String id = fx.outbox(sub[0]).get(0)[0];
    assertThat(fx.outbox(sub[0]).get(0)[1]).isEqualTo("pending");
    receiver.mode(path, "ok");

    // Another deliverer takes the subscription once the dead one's lease runs out.
    fx.deliverer(
        NotificationFixture.config(
            NotificationFixture.delays(5, 50), Duration.ofSeconds(3), Duration.ofSeconds(4)));
    await().atMost(WAIT).until(() -> receiver.received(path).size() == 1);
    assertThat(ids(receiver.received(path))).containsExactly(id);
    await().atMost(WAIT).until(() -> fx.outbox(sub[0]).get(0)[1].equals("delivered"));
    assertThat(fx.outbox(sub[0]).get(0)[2]).isEqualTo("2");
    assertThat(fx.attempts(id))
        .containsExactly(
            "null|no answer recorded: the deliverer stopped or lost its lease|true",
            "204|null|true");
    assertThat(receiver.requests(path)).isEqualTo(2);
  }

  @Test
  void aDisabledSubscriptionGetsNothingNewAndATestNotificationReachesItsOne() throws Exception {
    NotificationReceiver receiver = receiver(0);
    String[] sub = fx.subscribe(receiver.url("/hooks/t"), List.of("chain.broken"));
    receiver.setUp("/hooks/t", sub[1], "ok", 0);
    fx.deliverer(
        NotificationFixture.config(
            NotificationFixture.delays(3, 50), Duration.ofSeconds(2), Duration.ofSeconds(5)));
    fx.failWake(); // not a kind it wants
    var id =
        fx.store
            .notifications()
            .enqueueTest(fx.workspace, java.util.UUID.fromString(sub[0]), null)
            .await()
            .orElseThrow();
    await().atMost(WAIT).until(() -> receiver.received("/hooks/t").size() == 1);
    assertThat(receiver.received("/hooks/t").get(0).getString("type"))
        .isEqualTo("notification.test");
    assertThat(receiver.received("/hooks/t").get(0).getString("id")).isEqualTo(id.toString());
    assertThat(fx.outbox(sub[0])).hasSize(1);
  }

  @Test
  void settledDeliveriesPastTheRetentionArePrunedAndPendingOnesAreKept() throws Exception {
    String[] sub = fx.subscribe("https://example.com/old", List.of("wake.failed"));
    fx.failWake();
    fx.failWake();
    List<String[]> rows = fx.outbox(sub[0]);
    // One old delivered notification (with an attempt), one old one still pending (disabled).
    fx.execute(
        "UPDATE notification_outbox SET status = 'delivered', delivered_at = now(), attempts = 1,"
            + " created_at = now() - interval '40 days' WHERE id = '"
            + rows.get(0)[0]
            + "';"
            + "INSERT INTO notification_attempts (outbox_id, workspace_id, attempt, started_at)"
            + " SELECT id, workspace_id, 1, now() FROM notification_outbox WHERE id = '"
            + rows.get(0)[0]
            + "';"
            + "UPDATE notification_outbox SET created_at = now() - interval '40 days' WHERE id = '"
            + rows.get(1)[0]
            + "';"
            + "UPDATE notification_subscriptions SET enabled = false WHERE id = '"
            + sub[0]
            + "'");
    var base =
        NotificationFixture.config(
            NotificationFixture.delays(1, 50), Duration.ofSeconds(2), Duration.ofSeconds(5));
    fx.deliverer(
        new NotificationConfig(
            base.owner(),
            base.concurrency(),
            base.poll(),
            base.timeout(),
            base.lease(),
            base.retryDelays(),
            base.chainCheckInterval(),
            base.chainCheckMaxEntries(),
            base.chainCheckMaxChains(),
            Duration.ofDays(30)));

    await().atMost(WAIT).until(() -> fx.outbox(sub[0]).size() == 1);
    assertThat(fx.outbox(sub[0]).get(0)[0]).isEqualTo(rows.get(1)[0]);
    assertThat(fx.outbox(sub[0]).get(0)[1]).isEqualTo("pending");
    assertThat(fx.attempts(rows.get(0)[0])).isEmpty();
  }
}
