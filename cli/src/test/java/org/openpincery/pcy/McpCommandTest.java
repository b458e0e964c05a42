package org.openpincery.pcy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openpincery.standalone.CliStack;
import org.openpincery.testkit.RemoteMcpServer;

/**
 * {@code pcy mcp} against one real standalone stack and a real MCP server (the official TypeScript
 * SDK): add a server with a credential, list it, refresh its tools, grant some to an agent, list
 * and revoke them, disable and remove it; errors are one line with the usual exit codes.
 */
class McpCommandTest {

  private static final String SECRET = "pcy_mcp_secret_value_42";

  @TempDir static Path home;

  private static CliStack stack;
  private static Cli owner;
  private static RemoteMcpServer remote;

  @BeforeAll
  static void start() throws Exception {
    stack = CliStack.start(null);
    owner = new Cli(stack.url(), home.resolve("owner/config.json"));
    var boot = owner.run("bootstrap", "--bootstrap-token", CliStack.BOOTSTRAP_TOKEN);
    assertThat(boot.exit()).as(boot.toString()).isZero();
    assertThat(owner.runWithStdin(SECRET + "\n", "credential", "add", "TRACKER").exit()).isZero();
    assertThat(owner.run("agent", "create", "helper").exit()).isZero();
    remote =
        new RemoteMcpServer(
            new JsonArray()
                .add(
                    new JsonObject()
                        .put("name", "search")
                        .put("description", "Search issues")
                        .put("annotations", new JsonObject().put("readOnlyHint", true)))
                .add(new JsonObject().put("name", "close_issue").put("description", "Close one")));
  }

  @AfterAll
  static void stop() throws Exception {
    remote.close();
    stack.close();
  }

  @Test
  void addListRefreshGrantRevokeDisableAndRemove() throws Exception {
    var added =
        owner.run(
            "mcp",
            "add",
            "tracker",
            remote.url(),
            "--credential",
            "TRACKER",
            "--header",
            "X-Token",
            "--scheme",
            "Token",
            "--description",
            "issues");
    assertThat(added.exit()).as(added.toString()).isZero();
    assertThat(added.json().get("auth_header").asText()).isEqualTo("X-Token");
    assertThat(added.out()).doesNotContain(SECRET);

    var list = owner.run("mcp", "list");
    assertThat(list.exit()).isZero();
    assertThat(list.json().get("servers").get(0).get("name").asText()).isEqualTo("tracker");
    assertThat(owner.runOnTerminal("mcp", "list", "--no-color").out())
        .contains("NAME")
        .contains("tracker")
        .contains("TRACKER")
        .contains(remote.url());

    var notYet = owner.runOnTerminal("mcp", "tools", "tracker", "--no-color");
    assertThat(notYet.out()).contains("--refresh");
    var refreshed = owner.runOnTerminal("mcp", "tools", "tracker", "--refresh", "--no-color");
    assertThat(refreshed.exit()).as(refreshed.toString()).isZero();
    assertThat(refreshed.out())
        .contains("search")
        .contains("external")
        .contains("close_issue")
        .contains("destructive")
        .contains("Search issues")
        .doesNotContain(SECRET);
    assertThat(remote.headerValues("x-token")).contains("Token " + SECRET);
    JsonNode tools = owner.run("mcp", "tools", "tracker").json();
    assertThat(tools.get("tools").size()).isEqualTo(2);

    var granted = owner.run("mcp", "grant", "helper", "tracker", "search", "--class", "read_local");
    assertThat(granted.exit()).as(granted.toString()).isZero();
    assertThat(granted.json().get("grants").get(0).get("namespaced").asText())
        .isEqualTo("tracker__search");
    assertThat(owner.run("mcp", "grant", "helper", "tracker", "close_issue").exit()).isZero();
    assertThat(namespaced(owner.run("mcp", "grants", "helper").json()))
        .containsExactlyInAnyOrder("tracker__search", "tracker__close_issue");
    assertThat(owner.runOnTerminal("mcp", "grants", "helper", "--no-color").out())
        .contains("tracker__search")
        .contains("read_local")
        .contains("(the tool's)");

    var revoked = owner.run("mcp", "revoke", "helper", "tracker", "close_issue");
    assertThat(revoked.exit()).as(revoked.toString()).isZero();
    assertThat(namespaced(revoked.json())).containsExactly("tracker__search");
    assertThat(owner.run("mcp", "grant", "helper", "tracker", "--all").exit()).isZero();
    assertThat(namespaced(owner.run("mcp", "grants", "helper").json()))
        .containsExactlyInAnyOrder("tracker__search", "tracker__*");
    assertThat(owner.run("mcp", "revoke", "helper", "tracker").exit()).isZero();
    assertThat(owner.runOnTerminal("mcp", "grants", "helper").out())
        .contains("no MCP tools granted");

    assertThat(owner.run("mcp", "disable", "tracker").json().get("enabled").asBoolean()).isFalse();
    assertThat(owner.run("mcp", "enable", "tracker").json().get("enabled").asBoolean()).isTrue();
    var removed = owner.run("mcp", "rm", "tracker");
    assertThat(removed.exit()).as(removed.toString()).isZero();
    assertThat(owner.run("mcp", "list").json().get("servers").size()).isZero();
  }

  @Test
  void errorsAreOneLineWithTheUsualExitCodes() {
    var badName = owner.run("mcp", "add", "Bad-Name", "https://mcp.example.com/mcp");
    assertThat(badName.exit()).isEqualTo(2);
    assertThat(badName.err()).startsWith("pcy: ").contains("invalid_name");
    assertThat(badName.err().strip().lines().count()).isOne();

    var noCredential =
        owner.run("mcp", "add", "nocred", "https://mcp.example.com/mcp", "--credential", "NOPE");
    assertThat(noCredential.exit()).isEqualTo(2);
    assertThat(noCredential.err()).contains("unknown_credential");

    assertThat(owner.run("mcp", "add", "dupe", "https://mcp.example.com/mcp").exit()).isZero();
    var dupe = owner.run("mcp", "add", "dupe", "https://mcp.example.com/mcp");
    assertThat(dupe.exit()).isEqualTo(1);
    assertThat(dupe.err()).contains("name_taken");

    var unknownServer = owner.run("mcp", "tools", "nosuch");
    assertThat(unknownServer.exit()).isEqualTo(4);
    assertThat(unknownServer.err()).contains("pcy mcp list");

    var neither = owner.run("mcp", "grant", "helper", "dupe");
    assertThat(neither.exit()).isEqualTo(2);
    var badClass = owner.run("mcp", "grant", "helper", "dupe", "--all", "--class", "root");
    assertThat(badClass.exit()).isEqualTo(2);
    var noAgent = owner.run("mcp", "grants", "nobody");
    assertThat(noAgent.exit()).isEqualTo(4);
    var nothingToRevoke = owner.run("mcp", "revoke", "helper", "dupe", "x");
    assertThat(nothingToRevoke.exit()).isEqualTo(4);

    var unreachable = owner.run("mcp", "add", "down", "http://127.0.0.1:9/mcp");
    assertThat(unreachable.exit()).isZero();
    var down = owner.run("mcp", "tools", "down", "--refresh");
    assertThat(down.exit()).as(down.toString()).isEqualTo(5);
    assertThat(down.err()).contains("mcp_unreachable");
    assertThat(owner.run("mcp", "rm", "down").exit()).isZero();
    assertThat(owner.run("mcp", "rm", "dupe").exit()).isZero();
  }

  @Test
  void aViewerReadsButCannotAddOrGrant() {
    var invited = owner.run("invite", "viewer@example.org", "--role", "viewer");
    Cli viewer = new Cli(stack.url(), home.resolve("viewer/config.json"));
    assertThat(viewer.run("accept", invited.json().get("token").asText()).exit()).isZero();
    assertThat(viewer.run("mcp", "list").exit()).isZero();
    var refused = viewer.run("mcp", "add", "mine", "https://mcp.example.com/mcp");
    assertThat(refused.exit()).isEqualTo(6);
    assertThat(refused.err()).contains("forbidden");
    assertThat(viewer.run("mcp", "grants", "helper").exit()).isZero();
  }

  private static List<String> namespaced(JsonNode grants) {
    List<String> out = new ArrayList<>();
    grants.path("grants").forEach(g -> out.add(g.path("namespaced").asText()));
    return out;
  }
}
