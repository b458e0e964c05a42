package org.openpincery.wake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.openpincery.testkit.ScriptedModelServer.Gated;
import org.openpincery.testkit.ScriptedModelServer.Text;
import org.openpincery.testkit.ScriptedModelServer.ToolCalls;

/**
 * A wake that loses its lease after committing a step: the wake that takes its work over is shown
 * the same input again and, after it, what the interrupted wake already did — so it goes on instead
 * of repeating its acts.
 */
class InterruptedWakeTest {

  @RepeatedTest(3)
  void theNextWakeIsShownTheInterruptedWakesCommittedStepsAfterItsInput() throws Exception {
    try (EngineFixture f = new EngineFixture()) {
      UUID agent = f.agent("resumed");
      CompletableFuture<Void> lateAnswer = new CompletableFuture<>();
      f.model.then(
          new ToolCalls(
              List.<String[]>of(
                  new String[] {"set_timer", "{\"in_seconds\":3600,\"note\":\"check the build\"}"}),
              100,
              20));
      f.model.then(new Gated(lateAnswer, new Text("too late", "stop", 10, 5)));
      f.model.thenText("the timer is already set; nothing more to do");
      f.message(agent, "remind me in an hour to check the build");

      // The first wake committed its set_timer step and waits for its second answer.
      await().atMost(Duration.ofSeconds(30)).until(() -> f.model.requests().size() >= 2);
      assertThat(f.events(agent, "tool_result")).hasSize(1);
      UUID firstWake = f.state(agent).wakeId();

      // Its lease runs out (database time moved on) and the reaper takes the wake away.
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> {
                f.count(
                    "WITH expired AS (UPDATE agents SET lease_expires_at = now()"
                        + " - interval '1 second' WHERE id = '"
                        + agent
                        + "' AND wake_id = '"
                        + firstWake
                        + "' RETURNING 1) SELECT count(*) FROM expired");
                return !f.store.lifecycle().reapExpired(10).await().isEmpty();
              });

      // The input is pending again: a second wake starts and asks the model.
      await().atMost(Duration.ofSeconds(30)).until(() -> f.model.requests().size() >= 3);
      lateAnswer.complete(null);
      f.awaitWakeEnd(agent, 1);

      JsonObject resumed = f.model.requests().get(2);
      List<JsonObject> messages = messages(resumed);
      int input = indexOf(messages, "user", "remind me in an hour");
      int note = indexOf(messages, "user", InterruptedWake.NOTE);
      int call = toolCallIndex(messages, "set_timer");
      int result = indexOf(messages, "tool", "[result of tool set_timer]");
      assertThat(input).as("the pending input is shown again").isNotNegative();
      assertThat(note).as("then the note").isGreaterThan(input);
      assertThat(call).as("then the committed call").isGreaterThan(note);
      assertThat(result).as("and its result").isEqualTo(call + 1);
      String callId =
          messages.get(call).getJsonArray("tool_calls").getJsonObject(0).getString("id");
      assertThat(messages.get(result).getString("tool_call_id")).isEqualTo(callId);

      // The first wake's late answer wrote nothing; the second wake ended the work.
      assertThat(f.events(agent, "wake_end"))
          .singleElement()
          .satisfies(e -> assertThat(e.wakeId()).isNotEqualTo(firstWake));
      assertThat(f.events(agent, "assistant_message"))
          .extracting(e -> e.content())
          .containsExactly("the timer is already set; nothing more to do");
      assertThat(f.store.timers().pending(agent).await()).hasSize(1);
    }
  }

  @Test
  void aWakeAfterACompletedOneIsShownNothingOfIt() throws Exception {
    try (EngineFixture f = new EngineFixture()) {
      UUID agent = f.agent("plain");
      f.model.then(
          new ToolCalls(
              List.<String[]>of(new String[] {"set_timer", "{\"in_seconds\":60,\"note\":\"n\"}"}),
              100,
              20));
      f.model.thenText("done");
      f.model.thenText("hello again");
      f.message(agent, "first");
      f.awaitWakeEnd(agent, 1);
      f.finishMaintenance(agent);
      f.message(agent, "second");
      f.awaitWakeEnd(agent, 2);
      JsonObject second = f.model.requests().get(2);
      assertThat(indexOf(messages(second), "user", InterruptedWake.NOTE)).isNegative();
      assertThat(toolCallIndex(messages(second), "set_timer")).isNegative();
    }
  }

  @Test
  void aToolCallWithoutAResultIsShownAsUnknown() {
    var call =
        new org.openpincery.model.StoredEvent(
            UUID.randomUUID(),
            7,
            UUID.randomUUID(),
            "tool_call",
            "agent",
            UUID.randomUUID(),
            null,
            "shell",
            new JsonObject().put("command", "deploy"),
            null,
            null,
            new JsonObject().put("call_id", "c1"),
            null);
    var turns = InterruptedWake.turns(List.of(call));
    assertThat(turns).hasSize(2);
    assertThat(turns.get(1).turn())
        .isInstanceOfSatisfying(
            org.openpincery.reasoner.prompt.Turn.ToolExchange.class,
            t -> {
              assertThat(t.calls().getFirst().arguments()).contains("deploy");
              assertThat(t.results()).containsExactly(InterruptedWake.NO_RESULT);
            });
  }

  private static List<JsonObject> messages(JsonObject request) {
    JsonArray array = request.getJsonArray("messages");
    return array.stream().map(JsonObject.class::cast).toList();
  }

  private static int indexOf(List<JsonObject> messages, String role, String text) {
    for (int i = 0; i < messages.size(); i++) {
      JsonObject m = messages.get(i);
      if (role.equals(m.getString("role"))
          && m.getValue("content") instanceof String content
          && content.contains(text)) {
        return i;
      }
    }
    return -1;
  }

  private static int toolCallIndex(List<JsonObject> messages, String tool) {
    for (int i = 0; i < messages.size(); i++) {
      JsonArray calls = messages.get(i).getJsonArray("tool_calls");
      if (calls != null
          && calls.stream()
              .map(JsonObject.class::cast)
              .anyMatch(c -> tool.equals(c.getJsonObject("function").getString("name")))) {
        return i;
      }
    }
    return -1;
  }
}
