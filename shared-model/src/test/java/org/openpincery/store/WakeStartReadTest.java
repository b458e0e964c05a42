package org.openpincery.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.openpincery.store.StoreFixture.LEASE;
import static org.openpincery.store.StoreFixture.await;

import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.openpincery.model.NewEvent;
import org.openpincery.model.StoredEvent;
import org.openpincery.model.TerminationReason;

/** The reads a wake and a maintenance pass start with, each one round trip. */
class WakeStartReadTest {

  private static final StoreFixture db = new StoreFixture(4);

  @AfterAll
  static void close() {
    db.close();
  }

  @Test
  void aWakeStartReadsItsContextAndOnlyTheWakingEventsOfItsInboxPage() {
    UUID agent = db.newAgent("starter");
    for (int i = 1; i <= 5; i++) {
      await(db.store.events().append(agent, NewEvent.messageReceived("p", "m" + i)));
      await(db.store.events().append(agent, NewEvent.assistantMessage("not input " + i)));
    }

    // Messages are at seqs 1, 3, 5, 7, 9: after 1, up to 9, at most 3 of them.
    var start = await(db.store.wakes().start(agent, 3, 1, 9, 3)).orElseThrow();

    assertThat(start.context().name()).isEqualTo("starter");
    assertThat(start.context().budgetLimitUsd()).isEqualByComparingTo("10");
    assertThat(start.context().recentSummaries()).isEmpty();
    assertThat(start.context().interrupted()).isFalse();
    assertThat(start.inbox()).extracting(StoredEvent::seq).containsExactly(3L, 5L, 7L);
    assertThat(start.inbox()).extracting(StoredEvent::content).containsExactly("m2", "m3", "m4");
  }

  @Test
  void anEmptyInboxPageStillGivesTheContextAndAMissingAgentGivesNothing() {
    UUID agent = db.newAgent("quiet");

    var start = await(db.store.wakes().start(agent, 3, 0, 0, 200)).orElseThrow();

    assertThat(start.context().name()).isEqualTo("quiet");
    assertThat(start.inbox()).isEmpty();
    assertThat(await(db.store.wakes().start(UUID.randomUUID(), 3, 0, 10, 200))).isEmpty();
    assertThat(await(db.store.wakes().passInput(UUID.randomUUID(), UUID.randomUUID(), 10, 100)))
        .isEmpty();
  }

  @Test
  void aPassReadsTheContextAndTheTranscriptOfTheWakeThatEnded() {
    UUID agent = db.newAgent("maintained");
    await(db.store.events().append(agent, NewEvent.messageReceived("p", "before")));
    var claimed = (ClaimResult.Claimed) await(db.store.lifecycle().claim(agent, "test", LEASE));
    await(
        db.store
            .wakes()
            .step(
                new WakeRepository.Step(
                    agent,
                    claimed.wakeId(),
                    LEASE,
                    null,
                    List.of(WakeRepository.StepEvent.own(NewEvent.assistantMessage("hello"))),
                    TerminationReason.COMPLETED,
                    claimed.inboxSeq(),
                    LEASE)));
    long head = await(db.store.agents().find(agent)).orElseThrow().eventSeq();

    var input = await(db.store.wakes().passInput(agent, claimed.wakeId(), head, 100)).orElseThrow();

    assertThat(input.context().name()).isEqualTo("maintained");
    assertThat(input.transcript())
        .extracting(StoredEvent::eventType)
        .containsExactly("message_received", "wake_start", "assistant_message", "wake_end");
  }
}
