package org.openpincery.wake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vertx.core.json.JsonObject;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.openpincery.model.AgentStatus;
import org.openpincery.model.NewEvent;
import org.openpincery.model.PermissionMode;
import org.openpincery.model.SemanticStop;
import org.openpincery.model.StoredEvent;
import org.openpincery.store.AgentRepository.AgentPatch;
import org.openpincery.store.ApprovalRepository.DecideResult;
import org.openpincery.store.ApprovalRepository.Decision;
import org.openpincery.testkit.ScriptedModelServer.Gated;
import org.openpincery.testkit.ScriptedModelServer.Text;
import org.openpincery.testkit.ScriptedModelServer.ToolCalls;
import org.openpincery.testkit.TestPostgres;

/**
 * Supervision through the real wake loop (issue 17, docs/supervision.md): permission modes by
 * capability class, approvals (approve, deny, expire, racing deciders, replays), per-tool limits
 * and semantic stop — real PostgreSQL, the scripted model over real HTTP.
 */
class SupervisionTest {

  private static ToolCalls call(String name, String arguments) {
    return new ToolCalls(List.<String[]>of(new String[] {name, arguments}), 100, 20);
  }

  private static Text done(String text) {
    return new Text(text, "stop", 100, 20);
  }

  private static final String TIMER = "{\"in_seconds\": 3600, \"note\": \"approved timer\"}";

  // What each mode does with each class, written out (not derived from PermissionMode).
  private static final Map<String, Map<String, String>> EXPECTED =
      Map.of(
          "locked",
          Map.of(
              "read_local", "run",
              "write_local", "refused",
              "external", "refused",
              "destructive", "refused"),
          "supervised",
          Map.of(
              "read_local", "run",
              "write_local", "run",
              "external", "approval",
              "destructive", "approval"),
          "autonomous",
          Map.of(
              "read_local", "run",
              "write_local", "run",
              "external", "run",
              "destructive", "run"));

  @Test
  void eachModeRunsRefusesOrGatesEachCapabilityClassAsDocumented() throws Exception {
    for (String capability : List.of("read_local", "write_local", "external", "destructive")) {
      // list_timers stands for a tool of each class in turn: the loop decides by class alone.
      try (EngineFixture f =
          new EngineFixture(Map.of("TOOL_CAPABILITIES", "set_timer=" + capability))) {
        for (String mode : List.of("locked", "supervised", "autonomous")) {
          UUID agent = f.agent(mode + "-" + capability.replace('_', '-'));
          setMode(f, agent, mode);
          f.model.then(mode + "-" + capability, call("set_timer", TIMER));
          f.model.then(mode + "-" + capability, done("ok"));
          f.message(agent, "set a timer " + mode + "-" + capability);
          String expected = EXPECTED.get(mode).get(capability);
          String end = f.awaitWakeEnd(agent, 1);
          String what = mode + " × " + capability;
          List<StoredEvent> results = f.events(agent, "tool_result");
          assertThat(results).as(what).hasSize(1);
          switch (expected) {
            case "run" -> {
              assertThat(end).as(what).isEqualTo("completed");
              assertThat(results.getFirst().payload().getBoolean("ok")).as(what).isTrue();
              assertThat(f.store.timers().pending(agent).await()).as(what).hasSize(1);
              assertThat(f.events(agent, "tool_capability_denied")).as(what).isEmpty();
              assertThat(f.events(agent, "approval_requested")).as(what).isEmpty();
            }
            case "refused" -> {
              assertThat(end).as(what).isEqualTo("completed");
              assertThat(results.getFirst().toolOutput())
                  .as(what)
                  .startsWith("error: not run: set_timer is a " + capability)
                  .contains("permission mode is " + mode);
              assertThat(f.events(agent, "tool_capability_denied"))
                  .as(what)
                  .singleElement()
                  .satisfies(
                      e -> {
                        assertThat(e.payload().getString("capability")).isEqualTo(capability);
                        assertThat(e.payload().getString("permission_mode")).isEqualTo(mode);
                      });
              assertThat(f.store.timers().pending(agent).await()).as(what).isEmpty();
            }
            case "approval" -> {
              assertThat(end).as(what).isEqualTo("awaiting_approval");
              StoredEvent requested =
                  f.events(agent, "approval_requested").stream().findFirst().orElseThrow();
              assertThat(requested.payload().getString("capability")).isEqualTo(capability);
              assertThat(requested.payload().getJsonObject("arguments").getString("note"))
                  .isEqualTo("approved timer");
              assertThat(results.getFirst().toolOutput())
                  .startsWith(
                      "waiting for approval " + requested.payload().getString("approval_id"));
              assertThat(
                      f.events(agent, "wake_end")
                          .getFirst()
                          .payload()
                          .getJsonArray("approvals")
                          .getString(0))
                  .isEqualTo(requested.payload().getString("approval_id"));
              assertThat(
                      f.count(
                          "SELECT count(*) FROM approvals WHERE agent_id = '"
                              + agent
                              + "' AND status = 'pending'"))
                  .isEqualTo(1);
              assertThat(f.store.timers().pending(agent).await()).as(what).isEmpty();
              // The lease is released: the agent is in maintenance, then asleep, not held.
              assertThat(f.state(agent).status()).isEqualTo(AgentStatus.MAINTENANCE);
            }
            default -> throw new AssertionError(expected);
          }
          // The system message said what the mode means before any call was made.
          String system =
              f.model.requests().stream()
                  .filter(r -> r.encode().contains(mode + "-" + capability))
                  .findFirst()
                  .orElseThrow()
                  .getJsonArray("messages")
                  .getJsonObject(0)
                  .getString("content");
          assertThat(system).contains("Your permission mode is " + mode + ".");
        }
      }
    }
  }

  @Test
  void anApprovedCallRunsOnceInTheNextWakeAndItsResultReachesTheModel() throws Exception {
    try (EngineFixture f = supervisedTimers()) {
      UUID agent = f.agent("asker");
      f.model.then(call("set_timer", TIMER)).then(done("waiting"));
      f.message(agent, "set a timer");
      assertThat(f.awaitWakeEnd(agent, 1)).isEqualTo("awaiting_approval");
      f.finishMaintenance(agent);
      UUID approval = approvalOf(f, agent);

      f.model.then(done("the timer is set"));
      assertThat(decide(f, approval, "approved", "go ahead")).isEqualTo("decided");
      assertThat(f.awaitWakeEnd(agent, 2)).isEqualTo("completed");

      assertThat(f.store.timers().pending(agent).await())
          .singleElement()
          .satisfies(t -> assertThat(t.note()).isEqualTo("approved timer"));
      StoredEvent result = f.events(agent, "tool_result").getLast();
      assertThat(result.payload().getString("approval_id")).isEqualTo(approval.toString());
      assertThat(result.payload().getBoolean("ok")).isTrue();
      assertThat(
              f.count(
                  "SELECT count(*) FROM approvals WHERE id = '"
                      + approval
                      + "' AND execution = 'executed' AND settled_at IS NOT NULL"))
          .isEqualTo(1);
      // The model saw the decision (with the person's note) and its call's result, tied to it.
      String shown = f.model.requests().getLast().getJsonArray("messages").encode();
      assertThat(shown)
          .contains("[approval decision]")
          .contains("An operator approved your call of set_timer")
          .contains("go ahead")
          .contains("\"tool_call_id\":\"call_0\"")
          .contains("due_at");
      // Replayed: refused, nothing more happens.
      assertThat(decide(f, approval, "approved", "again")).isEqualTo("already_decided");
      assertThat(decide(f, approval, "denied", "changed my mind")).isEqualTo("already_decided");
      assertThat(f.events(agent, "approval_decided")).hasSize(1);
      assertThat(f.store.timers().pending(agent).await()).hasSize(1);
      assertThat(f.store.events().verifyChain(agent).await())
          .isInstanceOf(org.openpincery.store.ChainVerification.Valid.class);
    }
  }

  @Test
  void aWakeForOtherInputIsToldWhichCallsStillWaitForAPerson() throws Exception {
    try (EngineFixture f = supervisedTimers()) {
      UUID agent = f.agent("reminded");
      f.model.then(call("set_timer", TIMER)).then(done("waiting"));
      f.message(agent, "set a timer");
      assertThat(f.awaitWakeEnd(agent, 1)).isEqualTo("awaiting_approval");
      f.finishMaintenance(agent);
      UUID approval = approvalOf(f, agent);

      f.model.then(done("still waiting for that approval"));
      f.message(agent, "anything new?");
      assertThat(f.awaitWakeEnd(agent, 2)).isEqualTo("completed");
      String system =
          f.model
              .requests()
              .getLast()
              .getJsonArray("messages")
              .getJsonObject(0)
              .getString("content");
      assertThat(system)
          .contains("Waiting for a person's decision: set_timer (approval " + approval)
          .contains("Do not make these calls again");
      assertThat(f.count("SELECT count(*) FROM approvals WHERE status = 'pending'")).isEqualTo(1);
    }
  }

  @Test
  void aDenialIsAnsweredToTheModelWithTheNoteAndNothingRuns() throws Exception {
    try (EngineFixture f = supervisedTimers()) {
      UUID agent = f.agent("denied");
      f.model.then(call("set_timer", TIMER)).then(done("waiting"));
      f.message(agent, "set a timer");
      assertThat(f.awaitWakeEnd(agent, 1)).isEqualTo("awaiting_approval");
      f.finishMaintenance(agent);
      UUID approval = approvalOf(f, agent);

      f.model.then(done("understood"));
      assertThat(decide(f, approval, "denied", "not this week")).isEqualTo("decided");
      assertThat(f.awaitWakeEnd(agent, 2)).isEqualTo("completed");

      assertThat(f.store.timers().pending(agent).await()).isEmpty();
      StoredEvent result = f.events(agent, "tool_result").getLast();
      assertThat(result.toolOutput())
          .isEqualTo(
              "error: an operator denied this call; it did not run. Their note: not this week");
      assertThat(result.payload().getBoolean("ok")).isFalse();
      assertThat(
              f.count(
                  "SELECT count(*) FROM approvals WHERE id = '"
                      + approval
                      + "' AND execution = 'answered'"))
          .isEqualTo(1);
      assertThat(f.model.requests().getLast().encode()).contains("not this week");
    }
  }

  @Test
  void anExpiredRequestIsAnsweredAsNotApprovedAndCanNoLongerBeApproved() throws Exception {
    try (EngineFixture f =
        new EngineFixture(
            Map.of("TOOL_CAPABILITIES", "set_timer=destructive", "APPROVAL_TTL_SECONDS", "1"))) {
      UUID agent = f.agent("patient");
      f.model.then(call("set_timer", TIMER)).then(done("waiting"));
      f.message(agent, "set a timer");
      assertThat(f.awaitWakeEnd(agent, 1)).isEqualTo("awaiting_approval");
      f.finishMaintenance(agent);
      UUID approval = approvalOf(f, agent);

      f.model.then(done("noted"));
      // The scheduler's sweep, as it runs it: expires the request once it is due.
      await()
          .atMost(Duration.ofSeconds(10))
          .pollInterval(Duration.ofMillis(50))
          .until(() -> f.store.timers().expireApprovals(10).await() == 1);
      assertThat(f.awaitWakeEnd(agent, 2)).isEqualTo("completed");
      assertThat(decide(f, approval, "approved", "too late")).isEqualTo("already_decided");
      assertThat(f.store.timers().pending(agent).await()).isEmpty();
      StoredEvent decided = f.events(agent, "approval_decided").getFirst();
      assertThat(decided.payload().getString("decision")).isEqualTo("expired");
      assertThat(decided.source()).isEqualTo("runtime");
      assertThat(f.events(agent, "tool_result").getLast().toolOutput())
          .startsWith("error: nobody approved this call before its request expired");
    }
  }

  @RepeatedTest(3)
  void decidersRacingOneRequestDecideItOnceAndTheCallRunsOnce() throws Exception {
    try (EngineFixture f = supervisedTimers()) {
      UUID agent = f.agent("contested");
      f.model.then(call("set_timer", TIMER)).then(done("waiting"));
      f.message(agent, "set a timer");
      assertThat(f.awaitWakeEnd(agent, 1)).isEqualTo("awaiting_approval");
      f.finishMaintenance(agent);
      UUID approval = approvalOf(f, agent);
      f.model.then(done("set"));

      int racers = 8;
      CountDownLatch start = new CountDownLatch(1);
      ExecutorService pool = Executors.newFixedThreadPool(racers);
      List<Future<String>> outcomes = new ArrayList<>();
      for (int i = 0; i < racers; i++) {
        String decision = i % 2 == 0 ? "approved" : "denied";
        outcomes.add(
            pool.submit(
                () -> {
                  start.await();
                  return decide(f, approval, decision, "racer");
                }));
      }
      start.countDown();
      List<String> answers = new ArrayList<>();
      for (Future<String> o : outcomes) {
        answers.add(o.get());
      }
      pool.shutdown();
      assertThat(answers).filteredOn("decided"::equals).hasSize(1);
      assertThat(answers).filteredOn("already_decided"::equals).hasSize(racers - 1);
      assertThat(f.awaitWakeEnd(agent, 2)).isEqualTo("completed");
      assertThat(f.events(agent, "approval_decided")).hasSize(1);
      String status =
          f.events(agent, "approval_decided").getFirst().payload().getString("decision");
      assertThat(f.store.timers().pending(agent).await())
          .hasSize("approved".equals(status) ? 1 : 0);
      assertThat(
              f.events(agent, "tool_result").stream()
                  .filter(e -> approval.toString().equals(e.payload().getString("approval_id")))
                  .filter(e -> !e.toolOutput().startsWith("waiting for approval")))
          .hasSize(1);
    }
  }

  @Test
  void aCallStartedByAWakeThatDiedIsAnsweredAsInterruptedAndNeverRunAgain() throws Exception {
    try (EngineFixture f = supervisedTimers()) {
      UUID agent = f.agent("interrupted");
      f.model.then(call("set_timer", TIMER)).then(done("waiting"));
      f.message(agent, "set a timer");
      assertThat(f.awaitWakeEnd(agent, 1)).isEqualTo("awaiting_approval");
      f.finishMaintenance(agent);
      UUID approval = approvalOf(f, agent);
      // A worker started the approved call and died before its result was recorded: its start
      // was committed (as the loop commits it before running a call) under a wake now gone.
      try (var c = TestPostgres.connect(f.url);
          var st =
              c.prepareStatement(
                  "UPDATE agents SET is_enabled = false, disabled_reason = 'test hold' WHERE id = ?")) {
        st.setObject(1, agent);
        st.executeUpdate();
      }
      assertThat(decide(f, approval, "approved", "go")).isEqualTo("decided");
      UUID deadWake = UUID.randomUUID();
      exec(
          f,
          "UPDATE approvals SET execution = 'running', executing_wake_id = '"
              + deadWake
              + "' WHERE id = '"
              + approval
              + "'");
      f.model.then(done("I will check"));
      exec(
          f,
          "UPDATE agents SET is_enabled = true, disabled_reason = NULL WHERE id = '" + agent + "'");
      f.message(agent, "what happened?");
      assertThat(f.awaitWakeEnd(agent, 2)).isEqualTo("completed");
      assertThat(f.store.timers().pending(agent).await()).isEmpty();
      assertThat(f.events(agent, "tool_result").getLast().toolOutput())
          .contains("started by an earlier wake that stopped before its result was recorded")
          .contains("not run again");
      assertThat(
              f.count(
                  "SELECT count(*) FROM approvals WHERE id = '"
                      + approval
                      + "' AND execution = 'interrupted'"))
          .isEqualTo(1);
    }
  }

  @Test
  void aToolCalledMoreThanItsPerWakeLimitEndsTheWakeNamingTheTool() throws Exception {
    try (EngineFixture f = new EngineFixture(Map.of("TOOL_CALL_LIMITS", "list_timers=2"))) {
      UUID agent = f.agent("repetitive");
      for (int i = 0; i < 4; i++) {
        f.model.then(call("list_timers", "{}"));
      }
      f.message(agent, "list your timers, again and again");
      assertThat(f.awaitWakeEnd(agent, 1)).isEqualTo("tool_call_limit");
      JsonObject end = f.events(agent, "wake_end").getFirst().payload();
      assertThat(end.getString("tool")).isEqualTo("list_timers");
      assertThat(end.getInteger("limit")).isEqualTo(2);
      assertThat(f.events(agent, "tool_result")).hasSize(2);
      assertThat(f.model.requests()).hasSize(3);
    }
  }

  @Test
  void stopEndsTheWakeAfterItsStepTimersAndWebhooksWaitAndCarryOnResumesWithAllOfThem()
      throws Exception {
    try (EngineFixture f = new EngineFixture()) {
      UUID agent = f.agent("obedient");
      UUID sentinel = f.agent("sentinel");
      CompletableFuture<Void> gate = new CompletableFuture<>();
      f.model.then(new Gated(gate, call("list_timers", "{}")));
      f.message(agent, "work on it");
      assertThat(f.model.awaitRequest(10_000)).isNotNull();
      // "stop" arrives while the model thinks: the step finishes (its tool runs), then it sleeps.
      control(f, agent, "stop");
      assertThat(f.state(agent).enabled()).isFalse();
      gate.complete(null);
      assertThat(f.awaitWakeEnd(agent, 1)).isEqualTo("stopped");
      assertThat(f.events(agent, "tool_result")).hasSize(1);
      assertThat(f.model.requests()).hasSize(1);
      f.finishMaintenance(agent);

      // While stopped: a timer fires and a webhook arrives; both are recorded, neither wakes it.
      f.store
          .timers()
          .add(
              f.store.pool(),
              f.workspace,
              agent,
              java.time.OffsetDateTime.now().minusSeconds(1),
              "tick")
          .await()
          .orElseThrow();
      assertThat(f.store.timers().fireDue(10).await()).hasSize(1);
      f.store.webhooks().receive(agent, "hook-1", "github", "push to main", null).await();
      f.message(agent, "an ordinary message");
      // The worker is free and awake: a sentinel's wake runs to its end meanwhile.
      f.model.then("sentinel", done("sentinel done"));
      f.message(sentinel, "sentinel");
      assertThat(f.awaitWakeEnd(sentinel, 1)).isEqualTo("completed");
      assertThat(f.events(agent, "wake_start")).hasSize(1);
      assertThat(f.events(agent, "timer_fired")).hasSize(1);
      assertThat(f.events(agent, "webhook_received")).hasSize(1);

      f.model.then("carry on", done("resumed"));
      control(f, agent, "carry on");
      assertThat(f.awaitWakeEnd(agent, 2)).isEqualTo("completed");
      String shown = String.join("\n", EngineFixture.userTexts(f.model.requests().getLast()));
      assertThat(shown)
          .contains("[timer: tick]")
          .contains("push to main")
          .contains("an ordinary message")
          .contains("carry on");
      assertThat(f.state(agent).enabled()).isTrue();
    }
  }

  @Test
  void carryOnDoesNotEnableAnAgentAnOperatorDisabled() throws Exception {
    try (EngineFixture f = new EngineFixture()) {
      UUID agent = f.agent("held");
      exec(
          f,
          "UPDATE agents SET is_enabled = false, disabled_reason = 'operator' WHERE id = '"
              + agent
              + "'");
      control(f, agent, "carry on");
      assertThat(f.state(agent).enabled()).isFalse();
      assertThat(
              f.count(
                  "SELECT count(*) FROM agents WHERE id = '"
                      + agent
                      + "' AND disabled_reason = 'operator'"))
          .isEqualTo(1);
    }
  }

  private static EngineFixture supervisedTimers() {
    return new EngineFixture(Map.of("TOOL_CAPABILITIES", "set_timer=external"));
  }

  // A person's message as the gateway records it: classified by SemanticStop.
  private static void control(EngineFixture f, UUID agent, String text) {
    String control = SemanticStop.of(text).orElseThrow().wire();
    f.store
        .events()
        .append(
            agent,
            NewEvent.messageReceived("person", text)
                .withPayload(new JsonObject().put("control", control)))
        .await();
  }

  private static void setMode(EngineFixture f, UUID agent, String mode) {
    f.store
        .agents()
        .update(
            f.workspace,
            agent,
            new AgentPatch(
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                Optional.of(PermissionMode.fromWire(mode).orElseThrow())))
        .await();
  }

  private static UUID approvalOf(EngineFixture f, UUID agent) {
    return UUID.fromString(
        f.events(agent, "approval_requested").getFirst().payload().getString("approval_id"));
  }

  // An operator's decision, as the API makes it (the store's decide).
  private static String decide(EngineFixture f, UUID approval, String decision, String note) {
    DecideResult result =
        f.store
            .approvals()
            .decide(
                f.workspace,
                approval,
                null,
                "approved".equals(decision) ? Decision.APPROVED : Decision.DENIED,
                note)
            .await();
    return switch (result) {
      case DecideResult.Decided d -> "decided";
      case DecideResult.Expired e -> "expired";
      case DecideResult.AlreadyDecided a -> "already_decided";
      case DecideResult.AgentDeleted d -> "agent_deleted";
      case DecideResult.NotFound n -> "not_found";
    };
  }

  private static void exec(EngineFixture f, String sql) throws SQLException {
    try (var c = TestPostgres.connect(f.url);
        var st = c.createStatement()) {
      st.executeUpdate(sql);
    }
  }
}
