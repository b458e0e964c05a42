package org.openpincery.pcy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openpincery.standalone.CliStack;
import org.openpincery.testkit.FreePort;
import org.openpincery.testkit.ScriptedModelServer;
import org.openpincery.testkit.ScriptedModelServer.Text;
import org.openpincery.testkit.ScriptedModelServer.ToolCalls;
import org.openpincery.testkit.TestPostgres;

/**
 * Every pcy command against one real stack (the standalone tiers in this JVM, a fresh PostgreSQL
 * database, the scripted model over HTTP), run through picocli with the output parsed.
 */
class CliCommandsTest {

  private static final String TIMER_REQUEST = "please set a timer";

  @TempDir static Path home;

  private static ScriptedModelServer model;
  private static CliStack stack;
  private static Path config;
  private static Cli cli;

  @BeforeAll
  static void start() {
    model = ScriptedModelServer.start().otherwise(CliCommandsTest::answer);
    stack = CliStack.start(model.baseUrl());
    config = home.resolve("xdg").resolve("pcy").resolve("config.json");
    cli = new Cli(stack.url(), config);
    var boot = cli.run("bootstrap", "--bootstrap-token", CliStack.BOOTSTRAP_TOKEN);
    assertThat(boot.exit()).as(boot.toString()).isZero();
  }

  @AfterAll
  static void stop() {
    stack.close();
    model.close();
  }

  /** The scripted model: sets a timer when asked to, maintains in kind, else answers in text. */
  private static ScriptedModelServer.Turn answer(JsonObject request) {
    if (!request.containsKey("tools")) {
      return new Text(
          new JsonObject()
              .put("identity", "a test agent")
              .put("work_list", "nothing")
              .put("summary", "answered")
              .encode(),
          "stop",
          50,
          10);
    }
    JsonArray messages = request.getJsonArray("messages");
    JsonObject last = messages.getJsonObject(messages.size() - 1);
    if (!"tool".equals(last.getString("role")) && request.encode().contains(TIMER_REQUEST)) {
      List<String[]> calls = new ArrayList<>();
      calls.add(new String[] {"set_timer", "{\"in_seconds\":3600,\"note\":\"check back\"}"});
      return new ToolCalls(calls, 100, 20);
    }
    return new Text("scripted reply", "stop", 100, 20);
  }

  private static String create(String name) {
    var r = cli.run("agent", "create", name);
    assertThat(r.exit()).as(r.toString()).isZero();
    return r.json().get("id").asText();
  }

  @Test
  void bootstrapKeepsTheSessionOwnerOnlyAndLoginGivesANewOne() throws IOException {
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(config)))
        .isEqualTo("rw-------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(config.getParent())))
        .isEqualTo("rwx------");
    String before = Files.readString(config);

    var again = cli.run("bootstrap", "--bootstrap-token", CliStack.BOOTSTRAP_TOKEN);
    assertThat(again.exit()).isEqualTo(1);
    assertThat(again.err().strip()).startsWith("pcy: ").contains("already_bootstrapped");
    assertThat(again.err().strip().lines()).hasSize(1);

    var wrong = cli.run("login", "--bootstrap-token", "not-the-token-at-all-0000000000");
    assertThat(wrong.exit()).isEqualTo(3);

    var login = cli.run("login", "--bootstrap-token", CliStack.BOOTSTRAP_TOKEN);
    assertThat(login.exit()).as(login.toString()).isZero();
    assertThat(login.json().has("session_token")).isFalse();
    assertThat(Files.readString(config)).isNotEqualTo(before);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(config)))
        .isEqualTo("rw-------");

    JsonNode me = cli.run("whoami").json();
    assertThat(me.get("role").asText()).isEqualTo("owner");
    assertThat(me.get("user_id").asText()).isNotBlank();
    assertThat(cli.runOnTerminal("whoami").out()).contains("session expires:");
  }

  @Test
  void statusSaysReadyAndNamesTheModel() {
    var r = cli.run("status");
    assertThat(r.exit()).as(r.toString()).isZero();
    assertThat(r.json().get("status").asText()).isEqualTo("ready");
    assertThat(r.json().at("/details/model").asText()).contains("scripted-model");
    assertThat(cli.run("status", "-o", "table").out()).contains("database:").contains("ok");
  }

  @Test
  void agentsAreManagedByNameOrId() {
    var created = cli.run("agent", "create", "lifecycle", "--budget", "3");
    assertThat(created.exit()).as(created.toString()).isZero();
    JsonNode agent = created.json();
    String id = agent.get("id").asText();
    assertThat(agent.get("webhook_secret").asText()).hasSize(64);
    assertThat(agent.get("webhook_url").asText())
        .isEqualTo(stack.url() + "/api/agents/" + id + "/webhooks");
    assertThat(agent.get("budget_limit_usd").asText()).isEqualTo("3");
    var table = cli.run("agent", "create", "lifecycle-2", "-o", "table");
    assertThat(table.out()).contains("webhook secret:").contains("shown once");

    assertThat(cli.run("agent", "list").json().get("agents"))
        .extracting(a -> a.get("name").asText())
        .contains("lifecycle", "lifecycle-2");
    assertThat(cli.run("agent", "show", "lifecycle").json().get("id").asText()).isEqualTo(id);
    assertThat(cli.run("agent", "show", id).json().get("name").asText()).isEqualTo("lifecycle");
    assertThat(cli.run("agent", "show", id).json().get("webhook_url").asText())
        .as("a URL a sender can use as it is")
        .isEqualTo(stack.url() + "/api/agents/" + id + "/webhooks");

    assertThat(cli.run("agent", "rename", "lifecycle", "renamed").json().get("name").asText())
        .isEqualTo("renamed");
    assertThat(cli.run("agent", "disable", "renamed").json().get("is_enabled").asBoolean())
        .isFalse();
    assertThat(cli.run("agent", "show", id).json().get("disabled_reason").asText())
        .isEqualTo("disabled_by_operator");
    assertThat(cli.run("agent", "enable", id).json().get("is_enabled").asBoolean()).isTrue();

    String secret = "whsec_supplied-secret-0123456789";
    JsonNode rotated = cli.run("agent", "rotate-secret", "renamed", "--secret", secret).json();
    assertThat(rotated.get("webhook_secret").asText()).isEqualTo(secret);
    assertThat(rotated.get("previous_secret_valid_until").asText()).isNotBlank();
    JsonNode fresh = cli.run("agent", "rotate-secret", "renamed").json();
    assertThat(fresh.get("webhook_secret").asText()).isNotEqualTo(secret).hasSize(64);

    var deleted = cli.run("agent", "delete", "renamed");
    assertThat(deleted.exit()).as(deleted.toString()).isZero();
    assertThat(cli.run("agent", "list").json().get("agents"))
        .extracting(a -> a.get("name").asText())
        .doesNotContain("renamed");
    assertThat(cli.run("agent", "list", "--all").json().get("agents"))
        .filteredOn(a -> a.get("id").asText().equals(id))
        .singleElement()
        .satisfies(a -> assertThat(a.get("deleted").asBoolean()).isTrue());
    // A deleted agent's history stays readable by its name.
    assertThat(cli.run("agent", "show", "renamed").json().get("deleted").asBoolean()).isTrue();
    var write = cli.run("agent", "rename", "renamed", "again");
    assertThat(write.exit()).isEqualTo(1);
    assertThat(write.err()).contains("agent_deleted");
  }

  @Test
  void messageWaitPrintsTheReplyAndEventsPageThroughTheLog() {
    String id = create("talker");
    var sent = cli.run("message", "talker", "hello", "there", "--wait");
    assertThat(sent.exit()).as(sent.toString()).isZero();
    JsonNode reply = sent.json();
    assertThat(reply.get("reply").asText()).isEqualTo("scripted reply");
    assertThat(reply.get("termination_reason").asText()).isEqualTo("completed");
    assertThat(reply.get("seq").asLong()).isEqualTo(1);

    var plain = cli.run("-o", "table", "message", id, "again", "-w");
    assertThat(plain.exit()).as(plain.toString()).isZero();
    assertThat(plain.out().strip()).isEqualTo("scripted reply");

    var noWait = cli.run("message", "talker", "no wait");
    assertThat(noWait.json().get("seq").asLong()).isGreaterThan(1);

    JsonNode page = cli.run("events", "talker").json();
    List<String> types = new ArrayList<>();
    page.get("events").forEach(e -> types.add(e.get("event_type").asText()));
    assertThat(types).startsWith("message_received", "wake_start", "assistant_message", "wake_end");
    JsonNode after = cli.run("events", "talker", "--after-seq", "1", "--limit", "2").json();
    assertThat(after.get("events")).extracting(e -> e.get("seq").asLong()).containsExactly(2L, 3L);
    assertThat(after.get("next_after_seq").asLong()).isEqualTo(3);
    assertThat(cli.run("events", "talker", "-o", "table").out())
        .contains("message_received")
        .contains("[person] hello there")
        .contains("wake_end completed");
  }

  @Test
  void budgetsAreShownAndSet() {
    create("spender");
    JsonNode set = cli.run("budget", "set", "spender", "2.5").json();
    assertThat(set.get("budget_limit_usd").asText()).isEqualTo("2.5");
    assertThat(set.get("budget_unlimited").asBoolean()).isFalse();
    JsonNode unlimited = cli.run("budget", "set", "spender", "unlimited").json();
    assertThat(unlimited.get("budget_unlimited").asBoolean()).isTrue();
    assertThat(cli.run("budget", "show", "spender").json().get("budget_spent_usd").asText())
        .isEqualTo("0");
    assertThat(cli.run("budget", "show", "spender", "-o", "table").out())
        .contains("limit:")
        .contains("unlimited");
    var bad = cli.run("budget", "set", "spender", "lots");
    assertThat(bad.exit()).isEqualTo(2);
  }

  @Test
  void aCredentialValueFromStdinNeverAppearsInOutputOrConfig() throws IOException {
    String value = "s3cr3t-value-from-stdin-7f3a";
    var added = cli.runWithStdin(value + "\n", "credential", "add", "github_token");
    assertThat(added.exit()).as(added.toString()).isZero();
    assertThat(added.out() + added.err()).doesNotContain(value);
    assertThat(added.json().get("name").asText()).isEqualTo("github_token");

    var list = cli.run("credential", "list");
    assertThat(list.json().get("credentials"))
        .extracting(c -> c.get("name").asText())
        .contains("github_token");
    assertThat(list.out()).doesNotContain(value);
    assertThat(Files.readString(config)).doesNotContain(value);

    assertThat(cli.runWithStdin("", "credential", "add", "empty_one").exit()).isEqualTo(2);
    // On a terminal the value comes from a hidden prompt that names the credential.
    List<String> prompts = new ArrayList<>();
    var prompted = cli.runWithPrompt("typed-" + value, prompts, "credential", "add", "typed_one");
    assertThat(prompted.exit()).as(prompted.toString()).isZero();
    assertThat(prompts).singleElement().asString().contains("typed_one").contains("hidden");
    assertThat(prompted.out() + prompted.err()).doesNotContain(value);
    // A value is never taken from an argument.
    assertThat(cli.run("credential", "add", "github_token2", value).exit()).isEqualTo(2);

    assertThat(cli.run("credential", "revoke", "github_token").exit()).isZero();
    assertThat(cli.run("credential", "list").json().get("credentials"))
        .extracting(c -> c.get("name").asText())
        .doesNotContain("github_token");
    var again = cli.run("credential", "revoke", "github_token");
    assertThat(again.exit()).isEqualTo(4);
  }

  @Test
  void schedulesAreAddedListedAndRemoved() {
    create("scheduled");
    var every = cli.run("schedule", "add", "scheduled", "--every", "1h", "--note", "hourly");
    assertThat(every.exit()).as(every.toString()).isZero();
    assertThat(every.json().get("every_seconds").asInt()).isEqualTo(3600);
    String scheduleId = every.json().get("id").asText();
    var cron = cli.run("schedule", "add", "scheduled", "--cron", "0 9 * * 1-5");
    assertThat(cron.json().get("cron").asText()).isEqualTo("0 9 * * 1-5");

    assertThat(cli.run("schedule", "list", "scheduled").json().get("schedules")).hasSize(2);
    assertThat(cli.run("schedule", "list", "scheduled", "-o", "table").out())
        .contains("every 3600s")
        .contains("hourly");
    assertThat(cli.run("schedule", "rm", "scheduled", scheduleId).exit()).isZero();
    assertThat(cli.run("schedule", "list", "scheduled").json().get("schedules"))
        .extracting(s -> s.get("id").asText())
        .doesNotContain(scheduleId);

    assertThat(
            cli.run("schedule", "add", "scheduled", "--every", "1h", "--cron", "0 9 * * *").exit())
        .isEqualTo(2);
    assertThat(cli.run("schedule", "add", "scheduled").exit()).isEqualTo(2);
    assertThat(cli.run("schedule", "add", "scheduled", "--every", "soon").exit()).isEqualTo(2);
  }

  @Test
  void timersListTheOnesTheAgentSetAndVerifyChecksTheChain() {
    create("timekeeper");
    assertThat(cli.run("timers", "timekeeper").json().get("timers")).isEmpty();
    var asked = cli.run("message", "timekeeper", TIMER_REQUEST, "--wait");
    assertThat(asked.exit()).as(asked.toString()).isZero();
    JsonNode timers = cli.run("timers", "timekeeper").json().get("timers");
    assertThat(timers).hasSize(1);
    assertThat(timers.get(0).get("note").asText()).isEqualTo("check back");
    assertThat(timers.get(0).get("fire_at").asText()).isNotBlank();
    assertThat(cli.run("timers", "timekeeper", "-o", "table").out()).contains("check back");

    // An operator's timer beside it, then both cancelled.
    var added = cli.run("timer", "add", "timekeeper", "--in", "2h", "--note", "operator check");
    assertThat(added.exit()).as(added.toString()).isZero();
    assertThat(added.json().get("wake_id").isNull()).isTrue();
    JsonNode both = cli.run("timers", "timekeeper").json().get("timers");
    assertThat(both).hasSize(2);
    assertThat(both.get(1).get("note").asText()).isEqualTo("operator check");
    for (JsonNode t : both) {
      var rm = cli.run("timer", "rm", "timekeeper", t.get("id").asText());
      assertThat(rm.exit()).as(rm.toString()).isZero();
    }
    assertThat(cli.run("timers", "timekeeper").json().get("timers")).isEmpty();
    assertThat(cli.run("timer", "rm", "timekeeper", both.get(0).get("id").asText()).exit())
        .as("no longer pending")
        .isEqualTo(4);
    assertThat(cli.run("timer", "add", "timekeeper", "--in", "soon").exit()).isEqualTo(2);
    assertThat(cli.run("timer", "add", "timekeeper", "--in", "400d").exit()).isEqualTo(2);

    var verify = cli.run("verify", "timekeeper");
    assertThat(verify.exit()).as(verify.toString()).isZero();
    assertThat(verify.json().get("valid").asBoolean()).isTrue();
    assertThat(verify.json().get("events_checked").asInt()).isGreaterThanOrEqualTo(5);
    assertThat(cli.run("verify", "timekeeper", "-o", "table").out()).contains("chain valid");
  }

  @Test
  void unknownAndAmbiguousNamesAreErrorsThatSayWhy() {
    var unknown = cli.run("agent", "show", "nobody-by-this-name");
    assertThat(unknown.exit()).isEqualTo(4);
    assertThat(unknown.err()).contains("no agent named 'nobody-by-this-name'");
    var unknownId = cli.run("events", "00000000-0000-4000-8000-00000000abcd");
    assertThat(unknownId.exit()).isEqualTo(4);

    String upper = create("Twin");
    String lower = create("twin");
    assertThat(cli.run("agent", "show", "Twin").json().get("id").asText()).isEqualTo(upper);
    var ambiguous = cli.run("agent", "show", "TWIN");
    assertThat(ambiguous.exit()).isEqualTo(2);
    assertThat(ambiguous.err()).contains("ambiguous").contains(upper).contains(lower);
    assertThat(ambiguous.err().strip().lines()).hasSize(1);

    String first = create("old");
    cli.run("agent", "delete", first);
    String second = create("old");
    cli.run("agent", "delete", second);
    var deleted = cli.run("events", "old");
    assertThat(deleted.exit()).isEqualTo(2);
    assertThat(deleted.err()).contains(first).contains(second);
  }

  @Test
  void everyCommandHasHelp() {
    for (String[] command :
        new String[][] {
          {"--help"}, {"agent", "list", "--help"}, {"login", "--help"}, {"timer", "add", "--help"}
        }) {
      var help = cli.run(command);
      assertThat(help.exit()).as(String.join(" ", command)).isZero();
      assertThat(help.out()).contains("Usage: pcy").contains("Exit codes:");
    }
    assertThat(cli.run("login", "--help").out()).contains("--bootstrap-token");
  }

  @Test
  void exitCodesTellUsageAuthAndConnectionApart() throws IOException {
    var usage = cli.run("agent", "frobnicate");
    assertThat(usage.exit()).isEqualTo(2);
    assertThat(usage.err().strip().lines()).singleElement().asString().contains("pcy agent --help");
    assertThat(cli.run("agent").exit()).isEqualTo(2);
    assertThat(cli.run("message", "someone").exit()).isEqualTo(2);
    assertThat(cli.run().exit()).isEqualTo(2);

    int closed = FreePort.pick();
    var refused = cli.run("--url", "http://127.0.0.1:" + closed, "agent", "list");
    assertThat(refused.exit()).isEqualTo(5);
    assertThat(refused.err()).contains("connection refused");
    assertThat(cli.run("status", "--url", "http://127.0.0.1:" + closed).exit()).isEqualTo(5);
    assertThat(cli.run("--url", "not a url", "status").exit()).isEqualTo(5);
    assertThat(cli.run("--url", "ftp://example.org", "status").exit()).isEqualTo(5);

    Path elsewhere = home.resolve("nobody").resolve("config.json");
    var anonymous = new Cli(stack.url(), elsewhere).run("agent", "list");
    assertThat(anonymous.exit()).isEqualTo(3);
    assertThat(anonymous.err()).contains("not logged in");

    // A session ended elsewhere (logged out through a copy of the config; an expired one is
    // the same 401): the kept session is refused with exit 3 and a hint.
    Path copy = home.resolve("copy").resolve("config.json");
    Files.createDirectories(copy.getParent());
    Files.copy(config, copy);
    Cli other = new Cli(stack.url(), copy);
    assertThat(other.run("logout").exit()).isZero();
    var revoked = cli.run("agent", "list");
    assertThat(revoked.exit()).isEqualTo(3);
    assertThat(revoked.err()).contains("expired or was revoked");
    assertThat(other.run("agent", "list").exit()).isEqualTo(3);
    var relogin = cli.run("login", "--bootstrap-token", CliStack.BOOTSTRAP_TOKEN);
    assertThat(relogin.exit()).isZero();
    assertThat(cli.run("agent", "list").exit()).isZero();
  }

  @Test
  void anExpiredSessionIsExit3AndSaysToLogInAgain() throws Exception {
    Path own = home.resolve("expiring").resolve("config.json");
    Cli other = new Cli(stack.url(), own);
    assertThat(other.run("login", "--bootstrap-token", CliStack.BOOTSTRAP_TOKEN).exit()).isZero();
    assertThat(other.run("agent", "list").exit()).isZero();
    String token =
        new com.fasterxml.jackson.databind.ObjectMapper()
            .readTree(own.toFile())
            .get("sessions")
            .get(stack.url())
            .get("token")
            .asText();
    // The session's expiry passes (on the database's clock, as the gateway checks it).
    try (var c = TestPostgres.connect(stack.database());
        var st =
            c.prepareStatement(
                "UPDATE sessions SET expires_at = now() - interval '1 second'"
                    + " WHERE token_hash = sha256(convert_to(?, 'UTF8'))")) {
      st.setString(1, token);
      assertThat(st.executeUpdate()).isEqualTo(1);
    }
    // The gateway may admit a cached session for up to OPEN_PINCERY_SESSION_CACHE_SECONDS (2 s).
    await().atMost(Duration.ofSeconds(15)).until(() -> other.run("agent", "list").exit() == 3);
    var expired = other.run("agent", "list");
    assertThat(expired.err().strip().lines()).singleElement().asString().contains("pcy login");
    assertThat(cli.run("agent", "list").exit()).as("another session is unaffected").isZero();
  }

  @Test
  void outputIsJsonWhenPipedATableOnATerminalAndColourCanBeTurnedOff() {
    create("formats");
    assertThat(cli.run("agent", "list").json().has("agents")).isTrue();
    assertThat(cli.runOnTerminal("agent", "list").out()).startsWith("\u001b[1mNAME");
    assertThat(cli.runOnTerminal("agent", "list", "--no-color").out())
        .startsWith("NAME")
        .doesNotContain("\u001b");
    Cli noColor = new Cli(stack.url(), config).with("NO_COLOR", "1");
    assertThat(noColor.runOnTerminal("status").out()).doesNotContain("\u001b");
    assertThat(cli.runOnTerminal("status").out()).contains("\u001b[32m");
    assertThat(cli.runOnTerminal("-o", "json", "agent", "list").out()).startsWith("{");
    assertThat(cli.run("--help").out()).contains("Exit codes:").contains("3   auth");
  }
}
