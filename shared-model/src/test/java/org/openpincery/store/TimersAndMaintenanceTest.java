package org.openpincery.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.openpincery.store.StoreFixture.LEASE;
import static org.openpincery.store.StoreFixture.await;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.openpincery.model.AgentStatus;
import org.openpincery.model.StoredEvent;
import org.openpincery.model.TerminationReason;

class TimersAndMaintenanceTest {

  private static final StoreFixture db = new StoreFixture(16);

  @AfterAll
  static void close() {
    db.close();
  }

  private static ClaimResult.Claimed wake(UUID agent) {
    return (ClaimResult.Claimed) await(db.store.lifecycle().claim(agent, "w", LEASE));
  }

  @Test
  void maintenanceWritesTheNextProjectionVersionAndReturnsTheAgentToSleep() {
    UUID agent = db.newAgent("maintained");
    for (int round = 1; round <= 2; round++) {
      var w = wake(agent);
      await(
          db.store
              .lifecycle()
              .endWake(agent, w.wakeId(), w.inboxSeq(), TerminationReason.SLEEP, LEASE));
      var finished =
          await(
              db.store
                  .lifecycle()
                  .finishMaintenance(
                      agent,
                      w.wakeId(),
                      "id v" + round,
                      "work v" + round,
                      "summary " + round,
                      false,
                      new JsonObject()));
      assertThat(finished).isEqualTo(new FinishResult.Finished(false));
    }
    var projection = await(db.store.agents().latestProjection(agent)).orElseThrow();
    assertThat(projection.version()).isEqualTo(2);
    assertThat(projection.identity()).isEqualTo("id v2");
    assertThat(await(db.store.agents().find(agent)).orElseThrow().status())
        .isEqualTo(AgentStatus.ASLEEP);
    List<String> types =
        await(db.store.events().pageAfter(agent, 0, 100)).stream()
            .map(StoredEvent::eventType)
            .toList();
    assertThat(types)
        .containsExactly(
            "wake_start",
            "wake_end",
            "maintenance_completed",
            "wake_start",
            "wake_end",
            "maintenance_completed");
  }

  @Test
  void aPassWaitingInTheQueueIsNeverReapedHoweverLongItWaits() throws Exception {
    UUID agent = db.newAgent("queued-maintenance");
    var w = wake(agent);
    // The end of the wake gives the queued pass no time at all: it still waits, never dropped.
    await(
        db.store.lifecycle().endWake(agent, w.wakeId(), 0, TerminationReason.SLEEP, Duration.ZERO));

    assertThat(await(db.store.lifecycle().reapExpired(100)))
        .noneMatch(r -> r.agentId().equals(agent));
    assertThat(await(db.store.agents().find(agent)).orElseThrow().status())
        .isEqualTo(AgentStatus.MAINTENANCE);
    assertThat(await(db.store.lifecycle().claimMaintenance("m", LEASE, 100)))
        .anyMatch(c -> c.agentId().equals(agent) && c.wakeId().equals(w.wakeId()));
  }

  @Test
  void aTakenPassWhoseWorkerStoppedGoesBackToTheQueueAndAThirdFailedTakeEndsIt() throws Exception {
    UUID agent = db.newAgent("requeued-maintenance");
    var w = wake(agent);
    await(db.store.lifecycle().endWake(agent, w.wakeId(), 0, TerminationReason.SLEEP, LEASE));

    for (int take = 1; take <= 2; take++) {
      assertThat(await(db.store.lifecycle().claimMaintenance("dies-" + take, Duration.ZERO, 100)))
          .anyMatch(c -> c.agentId().equals(agent));
      assertThat(await(db.store.lifecycle().reapExpired(100)))
          .contains(new Reaped(agent, w.wakeId(), "maintenance_requeued", false));
      var state = await(db.store.agents().find(agent)).orElseThrow();
      assertThat(state.status()).isEqualTo(AgentStatus.MAINTENANCE);
      assertThat(state.wakeId()).isEqualTo(w.wakeId());
    }
    assertThat(
            db.count(
                "SELECT count(*) FROM events WHERE event_type = 'maintenance_requeued'"
                    + " AND agent_id = '"
                    + agent
                    + "'"))
        .isEqualTo(2);

    // The third take dies too: a pass that kills its workers is ended, the agent freed.
    assertThat(await(db.store.lifecycle().claimMaintenance("dies-3", Duration.ZERO, 100)))
        .anyMatch(c -> c.agentId().equals(agent));
    assertThat(await(db.store.lifecycle().reapExpired(100)))
        .contains(new Reaped(agent, w.wakeId(), "maintenance", false));
    assertThat(await(db.store.agents().find(agent)).orElseThrow().status())
        .isEqualTo(AgentStatus.ASLEEP);
    var result =
        await(
            db.store.lifecycle().finishMaintenance(agent, w.wakeId(), "x", "y", "z", false, null));
    assertThat(result).isInstanceOf(FinishResult.LeaseLost.class);
    assertThat(db.count("SELECT count(*) FROM projections WHERE agent_id = '" + agent + "'"))
        .isZero();
    assertThat(await(db.store.events().verifyChain(agent)))
        .isInstanceOf(ChainVerification.Valid.class);
  }

  @Test
  void aRequeuedPassIsFinishedByTheNextWorkerAndTheAttemptsStartAgainAtTheNextWake()
      throws Exception {
    UUID agent = db.newAgent("second-worker");
    var w = wake(agent);
    await(db.store.lifecycle().endWake(agent, w.wakeId(), 0, TerminationReason.SLEEP, LEASE));
    await(db.store.lifecycle().claimMaintenance("dies", Duration.ZERO, 100));
    await(db.store.lifecycle().reapExpired(100));
    assertThat(await(db.store.lifecycle().claimMaintenance("lives", LEASE, 100)))
        .anyMatch(c -> c.agentId().equals(agent));
    assertThat(
            await(
                db.store
                    .lifecycle()
                    .finishMaintenance(agent, w.wakeId(), "id", "work", "sum", false, null)))
        .isInstanceOf(FinishResult.Finished.class);
    assertThat(db.count("SELECT maintenance_attempts FROM agents WHERE id = '" + agent + "'"))
        .isEqualTo(2);
    var next = wake(agent);
    await(db.store.lifecycle().endWake(agent, next.wakeId(), 0, TerminationReason.SLEEP, LEASE));
    assertThat(db.count("SELECT maintenance_attempts FROM agents WHERE id = '" + agent + "'"))
        .isZero();
  }

  @Test
  void timersAreSetByTheOwningWakeListedCancelledAndFiredOnce() throws Exception {
    UUID agent = db.newAgent("timed");
    var w = wake(agent);
    var due =
        (TimerRepository.SetResult.Set)
            await(
                db.store
                    .timers()
                    .set(agent, w.wakeId(), OffsetDateTime.now().minusSeconds(1), "check mail"));
    var later =
        (TimerRepository.SetResult.Set)
            await(
                db.store
                    .timers()
                    .set(agent, w.wakeId(), OffsetDateTime.now().plusHours(1), "later"));
    var cancelled =
        (TimerRepository.SetResult.Set)
            await(
                db.store
                    .timers()
                    .set(agent, w.wakeId(), OffsetDateTime.now().minusSeconds(1), "never"));
    assertThat(await(db.store.timers().cancel(agent, cancelled.id()))).isTrue();
    assertThat(await(db.store.timers().cancel(UUID.randomUUID(), later.id())))
        .as("not another agent's")
        .isFalse();
    assertThat(await(db.store.timers().pending(agent)))
        .extracting(TimerRepository.Timer::id)
        .containsExactly(due.id(), later.id());
    await(
        db.store
            .lifecycle()
            .endWake(agent, w.wakeId(), w.inboxSeq(), TerminationReason.SLEEP, LEASE));
    assertThat(await(db.store.timers().set(agent, w.wakeId(), OffsetDateTime.now(), "x")))
        .isInstanceOf(TimerRepository.SetResult.LeaseLost.class);

    var fired = await(db.store.timers().fireDue(100));
    assertThat(fired).extracting(TimerRepository.Fired::timerId).containsExactly(due.id());
    assertThat(await(db.store.timers().fireDue(100))).isEmpty();
    StoredEvent event = await(db.store.events().pageAfter(agent, fired.get(0).seq() - 1, 1)).get(0);
    assertThat(event.eventType()).isEqualTo("timer_fired");
    assertThat(event.content()).isEqualTo("check mail");
    assertThat(await(db.store.agents().find(agent)).orElseThrow().inboxSeq())
        .as("a timer wakes the agent")
        .isEqualTo(event.seq());
  }

  @Test
  void twoConcurrentFirersFireEachOfAThousandTimersExactlyOnce() throws Exception {
    List<UUID> agents = new ArrayList<>();
    for (int a = 0; a < 20; a++) {
      agents.add(db.newAgent("many-" + a));
    }
    db.execute(
        "INSERT INTO timers (agent_id, due_at, note) SELECT a.id, now() - interval '1 second', 't' || g"
            + " FROM generate_series(1, 50) g, agents a WHERE a.name LIKE 'many-%'");
    assertThat(db.count("SELECT count(*) FROM timers WHERE note LIKE 't%' AND fired_at IS NULL"))
        .isEqualTo(1000);

    List<TimerRepository.Fired> all = new ArrayList<>();
    while (true) {
      Future<List<TimerRepository.Fired>> one = db.store.timers().fireDue(37);
      Future<List<TimerRepository.Fired>> two = db.store.timers().fireDue(37);
      List<TimerRepository.Fired> batch = new ArrayList<>(await(one));
      batch.addAll(await(two));
      if (batch.isEmpty()) {
        break;
      }
      all.addAll(batch);
    }

    assertThat(all).hasSize(1000);
    assertThat(all.stream().map(TimerRepository.Fired::timerId).distinct().count()).isEqualTo(1000);
    assertThat(
            db.count(
                "SELECT count(*) FROM events WHERE event_type = 'timer_fired' AND content LIKE 't%'"))
        .isEqualTo(1000);
    for (UUID agent : agents) {
      assertThat(await(db.store.events().verifyChain(agent)))
          .isInstanceOf(ChainVerification.Valid.class);
    }
  }
}
