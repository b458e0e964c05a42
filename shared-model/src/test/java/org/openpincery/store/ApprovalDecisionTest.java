package org.openpincery.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.openpincery.store.StoreFixture.await;

import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.openpincery.model.Approval;
import org.openpincery.model.Capability;
import org.openpincery.model.TerminationReason;
import org.openpincery.notify.Channel;
import org.openpincery.notify.NotificationListener;
import org.openpincery.store.ApprovalRepository.DecideResult;
import org.openpincery.store.ApprovalRepository.Decision;
import org.openpincery.store.WakeRepository.ApprovalChange;
import org.openpincery.store.WakeRepository.Step;

/**
 * The operator's side of {@link ApprovalRepository} on a real PostgreSQL: a decision is taken once
 * in the caller's workspace only, and listeners hear of it after the commit (its event, and work
 * for the agent). Requests are made by the real claim and wake step.
 */
class ApprovalDecisionTest {

  @Test
  void aDecisionIsTakenOnceAndListenersHearOfItAfterTheCommit() throws Exception {
    try (StoreFixture f = new StoreFixture(4)) {
      List<String> woken = new CopyOnWriteArrayList<>();
      List<String> appended = new CopyOnWriteArrayList<>();
      f.vertx.eventBus().<String>localConsumer(Channel.WAKE.address(), m -> woken.add(m.body()));
      f.vertx
          .eventBus()
          .<String>localConsumer(Channel.EVENTS.address(), m -> appended.add(m.body()));
      NotificationListener listener =
          new NotificationListener(
              f.vertx,
              Database.connectOptions(f.url, "approvals-test-listen"),
              Set.of(Channel.WAKE, Channel.EVENTS),
              v -> {});
      await(listener.start());
      try {
        UUID agent = f.newAgent("asker");
        UUID workspace = await(f.store.agents().find(agent)).orElseThrow().workspaceId();
        UUID user = person(f, "ops@example.com", "Ops");
        UUID id = request(f, agent, Duration.ofHours(1));

        ApprovalRepository scoped = f.store.inWorkspace(workspace).approvals();
        Approval before = await(scoped.get(workspace, id)).orElseThrow();
        assertThat(before.pending()).isTrue();
        assertThat(before.agentName()).isEqualTo("asker");
        assertThat(before.capability()).isEqualTo(Capability.DESTRUCTIVE);
        assertThat(before.arguments()).isEqualTo(new JsonObject().put("path", "/work/all"));

        var result = await(scoped.decide(workspace, id, user, Decision.APPROVED, "once"));
        assertThat(result).isInstanceOf(DecideResult.Decided.class);
        var decided = (DecideResult.Decided) result;
        assertThat(decided.approval().status()).isEqualTo("approved");
        assertThat(decided.approval().decidedBy()).isEqualTo(user);
        assertThat(decided.approval().note()).isEqualTo("once");
        assertThat(decided.pending()).isTrue();
        await()
            .atMost(Duration.ofSeconds(10))
            .until(
                () ->
                    woken.contains(agent.toString())
                        && appended.contains(agent + ":" + decided.seq()));

        var again = await(scoped.decide(workspace, id, user, Decision.DENIED, null));
        assertThat(again)
            .isEqualTo(
                new DecideResult.AlreadyDecided(
                    "approved", user, "Ops", decided.approval().decidedAt()));
      } finally {
        await(listener.stop());
      }
    }
  }

  @Test
  void anotherWorkspacesRequestIsNotFoundScopedOrNot() throws Exception {
    try (StoreFixture f = new StoreFixture(4)) {
      UUID agent = f.newAgent("theirs");
      UUID mine = await(f.store.agents().createWorkspace("mine"));
      UUID user = person(f, "me@example.com", "Me");
      UUID id = request(f, agent, Duration.ofHours(1));

      assertThat(await(f.store.approvals().decide(mine, id, user, Decision.APPROVED, null)))
          .isInstanceOf(DecideResult.NotFound.class);
      assertThat(
              await(
                  f.store
                      .inWorkspace(mine)
                      .approvals()
                      .decide(mine, id, user, Decision.APPROVED, null)))
          .isInstanceOf(DecideResult.NotFound.class);
      assertThat(await(f.store.inWorkspace(mine).approvals().get(id))).isEmpty();
      assertThat(await(f.store.approvals().get(mine, id))).isEmpty();
      assertThat(await(f.store.approvals().get(id))).isPresent();
      assertThat(await(f.store.inWorkspace(mine).approvals().list(mine, null, null, 50, null)))
          .isEmpty();
      assertThat(f.count("SELECT count(*) FROM approvals WHERE status = 'pending'")).isEqualTo(1);
    }
  }

  // A person who may decide: the installation's first user, made by the real bootstrap.
  private static UUID person(StoreFixture f, String email, String name) {
    var made =
        await(
            f.store
                .auth()
                .bootstrap(email, name, "installation", new byte[32], Duration.ofHours(1)));
    return ((AuthRepository.BootstrapResult.Bootstrapped) made).userId();
  }

  // One gated call's request, committed by the wake step of a wake claimed the real way.
  private static UUID request(StoreFixture f, UUID agent, Duration ttl) {
    var claimed =
        (ClaimResult.Claimed) await(f.store.lifecycle().claim(agent, "test", StoreFixture.LEASE));
    UUID id = UUID.randomUUID();
    var step =
        new Step(
            agent,
            claimed.wakeId(),
            StoreFixture.LEASE,
            null,
            List.of(),
            TerminationReason.AWAITING_APPROVAL,
            claimed.inboxSeq(),
            StoreFixture.LEASE,
            List.of(),
            false,
            List.of(
                new ApprovalChange.Request(
                    id,
                    "call_1",
                    "wipe",
                    "destructive",
                    new JsonObject().put("path", "/work/all"),
                    ttl)),
            null);
    assertThat(await(f.store.wakes().step(step)))
        .isInstanceOf(WakeRepository.StepResult.Committed.class);
    return id;
  }
}
