package org.openpincery.maintenance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openpincery.model.NewEvent;
import org.openpincery.store.AuditRepository;

/**
 * The periodic incremental chain check: it verifies only what was appended since its checkpoint,
 * finds an event or audit entry altered behind the append-only trigger's back, logs it, and queues
 * one {@code chain.broken} notification per subscription, once per break.
 */
class ChainCheckTest {

  private final NotificationFixture fx = new NotificationFixture();
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final ChainChecker checker =
      new ChainChecker(
          fx.store,
          NotificationFixture.config(
              NotificationFixture.delays(1, 50), Duration.ofSeconds(2), Duration.ofSeconds(5)),
          meters);

  @AfterEach
  void close() {
    fx.close();
  }

  private void append(int n) {
    for (int i = 0; i < n; i++) {
      fx.store.events().append(fx.agent, NewEvent.assistantMessage("e" + i)).await();
    }
  }

  private long chainBrokenRows() throws Exception {
    return fx.count("SELECT count(*) FROM notification_outbox WHERE kind = 'chain.broken'");
  }

  @Test
  void aTamperedEventIsFoundOnceAndNotifiedOnce() throws Exception {
    String[] sub = fx.subscribe("https://example.com/chain", List.of("chain.broken"));
    String[] uninterested = fx.subscribe("https://example.com/other", List.of("wake.failed"));
    append(5);
    ChainChecker.Pass first = checker.runOnce();
    assertThat(first.broken()).isZero();
    assertThat(first.entriesChecked()).isEqualTo(5);

    // Incremental: the next pass checks only the new events.
    append(3);
    ChainChecker.Pass second = checker.runOnce();
    assertThat(second.entriesChecked()).isEqualTo(3);
    assertThat(second.broken()).isZero();

    append(2);
    fx.execute(
        "ALTER TABLE events DISABLE TRIGGER events_no_update_or_delete;"
            + "UPDATE events SET content = 'forged' WHERE agent_id = '"
            + fx.agent
            + "' AND seq = 9;"
            + "ALTER TABLE events ENABLE TRIGGER events_no_update_or_delete;");
    ChainChecker.Pass found = checker.runOnce();
    assertThat(found.broken()).isEqualTo(1);
    assertThat(chainBrokenRows()).isEqualTo(1);
    assertThat(
            fx.count(
                "SELECT count(*) FROM notification_outbox WHERE subscription_id = '"
                    + sub[0]
                    + "' AND payload->'data'->>'problem' = 'hash_mismatch'"
                    + " AND (payload->'data'->>'first_bad_seq')::int = 9"
                    + " AND payload->'data'->>'agent_id' = '"
                    + fx.agent
                    + "'"))
        .isEqualTo(1);
    assertThat(
            fx.count(
                "SELECT count(*) FROM notification_outbox WHERE subscription_id = '"
                    + uninterested[0]
                    + "'"))
        .isZero();
    assertThat(meters.find("pincery_chain_breaks").counter().count()).isEqualTo(1);

    // Once per break: later passes neither re-check nor re-notify it.
    append(1);
    assertThat(checker.runOnce().broken()).isZero();
    assertThat(checker.runOnce().broken()).isZero();
    assertThat(chainBrokenRows()).isEqualTo(1);
  }

  @Test
  void aTamperedAuditEntryIsFoundAndDelivered() throws Exception {
    NotificationReceiver receiver = new NotificationReceiver(0);
    try {
      String[] sub = fx.subscribe(receiver.url("/hooks/chain"), List.of("chain.broken"));
      receiver.setUp("/hooks/chain", sub[1], "ok", 0);
      for (int i = 0; i < 3; i++) {
        fx.store
            .audit()
            .append(
                new AuditRepository.Entry(
                    fx.workspace,
                    "user",
                    null,
                    null,
                    "agent.update",
                    "agent",
                    "a" + i,
                    true,
                    200,
                    "127.0.0.1",
                    "req-" + i,
                    null))
            .await();
      }
      fx.execute(
          "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update_or_delete;"
              + " UPDATE audit_log SET address = '10.9.9.9' WHERE workspace_id = '"
              + fx.workspace
              + "' AND seq = 2;"
              + " ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update_or_delete");
      assertThat(checker.runOnce().broken()).isEqualTo(1);
      fx.deliverer(
          NotificationFixture.config(
              NotificationFixture.delays(3, 50), Duration.ofSeconds(2), Duration.ofSeconds(5)));
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> receiver.received("/hooks/chain").size() == 1);
      var data =
          receiver.received("/hooks/chain").get(0).getJsonObject("body").getJsonObject("data");
      assertThat(data.getString("chain")).isEqualTo("audit");
      assertThat(data.getString("audit_chain")).isEqualTo(fx.workspace.toString());
      assertThat(data.getLong("first_bad_seq")).isEqualTo(2);
      assertThat(checker.runOnce().broken()).isZero();
      assertThat(receiver.rejected()).isEmpty();
    } finally {
      receiver.close();
    }
  }

  @Test
  void eachPassChecksAtMostTheConfiguredEntriesPerChain() throws Exception {
    ChainChecker small =
        new ChainChecker(
            fx.store,
            new NotificationConfig(
                "t",
                1,
                Duration.ofMillis(50),
                Duration.ofSeconds(1),
                Duration.ofSeconds(2),
                List.of(),
                Duration.ZERO,
                4,
                100,
                Duration.ZERO),
            new SimpleMeterRegistry());
    append(10);
    assertThat(small.runOnce().entriesChecked()).isEqualTo(4);
    assertThat(small.runOnce().entriesChecked()).isEqualTo(4);
    assertThat(small.runOnce().entriesChecked()).isEqualTo(2);
    assertThat(small.runOnce().chainsChecked()).isZero();
  }

  @Test
  void theDelivererRunsTheCheckOnItsInterval() throws Exception {
    fx.subscribe("https://example.com/chain", List.of("chain.broken"));
    append(3);
    fx.execute(
        "ALTER TABLE events DISABLE TRIGGER events_no_update_or_delete;"
            + "UPDATE events SET content = 'forged' WHERE agent_id = '"
            + fx.agent
            + "' AND seq = 2;"
            + "ALTER TABLE events ENABLE TRIGGER events_no_update_or_delete;");
    fx.deliverer(
        new NotificationConfig(
            "interval-test",
            1,
            Duration.ofMillis(50),
            Duration.ofSeconds(1),
            Duration.ofSeconds(2),
            List.of(),
            Duration.ofMillis(100),
            100,
            100,
            Duration.ZERO));
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                fx.count(
                        "SELECT count(*) FROM chain_checkpoints WHERE chain_id = '"
                            + fx.agent
                            + "' AND broken_seq = 2")
                    == 1);
    assertThat(chainBrokenRows()).isEqualTo(1);
  }
}
