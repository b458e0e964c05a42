package org.openpincery.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.openpincery.store.StoreFixture.LEASE;
import static org.openpincery.store.StoreFixture.await;

import io.vertx.core.Future;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.openpincery.model.AgentStatus;
import org.openpincery.model.EventType;
import org.openpincery.model.NewEvent;
import org.openpincery.model.StoredEvent;
import org.openpincery.model.TerminationReason;

class LifecycleTest {

  private static final StoreFixture db = new StoreFixture(64);

  @AfterAll
  static void close() {
    db.close();
  }

  @Test
  void claimsAtMostOneWakePerAgent() {
    UUID agent = db.newAgent("race");
    for (int round = 0; round < 200; round++) {
      List<Future<ClaimResult>> attempts = new ArrayList<>();
      for (int c = 0; c < 64; c++) {
        attempts.add(db.store.lifecycle().claim(agent, "claimer-" + c, LEASE));
      }
      List<ClaimResult.Claimed> winners = new ArrayList<>();
      for (Future<ClaimResult> attempt : attempts) {
        ClaimResult result = await(attempt);
        if (result instanceof ClaimResult.Claimed claimed) {
          winners.add(claimed);
        } else {
          assertThat(result).isInstanceOf(ClaimResult.AlreadyAwake.class);
        }
      }
      assertThat(winners).as("round %d", round).hasSize(1);

      ClaimResult.Claimed won = winners.get(0);
      assertThat(
              await(
                  db.store
                      .lifecycle()
                      .endWake(agent, won.wakeId(), 0, TerminationReason.COMPLETED, LEASE)))
          .isInstanceOf(EndWakeResult.Ended.class);
      assertThat(await(db.store.lifecycle().finishMaintenance(agent, won.wakeId())))
          .isEqualTo(new FinishResult.Finished(false));
    }
  }

  @Test
  void aWakeEndedWithoutMaintenanceIsAsleepAtOnceAndItsUnseenInputPending() {
    UUID agent = db.newAgent("no-maintenance");
    await(db.store.events().append(agent, NewEvent.messageReceived("p", "first")));
    var claimed = (ClaimResult.Claimed) await(db.store.lifecycle().claim(agent, "w", LEASE));
    await(db.store.events().append(agent, NewEvent.messageReceived("p", "during the wake")));

    // Nothing was shown to a model (seen = consumed), as in a wake that made no model call.
    var ended =
        await(
            db.store
                .lifecycle()
                .endWake(
                    agent,
                    claimed.wakeId(),
                    claimed.consumedSeq(),
                    TerminationReason.SHUTDOWN,
                    LEASE,
                    false));

    assertThat(ended).isInstanceOf(EndWakeResult.Ended.class);
    var state = await(db.store.agents().find(agent)).orElseThrow();
    assertThat(state.status()).isEqualTo(org.openpincery.model.AgentStatus.ASLEEP);
    assertThat(state.wakeId()).isNull();
    assertThat(state.consumedSeq()).isZero();
    assertThat(await(db.store.lifecycle().findPending(100))).contains(agent);
    assertThat(await(db.store.lifecycle().claimMaintenance("m", LEASE, 100)))
        .noneMatch(m -> m.agentId().equals(agent));
    assertThat(await(db.store.lifecycle().finishMaintenance(agent, claimed.wakeId())))
        .isNotInstanceOf(FinishResult.Finished.class);
  }

  @Test
  void claimSaysWhyItLost() {
    UUID agent = db.newAgent("why");
    var first = await(db.store.lifecycle().claim(agent, "a", LEASE));
    assertThat(first).isInstanceOf(ClaimResult.Claimed.class);

    assertThat(await(db.store.lifecycle().claim(agent, "b", LEASE)))
        .isEqualTo(new ClaimResult.AlreadyAwake(((ClaimResult.Claimed) first).wakeId()));
    assertThat(await(db.store.lifecycle().claim(UUID.randomUUID(), "b", LEASE)))
        .isInstanceOf(ClaimResult.NotFound.class);

    UUID disabled = db.newAgent("off");
    await(db.store.agents().setEnabled(disabled, false, "operator"));
    assertThat(await(db.store.lifecycle().claim(disabled, "b", LEASE)))
        .isInstanceOf(ClaimResult.Disabled.class);
  }

  @Test
  void aWakeConsumesOnlyWhatItSawAndMidWakeInputStaysPending() {
    UUID agent = db.newAgent("drain");
    await(db.store.events().append(agent, NewEvent.messageReceived("person", "one")));
    var claimed = (ClaimResult.Claimed) await(db.store.lifecycle().claim(agent, "w", LEASE));
    assertThat(claimed.inboxSeq()).isEqualTo(1);
    assertThat(claimed.consumedSeq()).isZero();

    // Arrives while the wake runs, after the model was shown seq 1.
    var late =
        (AppendResult.Appended)
            await(db.store.events().append(agent, NewEvent.messageReceived("person", "two")));
    var ended =
        await(
            db.store
                .lifecycle()
                .endWake(
                    agent, claimed.wakeId(), claimed.inboxSeq(), TerminationReason.SLEEP, LEASE));

    assertThat(ended)
        .isInstanceOfSatisfying(
            EndWakeResult.Ended.class, e -> assertThat(e.consumedSeq()).isEqualTo(1));
    assertThat(await(db.store.lifecycle().finishMaintenance(agent, claimed.wakeId())))
        .as("the late message is still pending")
        .isEqualTo(new FinishResult.Finished(true));
    var state = await(db.store.agents().find(agent)).orElseThrow();
    assertThat(state.status()).isEqualTo(AgentStatus.ASLEEP);
    assertThat(state.inboxSeq()).isEqualTo(late.seq());
    assertThat(state.hasPendingWork()).isTrue();

    List<String> types =
        await(db.store.events().pageAfter(agent, 0, 100)).stream()
            .map(StoredEvent::eventType)
            .toList();
    assertThat(types)
        .containsExactly("message_received", "wake_start", "message_received", "wake_end");
    assertThat(await(db.store.events().verifyChain(agent)))
        .isInstanceOf(ChainVerification.Valid.class);
  }

  @Test
  void aReapedWakeCanNeitherHeartbeatNorAppendNorEnd() throws Exception {
    UUID agent = db.newAgent("reaped");
    await(db.store.events().append(agent, NewEvent.messageReceived("person", "work")));
    var claimed =
        (ClaimResult.Claimed) await(db.store.lifecycle().claim(agent, "w", Duration.ZERO));

    List<Reaped> reaped = await(db.store.lifecycle().reapExpired(100));
    assertThat(reaped).contains(new Reaped(agent, claimed.wakeId(), "awake", true));
    var afterReap = await(db.store.agents().find(agent)).orElseThrow();
    long events = db.count("SELECT count(*) FROM events WHERE agent_id = '" + agent + "'");

    UUID lost = claimed.wakeId();
    assertThat(await(db.store.lifecycle().heartbeat(agent, lost, LEASE)))
        .isInstanceOf(HeartbeatResult.LeaseLost.class);
    assertThat(
            await(db.store.events().appendFenced(agent, lost, NewEvent.assistantMessage("late"))))
        .isInstanceOf(AppendResult.LeaseLost.class);
    assertThat(await(db.store.lifecycle().endWake(agent, lost, 1, TerminationReason.SLEEP, LEASE)))
        .isInstanceOf(EndWakeResult.LeaseLost.class);
    assertThat(await(db.store.lifecycle().finishMaintenance(agent, lost)))
        .isInstanceOf(FinishResult.LeaseLost.class);

    assertThat(db.count("SELECT count(*) FROM events WHERE agent_id = '" + agent + "'"))
        .isEqualTo(events);
    assertThat(await(db.store.agents().find(agent)).orElseThrow()).isEqualTo(afterReap);
    assertThat(afterReap.status()).isEqualTo(AgentStatus.ASLEEP);
    assertThat(afterReap.consumedSeq()).as("the lost wake consumed nothing").isZero();

    List<StoredEvent> log = await(db.store.events().pageAfter(agent, 0, 100));
    StoredEvent abandoned = log.get(log.size() - 1);
    assertThat(abandoned.type()).contains(EventType.WAKE_ABANDONED);
    assertThat(abandoned.terminationReason()).isEqualTo("lease_lost");
    assertThat(abandoned.wakeId()).isEqualTo(lost);

    // The work is claimable again by someone else.
    assertThat(await(db.store.lifecycle().claim(agent, "other", LEASE)))
        .isInstanceOf(ClaimResult.Claimed.class);
  }

  @Test
  void heartbeatExtendsTheLeaseAndReportsNewInputAndDisable() {
    UUID agent = db.newAgent("beat");
    var claimed =
        (ClaimResult.Claimed) await(db.store.lifecycle().claim(agent, "w", Duration.ofSeconds(1)));
    await(db.store.events().append(agent, NewEvent.messageReceived("person", "more")));
    await(db.store.agents().setEnabled(agent, false, "operator"));

    var beat =
        await(db.store.lifecycle().heartbeat(agent, claimed.wakeId(), Duration.ofMinutes(5)));

    assertThat(beat)
        .isInstanceOfSatisfying(
            HeartbeatResult.Extended.class,
            e -> {
              assertThat(e.leaseExpiresAt()).isAfter(claimed.leaseExpiresAt());
              assertThat(e.inboxSeq()).isEqualTo(2); // wake_start is 1, the message 2
              assertThat(e.enabled()).isFalse();
            });
  }

  @Test
  void concurrentSweepsClaimEachPendingAgentOnce() {
    Set<UUID> pending = new HashSet<>();
    for (int i = 0; i < 40; i++) {
      UUID agent = db.newAgent("sweep-" + i);
      await(db.store.events().append(agent, NewEvent.messageReceived("person", "go")));
      pending.add(agent);
    }

    List<Future<List<ClaimResult.Claimed>>> sweeps = new ArrayList<>();
    for (int w = 0; w < 8; w++) {
      sweeps.add(db.store.lifecycle().claimPending("worker-" + w, LEASE, 10));
    }
    List<UUID> claimed = new ArrayList<>();
    for (var sweep : sweeps) {
      await(sweep).forEach(c -> claimed.add(c.agentId()));
    }

    assertThat(claimed).doesNotHaveDuplicates();
    assertThat(Set.copyOf(claimed)).containsAll(pending);
    assertThat(await(db.store.lifecycle().findPending(1000))).doesNotContainAnyElementsOf(pending);
  }
}
