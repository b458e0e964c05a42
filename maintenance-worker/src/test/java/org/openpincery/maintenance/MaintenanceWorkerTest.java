package org.openpincery.maintenance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openpincery.model.AgentStatus;
import org.openpincery.model.EventType;
import org.openpincery.model.NewEvent;
import org.openpincery.model.StoredEvent;
import org.openpincery.model.TerminationReason;
import org.openpincery.store.ClaimResult;
import org.openpincery.store.Store;
import org.openpincery.store.WakeRepository;
import org.openpincery.testkit.ScriptedModelServer;

/** Maintenance passes against real PostgreSQL and the scripted model over real HTTP. */
class MaintenanceWorkerTest {

  private final MaintenanceFixture f =
      new MaintenanceFixture(Map.of("LLM_MAINTENANCE_MODEL", "scripted-maintenance"));
  private final ScriptedModelServer model = f.model;
  private final Store store = f.store;
  private final List<MaintenancePass.Outcome> outcomes = f.outcomes;
  private final UUID workspace = f.workspace;

  @AfterEach
  void close() {
    f.close();
  }

  /** A wake that ran one tool and ended with sleep, leaving the agent in maintenance. */
  private UUID agentAfterAWake(String name, boolean messageAfterwards) {
    UUID agent = store.agents().createAgent(workspace, name, "s", null).await();
    store.events().append(agent, NewEvent.messageReceived("person", "water the plants")).await();
    var claimed =
        (ClaimResult.Claimed) store.lifecycle().claim(agent, "test", Duration.ofMinutes(1)).await();
    List<WakeRepository.StepEvent> events =
        List.of(
            WakeRepository.StepEvent.own(
                new NewEvent(
                    EventType.TOOL_CALL,
                    "agent",
                    null,
                    "set_timer",
                    new JsonObject().put("in_seconds", 3600).put("note", "plants"),
                    null,
                    null,
                    null)),
            WakeRepository.StepEvent.own(
                new NewEvent(
                    EventType.TOOL_RESULT,
                    "runtime",
                    null,
                    "set_timer",
                    null,
                    "{\"id\":\"t1\"}",
                    null,
                    null)));
    if (messageAfterwards) {
      store.events().append(agent, NewEvent.messageReceived("person", "and the lawn")).await();
    }
    var ended =
        store
            .wakes()
            .step(
                new WakeRepository.Step(
                    agent,
                    claimed.wakeId(),
                    Duration.ofMinutes(1),
                    null,
                    events,
                    TerminationReason.SLEEP,
                    claimed.inboxSeq(),
                    Duration.ofMinutes(1)))
            .await();
    assertThat(ended).isInstanceOf(WakeRepository.StepResult.Committed.class);
    return agent;
  }

  private List<StoredEvent> events(UUID agent) {
    return store.events().pageAfter(agent, 0, 1000).await();
  }

  private void awaitAsleep(UUID agent) {
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () -> store.agents().find(agent).await().orElseThrow().status() == AgentStatus.ASLEEP);
  }

  @Test
  void writesTheNextProjectionFromTheWholeTranscriptAndReturnsTheAgentToSleep() {
    model.thenText(
        "```json\n{\"identity\": \"I look after the garden.\", \"work_list\": \"- check plants at 9\","
            + " \"summary\": \"Set a timer for the plants.\"}\n```");
    UUID agent = agentAfterAWake("gardener", false);
    awaitAsleep(agent);

    var projection = store.agents().latestProjection(agent).await().orElseThrow();
    assertThat(projection.version()).isEqualTo(1);
    assertThat(projection.identity()).isEqualTo("I look after the garden.");
    assertThat(projection.workList()).isEqualTo("- check plants at 9");
    assertThat(projection.summary()).isEqualTo("Set a timer for the plants.");
    assertThat(events(agent).getLast().eventType()).isEqualTo("maintenance_completed");

    JsonObject request = model.requests().getFirst();
    assertThat(request.getString("model")).isEqualTo("scripted-maintenance");
    assertThat(request.containsKey("tools")).isFalse();
    String prompt = request.getJsonArray("messages").encode();
    assertThat(prompt)
        .contains("water the plants")
        .contains("tool_call from agent set_timer input=")
        .contains("\\\"in_seconds\\\":3600")
        .contains("→ {\\\"id\\\":\\\"t1\\\"}")
        .contains("(reason: sleep)");
  }

  @Test
  void anUnusableAnswerKeepsThePreviousValuesAndSaysSo() {
    model.thenText(
        "{\"identity\": \"First me.\", \"work_list\": \"first list\", \"summary\": \"one\"}");
    UUID agent = agentAfterAWake("stubborn", false);
    awaitAsleep(agent);

    // A second wake, whose maintenance answer is prose.
    model.thenText("I have updated the memory as requested.");
    f.wakeAndEnd(agent);
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> events(agent).getLast().eventType().equals("maintenance_failed"));
    awaitAsleep(agent);

    var projection = store.agents().latestProjection(agent).await().orElseThrow();
    assertThat(projection.version()).isEqualTo(2);
    assertThat(projection.identity()).isEqualTo("First me.");
    assertThat(projection.workList()).isEqualTo("first list");
    StoredEvent failed = events(agent).getLast();
    assertThat(failed.payload().getString("reason")).contains("not the JSON object");
    assertThat(outcomes)
        .extracting(MaintenancePass.Outcome::result)
        .containsExactly("updated", "kept_previous");
  }

  @Test
  void workThatArrivedDuringTheWakeIsPendingAgainAtOnce() {
    model.thenText("{\"identity\": \"i\", \"work_list\": \"w\", \"summary\": \"s\"}");
    UUID agent = agentAfterAWake("busy", true);
    awaitAsleep(agent);
    assertThat(store.lifecycle().findPending(100).await()).contains(agent);
  }
}
