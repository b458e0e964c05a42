package org.openpincery.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openpincery.config.Env;
import org.openpincery.db.DatabaseUrl;
import org.openpincery.testkit.NodeTools;
import org.openpincery.testkit.ScriptedModelServer;
import org.openpincery.testkit.ScriptedModelServer.Text;
import org.openpincery.testkit.TestPostgres;

/**
 * Open Pincery as an MCP server, used by a real MCP client that no one here wrote: the official
 * TypeScript SDK ({@code @modelcontextprotocol/sdk}, pinned in {@code src/test/node/package.json},
 * installed into {@code target/} at test time) over its Streamable HTTP transport, against the
 * whole standalone stack (gateway, wake worker, maintenance) with the scripted model. The client
 * lists tools, sends a message and waits for the agent's reply, reads events and a resource; a
 * viewer cannot send; a wrong token is refused; another workspace's agent is not found. And the MCP
 * Inspector's CLI ({@code @modelcontextprotocol/inspector}, pinned beside it) lists the tools and
 * calls one. The Inspector declares Node 22 but its CLI runs on Debian's Node 20; its web UI's
 * {@code vite} is overridden to 7.x in package.json because vite 8 names an optional package the
 * registry does not serve, which makes {@code npm ci} fail (the CLI does not use vite).
 */
class McpClientEndToEndTest {

  private static final String BOOTSTRAP = "mcp-e2e-bootstrap-token-12345678";
  private static final String MAINTENANCE = "keep the long-term memory";

  private final HttpClient http = HttpClient.newHttpClient();
  private final ScriptedModelServer model = ScriptedModelServer.start();
  private final int port = StandaloneProcess.freePort();
  private final DatabaseUrl db = TestPostgres.freshDatabase();
  private final Standalone app;
  private final String session;

  McpClientEndToEndTest() throws Exception {
    Map<String, String> env = new HashMap<>();
    env.put("DATABASE_URL", TestPostgres.urlString(db));
    env.put("OPEN_PINCERY_PORT", Integer.toString(port));
    env.put("OPEN_PINCERY_BOOTSTRAP_TOKEN", BOOTSTRAP);
    env.put("LLM_API_BASE_URL", model.baseUrl());
    env.put("LLM_API_KEY", "e2e-key");
    env.put("LLM_MODEL", "scripted");
    env.put("WAKE_POLL_MILLIS", "200");
    env.put("MAINTENANCE_POLL_MILLIS", "200");
    app = Standalone.start(StandaloneConfig.from(Env.of(env)));
    session = call("POST", "/api/bootstrap", BOOTSTRAP, null).getString("session_token");
  }

  @AfterEach
  void stop() {
    app.stop();
    model.close();
  }

  private JsonObject call(String method, String path, String token, JsonObject body)
      throws Exception {
    ApiCalls.Answer r = ApiCalls.send(http, port, method, path, token, body);
    assertThat(r.status()).as(method + " " + path + ": " + r.body()).isLessThan(300);
    return r.json();
  }

  private String viewerSession() throws Exception {
    String invitation =
        call(
                "POST",
                "/api/invitations",
                session,
                new JsonObject().put("email", "viewer@example.com").put("role", "viewer"))
            .getString("token");
    return call("POST", "/api/invitations/accept", null, new JsonObject().put("token", invitation))
        .getString("session_token");
  }

  /** An agent in a second workspace of the same person (a session switched to it). */
  private String foreignAgent() throws Exception {
    String other = call("POST", "/api/login", BOOTSTRAP, null).getString("session_token");
    String lab =
        call("POST", "/api/workspaces", other, new JsonObject().put("name", "lab")).getString("id");
    call("POST", "/api/session/workspace", other, new JsonObject().put("workspace_id", lab));
    return call("POST", "/api/agents", other, new JsonObject().put("name", "hidden"))
        .getString("id");
  }

  private static Path client() throws Exception {
    return NodeTools.install(
        Path.of("src/test/node").toAbsolutePath(),
        Path.of("target/mcp-client").toAbsolutePath(),
        List.of("package.json", "package-lock.json", "mcp-client.mjs"));
  }

  private NodeTools.Result inspector(Path dir, String token, String... method) throws Exception {
    List<String> command = new java.util.ArrayList<>();
    command.addAll(
        List.of(
            dir.resolve("node_modules/.bin/mcp-inspector").toString(),
            "--cli",
            "http://127.0.0.1:" + port + "/mcp",
            "--transport",
            "http",
            "--header",
            "Authorization: Bearer " + token));
    command.addAll(List.of(method));
    return NodeTools.run(dir, null, 120, command.toArray(String[]::new));
  }

  @Test
  void theMcpInspectorCliListsToolsAndCallsOne() throws Exception {
    call("POST", "/api/agents", session, new JsonObject().put("name", "ada"));
    String token =
        call("POST", "/api/tokens", session, new JsonObject().put("name", "inspector"))
            .getString("token");
    Path dir = client();

    NodeTools.Result tools = inspector(dir, token, "--method", "tools/list");
    NodeTools.Result agents =
        inspector(
            dir,
            token,
            "--method",
            "tools/call",
            "--tool-name",
            "get_agent",
            "--tool-arg",
            "agent=ada");
    NodeTools.Result refused = inspector(dir, "pcy_" + "0".repeat(64), "--method", "tools/list");

    assertThat(tools.exit()).as(tools.err() + tools.out()).isZero();
    assertThat(new JsonObject(tools.out()).getJsonArray("tools").encode())
        .contains("\"list_agents\"", "\"send_message\"", "\"set_schedule\"");
    assertThat(agents.exit()).as(agents.err() + agents.out()).isZero();
    assertThat(agents.out()).contains("\"isError\": false").contains("ada");
    assertThat(refused.exit()).isNotZero();
    // Our 401 makes the Inspector want to sign in (MCP's OAuth flow), which a CLI run cannot.
    assertThat(refused.out() + refused.err()).contains("auth_required");
  }

  @Test
  void theTypeScriptSdkClientTalksToAnAgentAndGetsItsReply() throws Exception {
    String ada =
        call("POST", "/api/agents", session, new JsonObject().put("name", "ada")).getString("id");
    String token =
        call("POST", "/api/tokens", session, new JsonObject().put("name", "mcp-client"))
            .getString("token");
    String viewer = viewerSession();
    String hidden = foreignAgent();
    model
        .then("hello from mcp", new Text("Hello, MCP client! I am Ada.", "stop", 100, 20))
        .then(
            MAINTENANCE,
            new Text(
                "{\"identity\": \"I am Ada.\", \"work_list\": \"- greet\","
                    + " \"summary\": \"Greeted an MCP client.\"}",
                "stop",
                100,
                20));

    NodeTools.Result run =
        NodeTools.run(
            client(),
            null,
            180,
            "node",
            "mcp-client.mjs",
            "http://127.0.0.1:" + port,
            token,
            "ada",
            viewer,
            hidden);
    assertThat(run.exit()).as(run.err()).isZero();
    JsonObject out = new JsonObject(run.out());

    assertThat(out.getJsonObject("server").getString("name")).isEqualTo("open-pincery");
    assertThat(out.getString("sessionId")).isNotBlank();
    assertThat(out.getJsonArray("tools").getList())
        .containsExactly("get_agent", "list_agents", "read_events", "send_message", "set_schedule");
    assertThat(out.getJsonObject("agents").getJsonArray("agents").getJsonObject(0).getString("id"))
        .isEqualTo(ada);

    JsonObject sent = out.getJsonObject("sent");
    assertThat(sent.getBoolean("isError")).as(sent.encode()).isFalse();
    assertThat(sent.getJsonObject("body").getJsonArray("replies").getList())
        .containsExactly("Hello, MCP client! I am Ada.");
    assertThat(sent.getJsonObject("body").getBoolean("wake_ended")).isTrue();
    assertThat(sent.getJsonObject("body").getString("termination_reason")).isEqualTo("completed");

    JsonArray events = out.getJsonObject("events").getJsonArray("events");
    List<String> types =
        events.stream().map(e -> ((JsonObject) e).getString("event_type")).toList();
    assertThat(types).startsWith("message_received", "wake_start").contains("assistant_message");
    assertThat(events.getJsonObject(0).getString("content")).isEqualTo("hello from mcp");

    assertThat(out.getJsonObject("projection").getString("agent_id")).isEqualTo(ada);
    assertThat(out.getJsonArray("templates").getList())
        .contains("pincery://agents/{id}/events", "pincery://agents/{id}/projection");
    assertThat(out.getJsonObject("foreign").getBoolean("isError")).isTrue();
    assertThat(out.getJsonObject("foreign").getString("text")).contains("no agent");

    assertThat(out.getJsonObject("viewer").getBoolean("isError")).isTrue();
    assertThat(out.getJsonObject("viewer").getString("text")).contains("needs role operator");
    assertThat(out.getJsonObject("wrongToken").getBoolean("connected")).isFalse();
    assertThat(out.getJsonObject("wrongToken").getInteger("code")).isEqualTo(401);
    assertThat(out.getJsonObject("wrongToken").getString("message")).contains("unauthorized");
  }
}
