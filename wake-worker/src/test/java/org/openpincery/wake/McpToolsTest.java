package org.openpincery.wake;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openpincery.model.McpServer;
import org.openpincery.model.PermissionMode;
import org.openpincery.model.StoredEvent;
import org.openpincery.store.AgentRepository.AgentPatch;
import org.openpincery.store.ApprovalRepository.DecideResult;
import org.openpincery.store.ApprovalRepository.Decision;
import org.openpincery.store.McpRepository;
import org.openpincery.testkit.FreePort;
import org.openpincery.testkit.ScriptedModelServer.Text;
import org.openpincery.testkit.ScriptedModelServer.ToolCalls;

/**
 * Remote MCP servers as agent tools (issue 15, docs/mcp.md), through the real wake loop: real
 * PostgreSQL, the scripted model over real HTTP, and MCP tool servers written with the official
 * TypeScript SDK (npm {@code @modelcontextprotocol/sdk}) that the agents call over Streamable HTTP.
 */
class McpToolsTest {

  private static final String SECRET = "mcp-secret-" + UUID.randomUUID();

  private static EngineFixture f;
  private static McpToolServer tools;
  private static UUID toolsServer;

  @BeforeAll
  static void start() throws Exception {
    f =
        new EngineFixture(
            Map.of(
                "MCP_CALL_TIMEOUT_SECONDS", "2",
                "MCP_LIST_TIMEOUT_SECONDS", "3",
                "MCP_OUTPUT_CAP_BYTES", "4096"));
    tools = new McpToolServer("Authorization", "Bearer " + SECRET);
    f.credential("tools_token", SECRET);
    toolsServer = server("tools", tools.url(), "tools_token");
  }

  @AfterAll
  static void stop() throws Exception {
    tools.close();
    f.close();
  }

  private static UUID server(String name, String url, String credential) {
    var created =
        f.store
            .mcp()
            .create(
                f.workspace,
                new McpRepository.NewServer(name, url, credential, null, null, null),
                null)
            .await();
    return ((McpRepository.CreateResult.Created) created).server().id();
  }

  private static UUID agent(String name, String mode, UUID server, String... grantTools) {
    UUID agent = f.agent(name);
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
    List<McpRepository.NewGrant> grants = new ArrayList<>();
    for (String t : grantTools) {
      grants.add(new McpRepository.NewGrant(server, t, null));
    }
    f.store.mcp().replaceGrants(f.workspace, agent, grants, null).await();
    return agent;
  }

  private static ToolCalls calls(String... nameThenArguments) {
    List<String[]> out = new ArrayList<>();
    for (int i = 0; i < nameThenArguments.length; i += 2) {
      out.add(new String[] {nameThenArguments[i], nameThenArguments[i + 1]});
    }
    return new ToolCalls(out, 100, 20);
  }

  private static Text done(String text) {
    return new Text(text, "stop", 100, 20);
  }

  // The model requests of one agent (its name is in the system message).
  private static List<JsonObject> requestsOf(String name) {
    return f.model.requests().stream().filter(r -> r.encode().contains("You are " + name)).toList();
  }

  private static List<String> offered(JsonObject request) {
    return request.getJsonArray("tools").stream()
        .map(JsonObject.class::cast)
        .map(t -> t.getJsonObject("function").getString("name"))
        .toList();
  }

  private static JsonObject schemaOf(JsonObject request, String tool) {
    return request.getJsonArray("tools").stream()
        .map(JsonObject.class::cast)
        .map(t -> t.getJsonObject("function"))
        .filter(fn -> tool.equals(fn.getString("name")))
        .findFirst()
        .orElseThrow()
        .getJsonObject("parameters");
  }

  private static String system(JsonObject request) {
    return request.getJsonArray("messages").getJsonObject(0).getString("content");
  }

  @Test
  void theGrantedToolsAreOfferedNamespacedWithTheirSchemasAndACallRunsWithTheCredential()
      throws Exception {
    UUID agent = agent("mcp-echoer", "autonomous", toolsServer, "echo", "add");
    f.model.then("You are mcp-echoer", calls("tools__echo", "{\"text\": \"hello\"}"));
    f.model.then("You are mcp-echoer", done("echoed"));
    f.message(agent, "echo hello");
    assertThat(f.awaitWakeEnd(agent, 1)).isEqualTo("completed");

    JsonObject first = requestsOf("mcp-echoer").getFirst();
    assertThat(offered(first))
        .contains("tools__echo", "tools__add", "sleep", "send_message")
        .doesNotContain("tools__delete_thing", "tools__slow", "tools__die");
    JsonObject add = schemaOf(first, "tools__add");
    assertThat(add.getJsonObject("properties").fieldNames()).containsExactlyInAnyOrder("a", "b");
    assertThat(add.getJsonArray("required").getList()).containsExactlyInAnyOrder("a", "b");
    assertThat(add.containsKey("$schema")).isFalse();

    StoredEvent result = f.events(agent, "tool_result").getFirst();
    assertThat(result.toolName()).isEqualTo("tools__echo");
    assertThat(result.payload().getBoolean("ok")).isTrue();
    // The node server saw the credential as the header it expects.
    assertThat(result.toolOutput()).isEqualTo("echo: hello; auth=ok");
    assertThat(result.payload().getString("mcp_server")).isEqualTo("tools");
    assertThat(result.payload().getString("mcp_tool")).isEqualTo("echo");
    assertThat(result.payload().getLong("duration_ms")).isNotNull();
    assertThat(f.events(agent, "tool_call").getFirst().toolInput().getString("text"))
        .isEqualTo("hello");
    // The result reached the model.
    assertThat(requestsOf("mcp-echoer").getLast().encode()).contains("echo: hello; auth=ok");
    // The listing was kept on the server's row.
    McpServer row = f.store.mcp().get(f.workspace, toolsServer).await().orElseThrow();
    assertThat(row.toolsListedAt()).isNotNull();
    assertThat(row.tools().stream().map(t -> ((JsonObject) t).getString("name")))
        .contains("echo", "delete_thing");

    // The secret is in no event and no model request.
    assertThat(f.count("SELECT count(*) FROM events")).isPositive();
    assertNoSecretStored();
  }

  @Test
  void aServerThatRepeatsTheCredentialHasItRedactedFromDescriptionsAndResults() throws Exception {
    UUID agent = agent("mcp-leak", "autonomous", toolsServer, "leaky");
    f.model.then("You are mcp-leak", calls("tools__leaky", "{}"));
    f.model.then("You are mcp-leak", done("leaked?"));
    f.message(agent, "leak");
    assertThat(f.awaitWakeEnd(agent, 1)).isEqualTo("completed");
    JsonObject first = requestsOf("mcp-leak").getFirst();
    assertThat(first.encode()).contains("Leaks the header it got: Bearer [REDACTED:tools_token]");
    assertThat(f.events(agent, "tool_result").getFirst().toolOutput())
        .isEqualTo("the header was Bearer [REDACTED:tools_token]");
    assertNoSecretStored();
  }

  // The credential's value in no event, no model call recorded (its request and response), no
  // request the model received, and nothing kept of a server.
  private static void assertNoSecretStored() throws Exception {
    assertThat(f.model.requests()).allSatisfy(r -> assertThat(r.encode()).doesNotContain(SECRET));
    assertThat(
            f.count(
                "SELECT count(*) FROM events WHERE concat(content, tool_input::text, tool_output,"
                    + " payload::text) LIKE '%"
                    + SECRET
                    + "%'"))
        .isZero();
    assertThat(f.count("SELECT count(*) FROM model_calls")).isPositive();
    assertThat(
            f.count(
                "SELECT count(*) FROM model_calls WHERE concat(request::text, response::text)"
                    + " LIKE '%"
                    + SECRET
                    + "%'"))
        .isZero();
    assertThat(
            f.count(
                "SELECT count(*) FROM mcp_servers WHERE concat(tools::text, last_error) LIKE '%"
                    + SECRET
                    + "%'"))
        .isZero();
  }

  @Test
  void invalidArgumentsAreRefusedBeforeAnyCall() throws Exception {
    UUID agent = agent("mcp-bad-args", "autonomous", toolsServer, "add");
    long before = tools.callsOf("add");
    f.model.then("You are mcp-bad-args", calls("tools__add", "{\"a\": \"one\", \"b\": 2}"));
    f.model.then("You are mcp-bad-args", calls("tools__add", "{\"a\": 1, \"b\": 2}"));
    f.model.then("You are mcp-bad-args", done("3"));
    f.message(agent, "add");
    assertThat(f.awaitWakeEnd(agent, 1)).isEqualTo("completed");
    List<StoredEvent> results = f.events(agent, "tool_result");
    assertThat(results.get(0).payload().getBoolean("ok")).isFalse();
    assertThat(results.get(0).toolOutput()).startsWith("error: invalid call of tools__add");
    assertThat(results.get(1).payload().getBoolean("ok")).isTrue();
    assertThat(results.get(1).toolOutput()).isEqualTo("3");
    // Only the valid call reached the server.
    assertThat(tools.callsOf("add")).isEqualTo(before + 1);
  }

  @Test
  void aSlowAGarbageAHugeAndAFailingToolGiveFailedResultsAndTheWakeGoesOn() throws Exception {
    UUID agent =
        agent(
            "mcp-troubles",
            "autonomous",
            toolsServer,
            "slow",
            "garbage",
            "huge",
            "fail",
            "big",
            "picture",
            "echo");
    f.model.then(
        "You are mcp-troubles",
        calls(
            "tools__slow", "{}",
            "tools__garbage", "{}",
            "tools__huge", "{}",
            "tools__fail", "{}",
            "tools__big", "{}",
            "tools__picture", "{}",
            "tools__echo", "{\"text\": \"still here\"}"));
    f.model.then("You are mcp-troubles", done("survived"));
    f.message(agent, "try everything");
    assertThat(f.awaitWakeEnd(agent, 1)).isEqualTo("completed");

    List<StoredEvent> results = f.events(agent, "tool_result");
    assertThat(results).hasSize(7);
    assertThat(results.get(0).payload().getBoolean("ok")).isFalse();
    assertThat(results.get(0).toolOutput())
        .contains("the MCP server tools failed: no answer in time");
    assertThat(results.get(0).payload().getBoolean("timed_out")).isTrue();
    assertThat(results.get(0).payload().getLong("duration_ms")).isBetween(1_900L, 10_000L);
    assertThat(results.get(1).payload().getBoolean("ok")).isFalse();
    assertThat(results.get(1).toolOutput()).startsWith("error: the MCP server tools failed");
    assertThat(results.get(2).payload().getBoolean("ok")).isFalse();
    assertThat(results.get(2).toolOutput()).contains("larger than");
    assertThat(results.get(3).payload().getBoolean("ok")).isFalse();
    assertThat(results.get(3).toolOutput()).isEqualTo("error: the tool failed on purpose");
    // 100 KB: cut to the cap with a note.
    assertThat(results.get(4).payload().getBoolean("ok")).isTrue();
    assertThat(results.get(4).payload().getBoolean("truncated")).isTrue();
    assertThat(results.get(4).toolOutput())
        .startsWith("yyyy")
        .contains("[cut: the result was 102400 bytes; only the first 4096 are shown]")
        .hasSizeLessThan(4096 + 200);
    assertThat(results.get(5).toolOutput()).contains("a picture:").contains("[image, image/png");
    assertThat(results.get(6).payload().getBoolean("ok")).isTrue();
    assertThat(results.get(6).toolOutput()).startsWith("echo: still here");
    assertThat(requestsOf("mcp-troubles").getLast().encode()).contains("echo: still here");
  }

  @Test
  void aServerAnsweringAsAnEventStreamIsBoundedTheSameWay() throws Exception {
    try (McpToolServer stream = new McpToolServer("Authorization", null, true)) {
      UUID server = server("stream", stream.url(), null);
      UUID agent = agent("mcp-streamer", "autonomous", server, "huge", "big", "echo");
      f.model.then(
          "You are mcp-streamer",
          calls(
              "stream__huge", "{}",
              "stream__big", "{}",
              "stream__echo", "{\"text\": \"streamed\"}"));
      f.model.then("You are mcp-streamer", done("streamed"));
      f.message(agent, "stream");
      assertThat(f.awaitWakeEnd(agent, 1)).isEqualTo("completed");
      List<StoredEvent> results = f.events(agent, "tool_result");
      assertThat(results).hasSize(3);
      assertThat(results.get(0).payload().getBoolean("ok")).isFalse();
      assertThat(results.get(0).toolOutput()).contains("larger than");
      assertThat(results.get(1).payload().getBoolean("truncated")).isTrue();
      assertThat(results.get(2).toolOutput()).isEqualTo("echo: streamed; auth=none-expected");
    }
  }

  @Test
  void aToolAddedBetweenTwoWakesIsOfferedInTheSecond() throws Exception {
    try (McpToolServer changing = new McpToolServer("Authorization", null)) {
      UUID server = server("changing", changing.url(), null);
      UUID agent = agent("mcp-changer", "autonomous", server, "*");
      f.model.then("You are mcp-changer", done("first"));
      f.message(agent, "look");
      assertThat(f.awaitWakeEnd(agent, 1)).isEqualTo("completed");
      assertThat(offered(requestsOf("mcp-changer").getLast()))
          .contains("changing__echo")
          .doesNotContain("changing__late_tool");
      // dup.name and dup_name both become changing__dup_name: offered once, the first listed.
      assertThat(offered(requestsOf("mcp-changer").getLast()))
          .filteredOn("changing__dup_name"::equals)
          .hasSize(1);
      assertThat(requestsOf("mcp-changer").getLast().encode()).contains("The tool dup.name.");
      assertThat(requestsOf("mcp-changer").getLast().encode()).doesNotContain("The tool dup_name.");

      changing.addTool("late_tool");
      f.finishMaintenance(agent);
      f.model.then("You are mcp-changer", calls("changing__late_tool", "{}"));
      f.model.then("You are mcp-changer", done("second"));
      f.message(agent, "look again");
      assertThat(f.awaitWakeEnd(agent, 2)).isEqualTo("completed");
      assertThat(offered(requestsOf("mcp-changer").getLast())).contains("changing__late_tool");
      assertThat(f.events(agent, "tool_result").getLast().toolOutput()).isEqualTo("late_tool ran");
    }
  }

  @Test
  void anUnreachableServerIsLeftOutAndNamedInTheSystemMessage() throws Exception {
    int port = FreePort.pick();
    UUID server = server("gone", "http://127.0.0.1:" + port + "/mcp", null);
    UUID agent = agent("mcp-lonely", "autonomous", server, "*");
    f.model.then("You are mcp-lonely", done("alone"));
    f.message(agent, "anyone?");
    assertThat(f.awaitWakeEnd(agent, 1)).isEqualTo("completed");
    JsonObject request = requestsOf("mcp-lonely").getFirst();
    assertThat(system(request))
        .contains("These MCP servers could not be reached")
        .contains("gone (");
    assertThat(offered(request)).noneMatch(t -> t.startsWith("gone__"));
    assertThat(f.store.mcp().get(f.workspace, server).await().orElseThrow().lastError())
        .isNotBlank();
  }

  @Test
  void aServerTooSlowToListItsToolsIsLeftOutWhileAnotherIsOffered() throws Exception {
    try (McpToolServer hanging =
        new McpToolServer(new JsonObject().put("listDelayMs", 30_000), null)) {
      UUID server = server("hanging", hanging.url(), null);
      UUID agent = f.agent("mcp-waiter");
      f.store
          .mcp()
          .replaceGrants(
              f.workspace,
              agent,
              List.of(
                  new McpRepository.NewGrant(server, "*", null),
                  new McpRepository.NewGrant(toolsServer, "echo", null)),
              null)
          .await();
      f.model.then("You are mcp-waiter", done("done"));
      long start = System.nanoTime();
      f.message(agent, "wait");
      assertThat(f.awaitWakeEnd(agent, 1)).isEqualTo("completed");
      // MCP_LIST_TIMEOUT_SECONDS is 3 here: the wake did not wait for the 30 s listing.
      assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(15_000);
      JsonObject request = requestsOf("mcp-waiter").getFirst();
      assertThat(system(request)).contains("hanging (no answer in time)");
      assertThat(offered(request))
          .contains("tools__echo")
          .noneMatch(t -> t.startsWith("hanging__"));
      assertThat(f.store.mcp().get(f.workspace, server).await().orElseThrow().lastError())
          .isEqualTo("no answer in time");
    }
  }

  @Test
  void plainHttpToAnotherHostAndAMissingCredentialLeaveTheServerOut() {
    UUID plain = server("plain", "http://mcp.example.com/mcp", null);
    UUID keyless = server("keyless", tools.url(), "no_such_credential");
    UUID agent = f.agent("mcp-refused");
    f.store
        .mcp()
        .replaceGrants(
            f.workspace,
            agent,
            List.of(
                new McpRepository.NewGrant(plain, "*", null),
                new McpRepository.NewGrant(keyless, "*", null)),
            null)
        .await();
    f.model.then("You are mcp-refused", done("nothing"));
    f.message(agent, "anything?");
    assertThat(f.awaitWakeEnd(agent, 1)).isEqualTo("completed");
    JsonObject request = requestsOf("mcp-refused").getFirst();
    assertThat(system(request))
        .contains("plain (plain http reaches only loopback hosts unless MCP_ALLOW_HTTP=true)")
        .contains("keyless (its credential no_such_credential does not exist or does not open)");
    assertThat(offered(request))
        .noneMatch(t -> t.startsWith("plain__") || t.startsWith("keyless__"));
  }

  @Test
  void aSupervisedAgentsDestructiveCallWaitsForApprovalAndRunsOnceAfterIt() throws Exception {
    UUID agent = agent("mcp-careful", "supervised", toolsServer, "delete_thing", "echo");
    long before = tools.callsOf("delete_thing");
    f.model.then("You are mcp-careful", calls("tools__delete_thing", "{\"id\": \"x1\"}"));
    f.message(agent, "delete x1");
    assertThat(f.awaitWakeEnd(agent, 1)).isEqualTo("awaiting_approval");
    // The system message said which tools wait.
    assertThat(system(requestsOf("mcp-careful").getFirst()))
        .contains("tools__delete_thing")
        .contains("wait for a person's approval");
    StoredEvent requested = f.events(agent, "approval_requested").getFirst();
    assertThat(requested.payload().getString("capability")).isEqualTo("destructive");
    assertThat(tools.callsOf("delete_thing")).isEqualTo(before);
    f.finishMaintenance(agent);

    UUID approval = UUID.fromString(requested.payload().getString("approval_id"));
    f.model.then("You are mcp-careful", done("deleted"));
    DecideResult decided =
        f.store.approvals().decide(f.workspace, approval, null, Decision.APPROVED, "ok").await();
    assertThat(decided).isInstanceOf(DecideResult.Decided.class);
    assertThat(f.awaitWakeEnd(agent, 2)).isEqualTo("completed");

    StoredEvent result = f.events(agent, "tool_result").getLast();
    assertThat(result.payload().getString("approval_id")).isEqualTo(approval.toString());
    assertThat(result.payload().getBoolean("ok")).isTrue();
    assertThat(result.toolOutput()).isEqualTo("deleted x1");
    assertThat(tools.callsOf("delete_thing")).isEqualTo(before + 1);
  }

  @Test
  void anApprovedCallWhoseServerIsNoLongerGrantedIsAnsweredAsNotRun() throws Exception {
    UUID agent = agent("mcp-revoked", "supervised", toolsServer, "delete_thing");
    long before = tools.callsOf("delete_thing");
    f.model.then("You are mcp-revoked", calls("tools__delete_thing", "{\"id\": \"x2\"}"));
    f.message(agent, "delete x2");
    assertThat(f.awaitWakeEnd(agent, 1)).isEqualTo("awaiting_approval");
    f.finishMaintenance(agent);
    f.store.mcp().replaceGrants(f.workspace, agent, List.of(), null).await();

    UUID approval =
        UUID.fromString(
            f.events(agent, "approval_requested").getFirst().payload().getString("approval_id"));
    f.model.then("You are mcp-revoked", done("not run"));
    f.store.approvals().decide(f.workspace, approval, null, Decision.APPROVED, "ok").await();
    assertThat(f.awaitWakeEnd(agent, 2)).isEqualTo("completed");
    StoredEvent result = f.events(agent, "tool_result").getLast();
    assertThat(result.payload().getString("approval_id")).isEqualTo(approval.toString());
    assertThat(result.payload().getBoolean("ok")).isFalse();
    assertThat(result.toolOutput())
        .startsWith("error: tools__delete_thing is not offered in this wake")
        .endsWith("it did not run");
    assertThat(offered(requestsOf("mcp-revoked").getLast()))
        .noneMatch(t -> t.startsWith("tools__"));
    assertThat(tools.callsOf("delete_thing")).isEqualTo(before);
  }

  @Test
  void aLockedAgentsMcpCallIsRefused() throws Exception {
    UUID agent = agent("mcp-locked", "locked", toolsServer, "echo");
    long before = tools.callsOf("echo");
    f.model.then("You are mcp-locked", calls("tools__echo", "{\"text\": \"no\"}"));
    f.model.then("You are mcp-locked", done("refused"));
    f.message(agent, "echo");
    assertThat(f.awaitWakeEnd(agent, 1)).isEqualTo("completed");
    assertThat(f.events(agent, "tool_capability_denied"))
        .singleElement()
        .satisfies(e -> assertThat(e.payload().getString("capability")).isEqualTo("external"));
    assertThat(f.events(agent, "tool_result").getFirst().toolOutput())
        .startsWith("error: not run: tools__echo is a external tool");
    assertThat(tools.callsOf("echo")).isEqualTo(before);
  }

  @Test
  void aServerThatDiesMidCallGivesAFailedResultAndTheWakeGoesOn() throws Exception {
    try (McpToolServer mortal = new McpToolServer("Authorization", null)) {
      UUID server = server("mortal", mortal.url(), null);
      UUID agent = agent("mcp-mourner", "autonomous", server, "*");
      f.model.then(
          "You are mcp-mourner",
          calls("mortal__die", "{}", "mortal__echo", "{\"text\": \"anyone\"}"));
      f.model.then("You are mcp-mourner", done("it died"));
      f.message(agent, "die");
      assertThat(f.awaitWakeEnd(agent, 1)).isEqualTo("completed");
      List<StoredEvent> results = f.events(agent, "tool_result");
      assertThat(results).hasSize(2);
      assertThat(results).allSatisfy(r -> assertThat(r.payload().getBoolean("ok")).isFalse());
      assertThat(results.get(0).toolOutput()).startsWith("error: the MCP server mortal failed");
      org.awaitility.Awaitility.await()
          .atMost(java.time.Duration.ofSeconds(10))
          .until(() -> !mortal.alive());
    }
  }
}
