package org.openpincery.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openpincery.config.Env;
import org.openpincery.testkit.RemoteMcpServer;
import org.openpincery.testkit.TestPostgres;
import org.openpincery.vault.Vault;
import org.openqa.selenium.support.ui.Select;

/**
 * The control plane's MCP page and an agent's MCP tools card in real headless Chromium against the
 * whole standalone stack and a real MCP server (the official TypeScript SDK's, started here): add a
 * server with a credential, refresh its tools (descriptions and classes shown), grant one to an
 * agent. Screenshots: {@code target/ui-screenshots/mcp-*.png}.
 */
class McpControlPlaneBrowserTest {

  private static final String BOOTSTRAP = "mcp-browser-bootstrap-token-0042";
  private static final String SECRET = "mcp_browser_secret_value_9";

  @TempDir Path work;

  private final int port = StandaloneProcess.freePort();
  private final HttpClient http = HttpClient.newHttpClient();
  private Standalone app;
  private Chromium browser;
  private RemoteMcpServer remote;

  @BeforeEach
  void start() throws Exception {
    assertThat(Chromium.BINARY).as("Debian's chromium").isExecutable();
    remote =
        new RemoteMcpServer(
            new JsonArray()
                .add(
                    new JsonObject()
                        .put("name", "search_issues")
                        .put("description", "Search the tracker's issues")
                        .put("annotations", new JsonObject().put("readOnlyHint", true)))
                .add(
                    new JsonObject()
                        .put("name", "delete_issue")
                        .put("description", "Delete an issue for good")));
    Map<String, String> env = new HashMap<>();
    env.put("DATABASE_URL", TestPostgres.urlString(TestPostgres.freshDatabase()));
    env.put("OPEN_PINCERY_DATA_DIR", work.resolve("data").toString());
    env.put("OPEN_PINCERY_PORT", Integer.toString(port));
    env.put("OPEN_PINCERY_BOOTSTRAP_TOKEN", BOOTSTRAP);
    env.put(Vault.KEY_SETTING, Vault.newKey());
    app = Standalone.start(StandaloneConfig.from(Env.of(env)));
    browser = new Chromium(work.resolve("browser"), port);
  }

  @AfterEach
  void stop() throws Exception {
    if (browser != null) {
      browser.screenshot(Path.of("target", "ui-screenshots", "mcp-last.png"));
      browser.close();
    }
    if (app != null) {
      app.stop();
    }
    if (remote != null) {
      remote.close();
    }
  }

  private ApiCalls.Answer api(String method, String path, String token, JsonObject body)
      throws Exception {
    return ApiCalls.send(http, port, method, path, token, body);
  }

  @Test
  void anAdminAddsAServerRefreshesItsToolsAndGrantsOneToAnAgent() throws Exception {
    browser.open("");
    browser.type("#login-token", BOOTSTRAP);
    browser.click("#login-submit");
    browser.visible("#agents-table");
    String token = browser.sessionToken();
    assertThat(
            api(
                    "POST",
                    "/api/credentials",
                    token,
                    new JsonObject().put("name", "TRACKER").put("value", SECRET))
                .status())
        .isEqualTo(201);
    var agent = api("POST", "/api/agents", token, new JsonObject().put("name", "helper"));
    assertThat(agent.status()).as(agent.body()).isEqualTo(201);
    String agentId = agent.json().getString("id");

    browser.click("#page-nav a[data-page=mcp]");
    browser.visible("#mcp-form");
    browser.textAppears("#mcp-empty", "No MCP servers yet.");
    browser.textAppears("#mcp-credential", "TRACKER");
    browser.type("#mcp-name", "tracker");
    browser.type("#mcp-url", remote.url());
    new Select(browser.visible("#mcp-credential")).selectByValue("TRACKER");
    browser.type("#mcp-description", "the issue tracker");
    browser.click("#mcp-submit");
    browser.visible("section[data-server-name=tracker]");
    browser.textAppears("section[data-server-name=tracker]", "never listed");

    browser.click("section[data-server-name=tracker] button[aria-label^='Refresh']");
    browser.textAppears("#mcp-tools-tracker", "search_issues");
    browser.textAppears("#mcp-tools-tracker", "Search the tracker's issues");
    browser.textAppears("#mcp-tools-tracker", "tracker__delete_issue");
    browser.textAppears("#mcp-tools-tracker tr[data-tool=search_issues]", "external");
    browser.textAppears("#mcp-tools-tracker tr[data-tool=delete_issue]", "destructive");
    assertThat(remote.headerValues("authorization")).contains("Bearer " + SECRET);
    assertThat(browser.visible("#mcp-servers").getText()).doesNotContain(SECRET);
    browser.screenshot(Path.of("target", "ui-screenshots", "mcp-servers.png"));
    assertThat(browser.unlabelledFields()).asList().isEmpty();

    browser.open("#/agents/" + agentId);
    browser.visible("#mcp-grants-card");
    browser.textAppears("#mcp-grants-body", "No MCP tools granted.");
    browser.textAppears("#mcp-grant-server", "tracker");
    browser.click("#mcp-grant-all");
    browser.click("#mcp-grant-tools input[value=search_issues]");
    new Select(browser.visible("#mcp-grant-class")).selectByValue("read_local");
    browser.click("#mcp-grant-submit");
    browser.textAppears("#mcp-grants-body", "tracker__search_issues");
    browser.textAppears("#mcp-grants-body", "read_local");
    browser.screenshot(Path.of("target", "ui-screenshots", "mcp-agent-grants.png"));

    JsonArray grants =
        api("GET", "/api/agents/" + agentId + "/mcp-grants", token, null)
            .json()
            .getJsonArray("grants");
    assertThat(grants).hasSize(1);
    assertThat(grants.getJsonObject(0).getString("namespaced")).isEqualTo("tracker__search_issues");
    assertThat(grants.getJsonObject(0).getString("capability")).isEqualTo("read_local");

    browser.click("#mcp-grants-body button[aria-label='Revoke tracker__search_issues']");
    browser.textAppears("#mcp-grants-body", "No MCP tools granted.");
    // The log-in form's first try (login before bootstrap) is the only failed request.
    assertThat(browser.consoleProblems())
        .allSatisfy(m -> assertThat(m).contains("/api/login - Failed to load resource"));
  }
}
