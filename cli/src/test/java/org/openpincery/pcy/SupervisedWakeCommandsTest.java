package org.openpincery.pcy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openpincery.standalone.CliStack;
import org.openpincery.testkit.ScriptedModelServer;
import org.openpincery.testkit.ScriptedModelServer.Text;
import org.openpincery.testkit.ScriptedModelServer.ToolCalls;

/**
 * {@code pcy approvals} through the real wake loop: a supervised agent whose {@code set_timer} is
 * classed {@code external} here ({@code TOOL_CAPABILITIES}) asks the scripted model's call to wait
 * for a person; {@code pcy approvals approve} wakes it, the call runs once (the timer is set) and
 * the listing shows it executed.
 */
class SupervisedWakeCommandsTest {

  private static final String ASK = "please set the reminder";

  @TempDir static Path home;

  private static ScriptedModelServer model;
  private static CliStack stack;
  private static Cli owner;

  @BeforeAll
  static void start() {
    model = ScriptedModelServer.start().otherwise(SupervisedWakeCommandsTest::answer);
    stack = CliStack.start(model.baseUrl(), Map.of("TOOL_CAPABILITIES", "set_timer=external"));
    owner = new Cli(stack.url(), home.resolve("owner").resolve("config.json"));
    var boot = owner.run("bootstrap", "--bootstrap-token", CliStack.BOOTSTRAP_TOKEN);
    assertThat(boot.exit()).as(boot.toString()).isZero();
  }

  @AfterAll
  static void stop() {
    stack.close();
    model.close();
  }

  /** Calls set_timer when asked (not after a tool's answer); maintains in kind; else text. */
  private static ScriptedModelServer.Turn answer(JsonObject request) {
    if (!request.containsKey("tools")) {
      return new Text(
          new JsonObject()
              .put("identity", "a supervised agent")
              .put("work_list", "nothing")
              .put("summary", "asked for a timer")
              .encode(),
          "stop",
          50,
          10);
    }
    JsonArray messages = request.getJsonArray("messages");
    JsonObject last = messages.getJsonObject(messages.size() - 1);
    if (!"tool".equals(last.getString("role")) && last.encode().contains(ASK)) {
      return new ToolCalls(
          List.<String[]>of(
              new String[] {"set_timer", "{\"in_seconds\":3600,\"note\":\"approved reminder\"}"}),
          100,
          20);
    }
    return new Text("done", "stop", 100, 20);
  }

  @Test
  void anApprovedCallRunsOnceAndTheListingShowsItExecuted() {
    var created = owner.run("agent", "create", "careful");
    assertThat(created.exit()).as(created.toString()).isZero();
    assertThat(owner.run("agent", "show", "careful").json().get("permission_mode").asText())
        .isEqualTo("supervised");
    var asked = owner.run("message", "careful", ASK, "--wait");
    assertThat(asked.exit()).as(asked.toString()).isEqualTo(1);
    assertThat(asked.err().strip())
        .isEqualTo(
            "pcy: the wake that read the message ended (awaiting_approval) without a reply: a call"
                + " of the agent waits for a person ('pcy approvals' lists it)");

    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> owner.run("approvals", "--agent", "careful").json().get("approvals").size() == 1);
    JsonNode pending = owner.run("approvals", "--agent", "careful").json().get("approvals").get(0);
    assertThat(pending.get("tool").asText()).isEqualTo("set_timer");
    assertThat(pending.get("capability").asText()).isEqualTo("external");
    assertThat(pending.get("arguments").get("note").asText()).isEqualTo("approved reminder");
    assertThat(owner.run("timers", "careful").json().get("timers")).isEmpty();
    String id = pending.get("id").asText();

    var approved = owner.run("approvals", "approve", id.substring(0, 8), "--note", "go ahead");
    assertThat(approved.exit()).as(approved.toString()).isZero();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                "executed"
                    .equals(owner.run("approvals", "show", id).json().path("execution").asText()));
    JsonNode done = owner.run("approvals", "show", id).json();
    assertThat(done.get("result_ok").asBoolean()).isTrue();
    assertThat(owner.run("timers", "careful").json().get("timers"))
        .singleElement()
        .satisfies(t -> assertThat(t.get("note").asText()).isEqualTo("approved reminder"));
    assertThat(owner.runOnTerminal("approvals", "--status", "approved", "--no-color").out())
        .contains("set_timer")
        .contains("approved, executed (ok)");

    // A replay of the same approval is refused in one line; nothing runs again.
    var replay = owner.run("approvals", "approve", id);
    assertThat(replay.exit()).isEqualTo(PcyException.FAILURE);
    assertThat(replay.err()).contains("was already approved by admin@localhost");
    assertThat(owner.run("timers", "careful").json().get("timers")).hasSize(1);
  }
}
