package org.openpincery.pcy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openpincery.config.DatabaseConfig;
import org.openpincery.model.EventType;
import org.openpincery.model.NewEvent;
import org.openpincery.model.TerminationReason;
import org.openpincery.standalone.CliStack;
import org.openpincery.store.ClaimResult;
import org.openpincery.store.Store;
import org.openpincery.store.WakeRepository;

/**
 * The supervision verbs ({@code pcy approvals}, {@code pcy agent mode}, {@code pcy stop}, {@code
 * pcy carry-on}) against one real stack. Approval requests are made as a wake makes them: the agent
 * is claimed and a step records the request and ends the wake with {@code awaiting_approval}
 * (pincery_wake_step, V18), so the API reads real rows.
 */
class SupervisionCommandsTest {

  @TempDir static Path home;

  private static CliStack stack;
  private static Vertx vertx;
  private static Store store;
  private static Cli owner;

  @BeforeAll
  static void start() {
    stack = CliStack.start(null);
    vertx = Vertx.vertx();
    store = Store.open(vertx, new DatabaseConfig(stack.database(), 2, "cli-supervision-test"));
    owner = person("owner");
    var boot = owner.run("bootstrap", "--bootstrap-token", CliStack.BOOTSTRAP_TOKEN);
    assertThat(boot.exit()).as(boot.toString()).isZero();
  }

  @AfterAll
  static void stop() {
    vertx.close().await();
    stack.close();
  }

  private static Cli person(String name) {
    return new Cli(stack.url(), home.resolve(name).resolve("config.json"));
  }

  private static String createAgent(String name) {
    var r = owner.run("agent", "create", name);
    assertThat(r.exit()).as(r.toString()).isZero();
    return r.json().get("id").asText();
  }

  /**
   * A gated call's approval request, committed as a wake commits it: claim the (idle) agent, one
   * step with the request, its {@code approval_requested} event and the wake's end.
   */
  static UUID requestApproval(Store store, UUID agent, String tool, JsonObject arguments) {
    return requestApproval(store, agent, tool, arguments, Duration.ofHours(1));
  }

  static UUID requestApproval(
      Store store, UUID agent, String tool, JsonObject arguments, Duration ttl) {
    var wake =
        (ClaimResult.Claimed)
            store.lifecycle().claim(agent, "supervision-test", Duration.ofMinutes(1)).await();
    UUID id = UUID.randomUUID();
    String callId = "call_" + id.toString().substring(0, 8);
    NewEvent requested =
        NewEvent.of(EventType.APPROVAL_REQUESTED, "runtime", null)
            .withPayload(
                new JsonObject()
                    .put("approval_id", id.toString())
                    .put("call_id", callId)
                    .put("tool", tool)
                    .put("capability", "external")
                    .put("arguments", arguments)
                    .put("approvers", "operator"));
    var step =
        new WakeRepository.Step(
            agent,
            wake.wakeId(),
            Duration.ofMinutes(1),
            null,
            List.of(WakeRepository.StepEvent.own(requested)),
            TerminationReason.AWAITING_APPROVAL,
            wake.inboxSeq(),
            Duration.ofMinutes(1),
            List.of(),
            false,
            List.of(
                new WakeRepository.ApprovalChange.Request(
                    id, callId, tool, "external", arguments, ttl)),
            new JsonObject().put("approvals", new JsonArray().add(id.toString())));
    store.wakes().step(step).await();
    return id;
  }

  @Test
  void approvalsAreListedShownAndDecidedOnceWithOneLineErrorsAfterwards() {
    String agent = createAgent("deployer");
    UUID first =
        requestApproval(
            store,
            UUID.fromString(agent),
            "shell",
            new JsonObject().put("command", "echo deploy to production"));
    UUID second =
        requestApproval(
            store, UUID.fromString(agent), "shell", new JsonObject().put("command", "echo again"));

    var listed = owner.run("approvals");
    assertThat(listed.exit()).as(listed.toString()).isZero();
    assertThat(listed.json().get("approvals"))
        .extracting(a -> a.get("id").asText())
        .contains(first.toString(), second.toString());
    var table = owner.runOnTerminal("approvals", "list", "--agent", "deployer", "--no-color");
    assertThat(table.exit()).as(table.toString()).isZero();
    assertThat(table.out())
        .startsWith("ID")
        .contains("AGENT", "TOOL", "CAPABILITY", "REQUESTED", "EXPIRES", "STATUS")
        .contains(first.toString().substring(0, 8))
        .contains("deployer", "shell", "external", "pending")
        .contains("in 59 min");

    // Newest first, a page at a time: the listing names the next page.
    var page = owner.runOnTerminal("approvals", "--limit", "1", "--no-color");
    assertThat(page.out()).contains(second.toString().substring(0, 8));
    String more = page.out().lines().filter(l -> l.startsWith("more: ")).findFirst().orElseThrow();
    assertThat(more).startsWith("more: pcy approvals --limit 1 --before ");
    var next =
        owner.run(
            "approvals", "--limit", "1", "--before", more.substring(more.indexOf("--before") + 9));
    assertThat(next.exit()).as(next.toString()).isZero();
    assertThat(next.json().get("approvals"))
        .extracting(a -> a.get("id").asText())
        .containsExactly(first.toString());

    // Shown by a prefix of its id, arguments pretty-printed.
    var shown = owner.runOnTerminal("approvals", "show", first.toString().substring(0, 8));
    assertThat(shown.exit()).as(shown.toString()).isZero();
    assertThat(shown.out()).contains("echo deploy to production").contains("\"command\" : ");

    var approved =
        owner.runOnTerminal("approvals", "approve", first.toString(), "--note", "once, ok");
    assertThat(approved.exit()).as(approved.toString()).isZero();
    assertThat(approved.out()).startsWith("approved " + first.toString().substring(0, 8));
    JsonNode decided = owner.run("approvals", "show", first.toString()).json();
    assertThat(decided.get("status").asText()).isEqualTo("approved");
    assertThat(decided.get("note").asText()).isEqualTo("once, ok");
    assertThat(decided.get("decided_by").asText()).isNotBlank();

    // Deciding it again (a replay, a second operator): one line naming decision, who and when.
    var again = owner.run("approvals", "deny", first.toString());
    assertThat(again.exit()).as(again.toString()).isEqualTo(PcyException.FAILURE);
    assertThat(again.err().strip().lines())
        .singleElement()
        .asString()
        .startsWith("pcy: approval " + first.toString().substring(0, 8) + "… was already approved")
        .contains("by admin@localhost at ")
        .contains(decided.get("decided_at").asText())
        .endsWith("(approval_decided)");

    var denied = owner.run("approvals", "deny", second.toString(), "--note", "not today");
    assertThat(denied.exit()).as(denied.toString()).isZero();
    assertThat(denied.json().get("status").asText()).isEqualTo("denied");
    assertThat(owner.run("approvals", "--status", "denied").json().get("approvals"))
        .extracting(a -> a.get("id").asText())
        .containsExactly(second.toString());
    assertThat(owner.run("approvals").json().get("approvals"))
        .extracting(a -> a.get("id").asText())
        .doesNotContain(first.toString(), second.toString());
    assertThat(owner.runOnTerminal("approvals", "--status", "all", "--no-color").out())
        .contains("approved")
        .contains("denied");

    // Unknown ids are exit 4; a viewer reads but cannot decide (exit 6).
    var unknown = owner.run("approvals", "approve", UUID.randomUUID().toString());
    assertThat(unknown.exit()).as(unknown.toString()).isEqualTo(PcyException.NOT_FOUND);
    assertThat(unknown.err().strip().lines()).hasSize(1);
    assertThat(owner.run("approvals", "show", "ffffffff").exit()).isEqualTo(PcyException.NOT_FOUND);
    assertThat(owner.run("approvals", "show", "x!").exit()).isEqualTo(PcyException.USAGE);
    assertThat(owner.run("approvals", "--status", "maybe").exit()).isEqualTo(PcyException.USAGE);

    UUID third =
        requestApproval(
            store, UUID.fromString(agent), "shell", new JsonObject().put("command", "echo 3"));
    var token = owner.run("token", "create", "watcher", "--role", "viewer");
    assertThat(token.exit()).as(token.toString()).isZero();
    Cli viewer = person("viewer").with("PCY_TOKEN", token.json().get("token").asText());
    assertThat(viewer.run("approvals").json().get("approvals"))
        .extracting(a -> a.get("id").asText())
        .contains(third.toString());
    var refused = viewer.run("approvals", "approve", third.toString());
    assertThat(refused.exit()).as(refused.toString()).isEqualTo(PcyException.FORBIDDEN);
  }

  @Test
  void aRequestPastItsExpiryIsRefusedInOneLineSayingItExpired() {
    String agent = createAgent("slowpoke");
    UUID late =
        requestApproval(
            store,
            UUID.fromString(agent),
            "shell",
            new JsonObject().put("command", "echo late"),
            Duration.ofSeconds(1));
    String expires =
        owner.run("approvals", "show", late.toString()).json().get("expires_at").asText();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                java.time.Instant.now()
                    .isAfter(java.time.OffsetDateTime.parse(expires).toInstant()));
    // Whether the scheduler's sweep (409) or the decision itself (410) records the expiry first,
    // the answer is one line saying it expired; exit 1.
    var r = owner.run("approvals", "approve", late.toString(), "--note", "too late");
    assertThat(r.exit()).as(r.toString()).isEqualTo(PcyException.FAILURE);
    assertThat(r.err().strip().lines())
        .singleElement()
        .asString()
        .startsWith("pcy: approval " + late.toString().substring(0, 8) + "… expired at ")
        .containsPattern("\\((approval_expired|approval_decided)\\)$");
    JsonNode now = owner.run("approvals", "show", late.toString()).json();
    assertThat(now.get("status").asText()).isEqualTo("expired");
    assertThat(owner.runOnTerminal("approvals", "show", late.toString(), "--no-color").out())
        .contains("the runtime (expired)");
  }

  @Test
  void completionOffersTheSupervisionVerbs() {
    var fish = owner.run("completion", "fish");
    assertThat(fish.exit()).isZero();
    assertThat(fish.out())
        .contains("-a 'approvals'", "-a 'stop'", "-a 'carry-on'")
        .contains("-a 'approve'", "-a 'deny'", "-a 'mode'")
        .contains("-l status");
  }

  @Test
  void theModeIsSetByAnAdminAndShownByListAndShow() {
    createAgent("moded");
    var set = owner.run("agent", "mode", "moded", "autonomous");
    assertThat(set.exit()).as(set.toString()).isZero();
    assertThat(set.json().get("permission_mode").asText()).isEqualTo("autonomous");
    assertThat(owner.runOnTerminal("agent", "mode", "moded", "LOCKED").out())
        .isEqualTo("moded is now locked\n");
    assertThat(owner.run("agent", "show", "moded").json().get("permission_mode").asText())
        .isEqualTo("locked");
    assertThat(owner.runOnTerminal("agent", "show", "moded", "--no-color").out())
        .contains("mode:")
        .contains("locked");
    assertThat(owner.runOnTerminal("agent", "list", "--no-color").out())
        .contains("MODE")
        .containsPattern("moded .* locked");
    var bad = owner.run("agent", "mode", "moded", "reckless");
    assertThat(bad.exit()).as(bad.toString()).isEqualTo(PcyException.USAGE);
    assertThat(owner.run("agent", "mode", "nobody", "locked").exit())
        .isEqualTo(PcyException.NOT_FOUND);
  }

  @Test
  void stopAndCarryOnSendTheMessagesAndSayWhatTheAgentIsNow() {
    createAgent("halting");
    var stopped = owner.runOnTerminal("stop", "halting", "--no-color");
    assertThat(stopped.exit()).as(stopped.toString()).isZero();
    assertThat(stopped.out()).startsWith("halting is stopped").contains("pcy carry-on halting");
    JsonNode a = owner.run("agent", "show", "halting").json();
    assertThat(a.get("stopped").asBoolean()).isTrue();
    assertThat(a.get("is_enabled").asBoolean()).isFalse();
    assertThat(a.get("disabled_reason").asText()).isEqualTo("stopped");
    assertThat(owner.runOnTerminal("agent", "list", "--no-color").out())
        .containsPattern("halting .* (asleep|awake|maintenance), stopped");
    JsonNode events = owner.run("events", "halting").json().get("events");
    assertThat(events)
        .anySatisfy(
            e -> {
              assertThat(e.get("event_type").asText()).isEqualTo("message_received");
              assertThat(e.get("content").asText()).isEqualTo("stop");
            });

    var resumed = owner.run("carry-on", "halting");
    assertThat(resumed.exit()).as(resumed.toString()).isZero();
    assertThat(resumed.json().get("sent").asText()).isEqualTo("carry on");
    assertThat(resumed.json().get("agent").get("stopped").asBoolean()).isFalse();
    assertThat(resumed.json().get("agent").get("is_enabled").asBoolean()).isTrue();
    assertThat(owner.run("stop", "nobody").exit()).isEqualTo(PcyException.NOT_FOUND);
  }
}
