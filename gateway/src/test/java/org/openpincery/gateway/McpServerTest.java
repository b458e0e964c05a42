package org.openpincery.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openpincery.model.Role;

/**
 * Open Pincery as an MCP server at {@code /mcp}, driven by the MCP Java SDK's own client over its
 * Streamable HTTP transport (and by raw HTTP for the transport's refusals), against a real gateway
 * and PostgreSQL. Replies to a message need a wake worker: that is {@code McpClientEndToEndTest} in
 * the standalone module.
 */
class McpServerTest {

  private final GatewayFixture api = new GatewayFixture();
  private final String admin = api.bootstrap();
  private final String ada = api.createAgent(admin, "ada");
  private final List<McpSyncClient> clients = new java.util.ArrayList<>();

  @AfterEach
  void close() {
    clients.forEach(McpSyncClient::closeGracefully);
    api.close();
  }

  private McpSyncClient connect(String token) {
    var transport =
        HttpClientStreamableHttpTransport.builder("http://127.0.0.1:" + api.port)
            .endpoint("/mcp")
            .requestBuilder(HttpRequest.newBuilder().header("Authorization", "Bearer " + token))
            .build();
    McpSyncClient client = McpClient.sync(transport).requestTimeout(Duration.ofSeconds(30)).build();
    clients.add(client);
    client.initialize();
    return client;
  }

  private String apiToken(String session) {
    return api.call("POST", "/api/tokens", session, "{\"name\":\"mcp\"}").json().getString("token");
  }

  private static McpSchema.CallToolResult call(
      McpSyncClient client, String tool, Map<String, Object> args) {
    return client.callTool(new McpSchema.CallToolRequest(tool, args));
  }

  private static String text(McpSchema.CallToolResult result) {
    return ((McpSchema.TextContent) result.content().getFirst()).text();
  }

  private static JsonObject json(McpSchema.CallToolResult result) {
    assertThat(result.isError()).as(text(result)).isFalse();
    return new JsonObject(text(result));
  }

  @Test
  void theJavaSdkClientListsToolsReadsAgentsAndSendsAMessageWithAnApiToken() throws Exception {
    McpSyncClient client = connect(apiToken(admin));

    assertThat(client.getServerInfo().name()).isEqualTo("open-pincery");
    assertThat(client.listTools().tools())
        .extracting(McpSchema.Tool::name)
        .containsExactlyInAnyOrder(
            "list_agents", "get_agent", "send_message", "read_events", "set_schedule");
    assertThat(client.listResourceTemplates().resourceTemplates())
        .extracting(McpSchema.ResourceTemplate::uriTemplate)
        .containsExactlyInAnyOrder(
            "pincery://agents/{id}/events", "pincery://agents/{id}/projection");

    assertThat(client.listResources().resources())
        .extracting(McpSchema.Resource::uri)
        .containsExactly("pincery://agents");
    var listed = client.readResource(new McpSchema.ReadResourceRequest("pincery://agents"));
    JsonObject first =
        new JsonObject(((McpSchema.TextResourceContents) listed.contents().getFirst()).text())
            .getJsonArray("agents")
            .getJsonObject(0);
    assertThat(first.getString("events_uri")).isEqualTo("pincery://agents/" + ada + "/events");

    JsonObject agents = json(call(client, "list_agents", Map.of()));
    assertThat(agents.getJsonArray("agents").getJsonObject(0).getString("name")).isEqualTo("ada");
    // The structured content, as the client received it, is the same JSON: arrays as arrays.
    McpSchema.CallToolResult listedAgents = call(client, "list_agents", Map.of());
    assertThat(((Map<?, ?>) listedAgents.structuredContent()).get("agents"))
        .isInstanceOf(java.util.List.class);
    assertThat(new JsonObject(io.vertx.core.json.Json.encode(listedAgents.structuredContent())))
        .isEqualTo(json(listedAgents));

    JsonObject shown = json(call(client, "get_agent", Map.of("agent", "ada")));
    assertThat(shown.getString("id")).isEqualTo(ada);
    assertThat(shown.getString("status")).isEqualTo("asleep");
    assertThat(shown.getString("permission_mode")).isNotBlank();
    assertThat(shown.getBoolean("stopped")).isFalse();
    assertThat(shown.containsKey("work_list")).isTrue();

    JsonObject sent = json(call(client, "send_message", Map.of("agent", ada, "content", "hi")));
    long seq = sent.getLong("seq");

    JsonObject events =
        json(call(client, "read_events", Map.of("agent", "ada", "after_seq", seq - 1)));
    JsonObject message = events.getJsonArray("events").getJsonObject(0);
    assertThat(message.getString("event_type")).isEqualTo("message_received");
    assertThat(message.getString("source")).isEqualTo("person");
    assertThat(message.getString("content")).isEqualTo("hi");
    assertThat(api.count("SELECT count(*) FROM audit_log WHERE action = 'token.use'")).isEqualTo(1);
    assertThat(
            api.count(
                "SELECT count(*) FROM audit_log WHERE action = 'mcp.send_message' AND actor_type ="
                    + " 'token' AND target_id = '"
                    + ada
                    + "'"))
        .isEqualTo(1);

    var resource =
        client.readResource(
            new McpSchema.ReadResourceRequest("pincery://agents/" + ada + "/events"));
    String body = ((McpSchema.TextResourceContents) resource.contents().getFirst()).text();
    assertThat(new JsonObject(body).getJsonArray("events").encode()).contains("\"hi\"");
    var unknown =
        org.assertj.core.api.Assertions.catchThrowable(
            () ->
                client.readResource(
                    new McpSchema.ReadResourceRequest(
                        "pincery://agents/" + java.util.UUID.randomUUID() + "/projection")));
    assertThat(unknown).hasMessageContaining("no agent");
  }

  @Test
  void aStopMessageGoesThroughTheSemanticStopPathAsOverRest() {
    McpSyncClient client = connect(admin);

    json(call(client, "send_message", Map.of("agent", "ada", "content", "stop")));

    JsonObject shown = json(call(client, "get_agent", Map.of("agent", "ada")));
    assertThat(shown.getBoolean("stopped")).isTrue();
  }

  @Test
  void aWaitThatNoWakeAnswersEndsAtItsDeadlineWithTheMessageAccepted() {
    McpSyncClient client = connect(admin);

    JsonObject sent =
        json(
            call(
                client,
                "send_message",
                Map.of("agent", "ada", "content", "hi", "wait_seconds", 1)));

    // No wake worker runs beside this gateway: the message is on record, no reply came.
    assertThat(sent.getLong("seq")).isPositive();
    assertThat(sent.getBoolean("timed_out")).isTrue();
    assertThat(sent.getBoolean("wake_ended")).isFalse();
    assertThat(sent.getJsonArray("replies")).isEmpty();
  }

  @Test
  void aWaitOnAStopMessageEndsAtOnceForNoWakeWillCome() {
    McpSyncClient client = connect(admin);
    long start = System.nanoTime();

    JsonObject sent =
        json(
            call(
                client,
                "send_message",
                Map.of("agent", "ada", "content", "stop", "wait_seconds", 60)));

    assertThat(sent.getBoolean("timed_out")).isFalse();
    assertThat(sent.getJsonArray("replies")).isEmpty();
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(20));
  }

  @Test
  void setScheduleCreatesTheScheduleTheRestRouteLists() throws Exception {
    McpSyncClient client = connect(admin);

    JsonObject schedule =
        json(
            call(
                client,
                "set_schedule",
                Map.of("agent", "ada", "every", "30m", "note", "check the inbox")));

    assertThat(schedule.getInteger("every_seconds")).isEqualTo(1800);
    var listed = api.call("GET", "/api/agents/" + ada + "/schedules", admin, null).json();
    assertThat(listed.getJsonArray("schedules").getJsonObject(0).getString("note"))
        .isEqualTo("check the inbox");
    assertThat(api.count("SELECT count(*) FROM audit_log WHERE action = 'mcp.set_schedule'"))
        .isEqualTo(1);
  }

  @Test
  void aViewerReadsButCannotSendAMessageOrSetASchedule() throws Exception {
    McpSyncClient client = connect(Members.join(api, admin, Role.VIEWER));

    assertThat(json(call(client, "list_agents", Map.of())).getJsonArray("agents")).hasSize(1);
    var refused = call(client, "send_message", Map.of("agent", "ada", "content", "hi"));
    var schedule = call(client, "set_schedule", Map.of("agent", "ada", "every", 60, "note", "n"));

    assertThat(refused.isError()).isTrue();
    assertThat(text(refused)).contains("needs role operator").contains("you are viewer");
    assertThat(schedule.isError()).isTrue();
    assertThat(api.count("SELECT count(*) FROM events WHERE event_type = 'message_received'"))
        .isZero();
    assertThat(api.count("SELECT count(*) FROM schedules")).isZero();
    assertThat(
            api.count(
                "SELECT count(*) FROM audit_log WHERE action = 'authorization.refused'"
                    + " AND detail->>'action' = 'mcp.send_message'"))
        .isEqualTo(1);
  }

  @Test
  void badArgumentsAreToolErrorsNeverServerErrors() {
    McpSyncClient client = connect(admin);

    var tooLong =
        call(client, "send_message", Map.of("agent", "ada", "content", "x", "wait_seconds", 500));
    var noAgent = call(client, "get_agent", Map.of("agent", "nobody"));
    var blank = call(client, "send_message", Map.of("agent", "ada", "content", "   "));
    var both =
        call(client, "set_schedule", Map.of("agent", "ada", "every", 60, "cron", "* * * * *"));
    var badEvery =
        call(client, "set_schedule", Map.of("agent", "ada", "every", "soon", "note", ""));
    var badLimit = call(client, "read_events", Map.of("agent", "ada", "limit", 201));

    for (var r : List.of(tooLong, noAgent, blank, both, badEvery, badLimit)) {
      assertThat(r.isError()).as(text(r)).isTrue();
    }
    assertThat(text(noAgent)).contains("no agent named or with id 'nobody'");
    assertThat(text(badEvery)).contains("'every'");
  }

  @Test
  void anotherWorkspacesAgentIsNotFound() {
    String other =
        api.call("POST", "/api/login", GatewayFixture.BOOTSTRAP_TOKEN, null)
            .json()
            .getString("session_token");
    String lab =
        api.call("POST", "/api/workspaces", other, "{\"name\":\"lab\"}").json().getString("id");
    api.call(
        "POST",
        "/api/session/workspace",
        other,
        new JsonObject().put("workspace_id", lab).encode());
    String hidden = api.createAgent(other, "hidden");

    McpSyncClient client = connect(admin);

    var byId = call(client, "get_agent", Map.of("agent", hidden));
    var byName = call(client, "send_message", Map.of("agent", "hidden", "content", "hi"));
    assertThat(byId.isError()).isTrue();
    assertThat(text(byId)).contains("no agent");
    assertThat(byName.isError()).isTrue();
    assertThat(json(call(client, "list_agents", Map.of())).encode()).doesNotContain("hidden");
    assertThat(
            json(connect(other).callTool(new McpSchema.CallToolRequest("list_agents", Map.of())))
                .encode())
        .contains("hidden")
        .doesNotContain("\"ada\"");
  }

  // ---- the transport, over raw HTTP ----

  private static final Map<String, String> MCP_HEADERS =
      Map.of("Accept", "application/json, text/event-stream");

  private static String initialize() {
    return new JsonObject()
        .put("jsonrpc", "2.0")
        .put("id", 1)
        .put("method", "initialize")
        .put(
            "params",
            new JsonObject()
                .put("protocolVersion", "2025-06-18")
                .put("capabilities", new JsonObject())
                .put("clientInfo", new JsonObject().put("name", "raw").put("version", "1")))
        .encode();
  }

  private static final String LIST_TOOLS =
      "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\",\"params\":{}}";

  @Test
  void aWrongOrMissingTokenIs401WithTheApiErrorShape() {
    var wrong = api.call("POST", "/mcp", "pcy_" + "0".repeat(64), initialize(), MCP_HEADERS);
    var none = api.call("POST", "/mcp", null, initialize(), MCP_HEADERS);

    assertThat(wrong.status()).isEqualTo(401);
    assertThat(wrong.errorCode()).isEqualTo("unauthorized");
    assertThat(none.status()).isEqualTo(401);
  }

  @Test
  void aSessionBelongsToThePrincipalThatOpenedItAndEndsWithDelete() {
    var init = api.call("POST", "/mcp", admin, initialize(), MCP_HEADERS);
    assertThat(init.status()).as(init.text()).isEqualTo(200);
    String session = init.headers().firstValue("Mcp-Session-Id").orElseThrow();
    Map<String, String> withSession = new java.util.HashMap<>(MCP_HEADERS);
    withSession.put("Mcp-Session-Id", session);

    var mine = api.call("POST", "/mcp", admin, LIST_TOOLS, withSession);
    var someoneElse = api.call("POST", "/mcp", apiToken(admin), LIST_TOOLS, withSession);

    assertThat(mine.status()).isEqualTo(200);
    assertThat(mine.headers().firstValue("content-type").orElseThrow())
        .startsWith("text/event-stream");
    assertThat(mine.text()).contains("event: message").contains("send_message");
    assertThat(someoneElse.status()).isEqualTo(404);

    assertThat(api.call("DELETE", "/mcp", admin, null, withSession).status()).isEqualTo(204);
    assertThat(api.call("POST", "/mcp", admin, LIST_TOOLS, withSession).status()).isEqualTo(404);
  }

  @Test
  void aSessionTokenSwitchedToAnotherWorkspaceCannotUseItsOldMcpSession() {
    String other =
        api.call("POST", "/api/login", GatewayFixture.BOOTSTRAP_TOKEN, null)
            .json()
            .getString("session_token");
    var init = api.call("POST", "/mcp", other, initialize(), MCP_HEADERS);
    Map<String, String> withSession = new java.util.HashMap<>(MCP_HEADERS);
    withSession.put("Mcp-Session-Id", init.headers().firstValue("Mcp-Session-Id").orElseThrow());
    assertThat(api.call("POST", "/mcp", other, LIST_TOOLS, withSession).status()).isEqualTo(200);

    String lab =
        api.call("POST", "/api/workspaces", other, "{\"name\":\"lab\"}").json().getString("id");
    api.call(
        "POST",
        "/api/session/workspace",
        other,
        new JsonObject().put("workspace_id", lab).encode());

    assertThat(api.call("POST", "/mcp", other, LIST_TOOLS, withSession).status()).isEqualTo(404);
  }

  @Test
  void getOpensTheSessionsServerToClientEventStream() throws Exception {
    var init = api.call("POST", "/mcp", admin, initialize(), MCP_HEADERS);
    String session = init.headers().firstValue("Mcp-Session-Id").orElseThrow();

    var stream =
        api.http.send(
            HttpRequest.newBuilder(api.uri("/mcp"))
                .header("Authorization", "Bearer " + admin)
                .header("Accept", "text/event-stream")
                .header("Mcp-Session-Id", session)
                .GET()
                .build(),
            java.net.http.HttpResponse.BodyHandlers.ofInputStream());
    try (var body = stream.body()) {
      assertThat(stream.statusCode()).isEqualTo(200);
      assertThat(stream.headers().firstValue("content-type").orElseThrow())
          .startsWith("text/event-stream");
    }
  }

  @Test
  void theTransportRefusesWhatTheSpecRefuses() {
    Map<String, String> badVersion = new java.util.HashMap<>(MCP_HEADERS);
    badVersion.put("Mcp-Session-Id", "x");
    badVersion.put("MCP-Protocol-Version", "1999-01-01");

    assertThat(api.call("POST", "/mcp", admin, LIST_TOOLS, MCP_HEADERS).status()).isEqualTo(400);
    assertThat(api.call("POST", "/mcp", admin, LIST_TOOLS, badVersion).status()).isEqualTo(400);
    assertThat(api.call("POST", "/mcp", admin, "{not json", MCP_HEADERS).status()).isEqualTo(400);
    assertThat(
            api.call("POST", "/mcp", admin, initialize(), Map.of("Accept", "text/html")).status())
        .isEqualTo(406);
    assertThat(api.call("PUT", "/mcp", admin, "{}", MCP_HEADERS).status()).isEqualTo(405);
    // The API's body limit (OPEN_PINCERY_MAX_BODY_BYTES, 1 MiB by default).
    var tooBig = api.call("POST", "/mcp", admin, "x".repeat(1_100_000), MCP_HEADERS);
    assertThat(tooBig.status()).isEqualTo(413);
    assertThat(tooBig.errorCode()).isNotBlank();
    assertThat(api.call("GET", "/mcp", admin, null, Map.of("Accept", "text/event-stream")).status())
        .isEqualTo(400);
  }
}
