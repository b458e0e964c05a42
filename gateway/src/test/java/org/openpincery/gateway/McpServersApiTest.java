package org.openpincery.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openpincery.model.Role;
import org.openpincery.testkit.FreePort;
import org.openpincery.testkit.RemoteMcpServer;
import org.openpincery.vault.Vault;

/**
 * Remote MCP servers through the API (docs/api.md, "Remote MCP servers"), against a real MCP server
 * built on the official TypeScript SDK: register, refresh its tools live with the credential as its
 * auth header, grant them to an agent; every bad request a 4xx, a failing server a 502.
 */
class McpServersApiTest {

  private static final String SECRET = "mcp_secret_value_never_returned_7";
  private static final JsonArray TOOLS =
      new JsonArray()
          .add(
              new JsonObject()
                  .put("name", "search_issues")
                  .put("description", "Search the tracker's issues")
                  .put("annotations", new JsonObject().put("readOnlyHint", true)))
          .add(
              new JsonObject().put("name", "delete_repo").put("description", "Delete a repository"))
          .add(
              new JsonObject()
                  .put("name", "add_label")
                  .put("description", "Label an issue")
                  .put("annotations", new JsonObject().put("destructiveHint", false)));

  private static final GatewayFixture api =
      new GatewayFixture(
          Map.of(Vault.KEY_SETTING, Vault.newKey(), "MCP_LIST_TIMEOUT_SECONDS", "5"));
  private static RemoteMcpServer remote;
  private static String admin;
  private static String operator;
  private static String viewer;

  @BeforeAll
  static void start() throws Exception {
    remote = new RemoteMcpServer(TOOLS);
    admin = api.bootstrap();
    operator = Members.join(api, admin, Role.OPERATOR);
    viewer = Members.join(api, admin, Role.VIEWER);
    var credential =
        api.call(
            "POST",
            "/api/credentials",
            admin,
            new JsonObject().put("name", "TRACKER_TOKEN").put("value", SECRET).encode());
    assertThat(credential.status()).as(credential.text()).isEqualTo(201);
  }

  @AfterAll
  static void stop() throws Exception {
    remote.close();
    api.close();
  }

  private static GatewayFixture.Response add(String token, JsonObject body) {
    return api.call("POST", "/api/mcp/servers", token, body.encode());
  }

  private static String addServer(String name, String url, JsonObject extra) {
    var r = add(admin, extra.copy().put("name", name).put("url", url));
    assertThat(r.status()).as(r.text()).isEqualTo(201);
    return r.json().getString("id");
  }

  private static GatewayFixture.Response refresh(String token, String id) {
    return api.call("POST", "/api/mcp/servers/" + id + "/refresh", token, null);
  }

  @Test
  void refreshListsTheToolsLiveSendsTheCredentialAsTheHeaderAndKeepsTheList() throws Exception {
    try (RemoteMcpServer own = new RemoteMcpServer(TOOLS)) {
      refreshesFrom(own);
    }
  }

  private void refreshesFrom(RemoteMcpServer own) throws Exception {
    String id =
        addServer(
            "tracker",
            own.url(),
            new JsonObject()
                .put("credential_name", "TRACKER_TOKEN")
                .put("auth_header", "X-Api-Key")
                .put("auth_scheme", "")
                .put("description", "the issue tracker"));
    var before = api.call("GET", "/api/mcp/servers/" + id, viewer, null);
    assertThat(before.json().getValue("tools")).isNull();
    assertThat(before.json().getString("credential_name")).isEqualTo("TRACKER_TOKEN");

    var refreshed = refresh(operator, id);
    assertThat(refreshed.status()).as(refreshed.text()).isEqualTo(200);
    assertThat(refreshed.text()).doesNotContain(SECRET);
    JsonArray tools = refreshed.json().getJsonArray("tools");
    assertThat(tools.stream().map(t -> ((JsonObject) t).getString("name")))
        .containsExactly("search_issues", "delete_repo", "add_label");
    JsonObject search = tools.getJsonObject(0);
    assertThat(search.getString("description")).isEqualTo("Search the tracker's issues");
    assertThat(search.getString("namespaced")).isEqualTo("tracker__search_issues");
    assertThat(search.getJsonObject("input_schema").getString("type")).isEqualTo("object");
    // The spec's defaults: read-only is external; unannotated may destroy; non-destructive
    // external.
    assertThat(search.getString("capability")).isEqualTo("external");
    assertThat(tools.getJsonObject(1).getString("capability")).isEqualTo("destructive");
    assertThat(tools.getJsonObject(2).getString("capability")).isEqualTo("external");
    assertThat(refreshed.json().getString("tools_listed_at")).isNotNull();
    assertThat(refreshed.json().getValue("last_error")).isNull();

    assertThat(own.headerValues("x-api-key")).isNotEmpty().allMatch(SECRET::equals);
    assertThat(own.headerValues("authorization")).containsOnlyNulls();

    // Kept: listed again from the store, for every role.
    var listed = api.call("GET", "/api/mcp/servers", viewer, null);
    assertThat(listed.status()).isEqualTo(200);
    assertThat(listed.text()).contains("search_issues").doesNotContain(SECRET);
    assertThat(api.count("SELECT count(*) FROM audit_log WHERE action = 'mcp_server.refresh'"))
        .isPositive();
    assertThat(
            api.count("SELECT count(*) FROM audit_log WHERE detail::text LIKE '%" + SECRET + "%'"))
        .isZero();
  }

  @Test
  void theDefaultHeaderIsAuthorizationWithTheBearerScheme() throws Exception {
    try (RemoteMcpServer own = new RemoteMcpServer(TOOLS)) {
      String id =
          addServer("bearer", own.url(), new JsonObject().put("credential_name", "TRACKER_TOKEN"));
      var r = refresh(admin, id);
      assertThat(r.status()).as(r.text()).isEqualTo(200);
      assertThat(r.json().getString("auth_header")).isEqualTo("Authorization");
      assertThat(r.json().getString("auth_scheme")).isEqualTo("Bearer");
      assertThat(own.headerValues("authorization"))
          .isNotEmpty()
          .allMatch(("Bearer " + SECRET)::equals);
    }
  }

  @Test
  void aServerThatIsDownAnswersGarbageOr50MbOrHangsIs502McpUnreachableAndRecorded()
      throws Exception {
    String dead =
        addServer("dead", "http://127.0.0.1:" + FreePort.pick() + "/mcp", new JsonObject());
    var down = refresh(operator, dead);
    assertThat(down.status()).as(down.text()).isEqualTo(502);
    assertThat(down.errorCode()).isEqualTo("mcp_unreachable");
    assertThat(down.json().getJsonObject("error").getString("message"))
        .contains("'dead'")
        .contains("ConnectException");
    var shown = api.call("GET", "/api/mcp/servers/" + dead, viewer, null);
    assertThat(shown.json().getString("last_error")).isNotBlank();
    assertThat(shown.json().getValue("tools")).isNull();

    CountDownLatch release = new CountDownLatch(1);
    HttpServer junk = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    junk.createContext(
        "/garbage",
        exchange -> {
          exchange.getRequestBody().readAllBytes();
          byte[] body = "<html>not MCP</html>".getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("content-type", "application/json");
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    junk.createContext(
        "/huge",
        exchange -> {
          exchange.getRequestBody().readAllBytes();
          exchange.getResponseHeaders().add("content-type", "application/json");
          exchange.sendResponseHeaders(200, 0);
          byte[] chunk = " ".repeat(1 << 16).getBytes(StandardCharsets.UTF_8);
          try (var out = exchange.getResponseBody()) {
            out.write("{\"jsonrpc\":\"2.0\",\"id\":0,\"result\":{\"padding\":\"".getBytes());
            for (int i = 0; i < 800; i++) { // 50 MB
              out.write(chunk);
            }
          } catch (java.io.IOException gone) {
            // the gateway hung up: that is the point
          }
        });
    junk.createContext(
        "/hang",
        exchange -> {
          try {
            release.await(); // answers nothing until the test is over
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          exchange.close();
        });
    junk.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
    junk.start();
    try {
      String base = "http://127.0.0.1:" + junk.getAddress().getPort();
      var garbage = refresh(operator, addServer("garbage", base + "/garbage", new JsonObject()));
      assertThat(garbage.status()).as(garbage.text()).isEqualTo(502);
      assertThat(garbage.errorCode()).isEqualTo("mcp_unreachable");

      var huge = refresh(operator, addServer("huge", base + "/huge", new JsonObject()));
      assertThat(huge.status()).as(huge.text()).isEqualTo(502);
      assertThat(huge.errorCode()).isEqualTo("mcp_unreachable");

      long start = System.nanoTime();
      var hung = refresh(operator, addServer("hang", base + "/hang", new JsonObject()));
      assertThat(hung.status()).as(hung.text()).isEqualTo(502);
      assertThat(hung.errorCode()).isEqualTo("mcp_unreachable");
      assertThat((System.nanoTime() - start) / 1_000_000_000).isLessThan(25);
    } finally {
      release.countDown();
      junk.stop(0);
    }
  }

  @Test
  void aRevokedCredentialIs409AndTheValueNeverLeaves() {
    api.call(
        "POST",
        "/api/credentials",
        admin,
        new JsonObject().put("name", "SHORT_LIVED").put("value", "gone-soon").encode());
    String id =
        addServer("revoked", remote.url(), new JsonObject().put("credential_name", "SHORT_LIVED"));
    assertThat(api.call("DELETE", "/api/credentials/SHORT_LIVED", admin, null).status())
        .isEqualTo(204);
    var r = refresh(operator, id);
    assertThat(r.status()).as(r.text()).isEqualTo(409);
    assertThat(r.errorCode()).isEqualTo("credential_missing");
    assertThat(r.text()).doesNotContain("gone-soon");
  }

  @Test
  void badRegistrationsAre4xxAndWriteNothing() throws Exception {
    String url = "https://mcp.example.com/mcp";
    assertError(
        add(admin, new JsonObject().put("name", "Bad-Name").put("url", url)), 400, "invalid_name");
    assertError(
        add(admin, new JsonObject().put("name", "x".repeat(33)).put("url", url)), 400, null);
    assertError(add(admin, new JsonObject().put("name", "nourl")), 400, "invalid_request");
    assertError(
        add(admin, new JsonObject().put("name", "ftp").put("url", "ftp://mcp.example.com")),
        400,
        "invalid_url");
    assertError(
        add(admin, new JsonObject().put("name", "plain").put("url", "http://mcp.example.com/mcp")),
        400,
        "invalid_url");
    assertError(
        add(admin, new JsonObject().put("name", "upper").put("url", "HTTPS://mcp.example.com/mcp")),
        400,
        "invalid_url");
    assertError(
        add(
            admin,
            new JsonObject().put("name", "nocred").put("url", url).put("credential_name", "NOPE")),
        400,
        "unknown_credential");
    assertError(
        add(admin, new JsonObject().put("name", "host").put("url", url).put("auth_header", "Host")),
        400,
        "invalid_request");
    assertError(
        add(
            admin,
            new JsonObject().put("name", "scheme").put("url", url).put("auth_scheme", "Two words")),
        400,
        "invalid_request");
    assertError(
        add(admin, new JsonObject().put("name", "extra").put("url", url).put("transport", "sse")),
        400,
        null);
    assertThat(
            api.count("SELECT count(*) FROM mcp_servers WHERE name IN ('nocred','host','extra')"))
        .isZero();

    addServer("twice", url, new JsonObject());
    assertError(
        add(admin, new JsonObject().put("name", "twice").put("url", url)), 409, "name_taken");
  }

  @Test
  void plainHttpToAnyHostNeedsMcpAllowHttp() {
    try (GatewayFixture open = new GatewayFixture(Map.of("MCP_ALLOW_HTTP", "true"))) {
      String token = open.bootstrap();
      var r =
          open.call(
              "POST",
              "/api/mcp/servers",
              token,
              new JsonObject()
                  .put("name", "lan")
                  .put("url", "http://mcp.internal:8080/mcp")
                  .encode());
      assertThat(r.status()).as(r.text()).isEqualTo(201);
    }
  }

  @Test
  void changeDisableAndRemoveAServer() {
    String id = addServer("changing", "https://one.example.com/mcp", new JsonObject());
    String path = "/api/mcp/servers/" + id;
    var changed =
        api.call(
            "PATCH",
            path,
            admin,
            new JsonObject()
                .put("url", "https://two.example.com/mcp")
                .put("enabled", false)
                .put("credential_name", "TRACKER_TOKEN")
                .encode());
    assertThat(changed.status()).as(changed.text()).isEqualTo(200);
    assertThat(changed.json().getString("url")).isEqualTo("https://two.example.com/mcp");
    assertThat(changed.json().getBoolean("enabled")).isFalse();
    assertThat(changed.json().getString("credential_name")).isEqualTo("TRACKER_TOKEN");
    var cleared = api.call("PATCH", path, admin, "{\"credential_name\":null}");
    assertThat(cleared.json().getValue("credential_name")).isNull();
    var renamed = api.call("PATCH", path, admin, "{\"name\":\"renamed\"}");
    assertError(renamed, 400, "invalid_request");
    assertThat(renamed.text()).contains("does not change");
    assertError(api.call("PATCH", path, admin, "{}"), 400, "invalid_request");
    assertError(api.call("PATCH", path, admin, "{\"url\":\"ftp://x\"}"), 400, "invalid_url");
    assertError(
        api.call("PATCH", path, admin, "{\"credential_name\":\"NOPE\"}"),
        400,
        "unknown_credential");
    assertError(api.call("GET", "/api/mcp/servers/not-a-uuid", viewer, null), 400, "invalid_id");

    assertThat(api.call("DELETE", path, admin, null).status()).isEqualTo(204);
    assertError(api.call("GET", path, viewer, null), 404, "not_found");
    assertError(api.call("DELETE", path, admin, null), 404, "not_found");
    // Its name is free again.
    addServer("changing", "https://one.example.com/mcp", new JsonObject());
  }

  @Test
  void grantsNameKnownServersAndToolsAndValidClasses() {
    String agent = api.createAgent(admin, "mcp-user");
    String id = addServer("granting", remote.url(), new JsonObject());
    String unlisted = addServer("unlisted", "https://later.example.com/mcp", new JsonObject());
    assertThat(refresh(operator, id).status()).isEqualTo(200);
    String path = "/api/agents/" + agent + "/mcp-grants";

    assertError(put(admin, path, grant("nosuch", "x", null)), 400, "unknown_server");
    assertError(put(admin, path, grant("granting", "no_such_tool", null)), 400, "unknown_tool");
    assertError(
        put(admin, path, grant("granting", "search_issues", "root")), 400, "invalid_request");
    assertError(put(admin, path, "{\"grants\":{}}"), 400, "invalid_request");
    assertError(
        put(admin, path, "{\"grants\":[{\"server\":\"granting\"}]}"), 400, "invalid_request");
    assertError(
        put(admin, "/api/agents/" + java.util.UUID.randomUUID() + "/mcp-grants", "{\"grants\":[]}"),
        404,
        "not_found");
    assertThat(api.call("GET", path, viewer, null).json().getJsonArray("grants")).isEmpty();

    var granted =
        put(
            admin,
            path,
            new JsonObject()
                .put(
                    "grants",
                    new JsonArray()
                        .add(
                            new JsonObject().put("server", "granting").put("tool", "search_issues"))
                        .add(
                            new JsonObject()
                                .put("server", id)
                                .put("tool", "delete_repo")
                                .put("capability", "write_local"))
                        // A server never listed takes any tool name; '*' always passes.
                        .add(new JsonObject().put("server", "unlisted").put("tool", "anything"))
                        .add(new JsonObject().put("server", unlisted).put("tool", "*")))
                .encode());
    assertThat(granted.status()).as(granted.text()).isEqualTo(200);
    var listed = api.call("GET", path, viewer, null);
    assertThat(listed.json()).isEqualTo(granted.json());
    JsonArray grants = listed.json().getJsonArray("grants");
    assertThat(grants).hasSize(4);
    assertThat(grants.stream().map(g -> ((JsonObject) g).getString("namespaced")))
        .containsExactlyInAnyOrder(
            "granting__search_issues",
            "granting__delete_repo",
            "unlisted__anything",
            "unlisted__*");
    assertThat(
            grants.stream()
                .map(g -> (JsonObject) g)
                .filter(g -> g.getString("tool").equals("delete_repo"))
                .findFirst()
                .orElseThrow()
                .getString("capability"))
        .isEqualTo("write_local");

    // Removing a server takes its grants with it.
    assertThat(api.call("DELETE", "/api/mcp/servers/" + unlisted, admin, null).status())
        .isEqualTo(204);
    assertThat(api.call("GET", path, viewer, null).json().getJsonArray("grants")).hasSize(2);
    assertThat(put(admin, path, "{\"grants\":[]}").json().getJsonArray("grants")).isEmpty();
  }

  @Test
  void rolesBelowTheRouteAreRefused() {
    String id = addServer("roles", remote.url(), new JsonObject());
    String agent = api.createAgent(admin, "mcp-roles");
    JsonObject body = new JsonObject().put("name", "byop").put("url", remote.url());
    assertError(add(operator, body), 403, "forbidden");
    assertError(add(viewer, body), 403, "forbidden");
    assertError(refresh(viewer, id), 403, "forbidden");
    assertError(
        api.call("PATCH", "/api/mcp/servers/" + id, operator, "{\"enabled\":false}"),
        403,
        "forbidden");
    assertError(api.call("DELETE", "/api/mcp/servers/" + id, operator, null), 403, "forbidden");
    assertError(
        put(operator, "/api/agents/" + agent + "/mcp-grants", grant("roles", "*", null)),
        403,
        "forbidden");
    assertThat(refresh(operator, id).status()).isEqualTo(200);
    assertThat(api.call("GET", "/api/mcp/servers/" + id, viewer, null).status()).isEqualTo(200);
    assertThat(api.call("GET", "/api/agents/" + agent + "/mcp-grants", viewer, null).status())
        .isEqualTo(200);
  }

  private static GatewayFixture.Response put(String token, String path, String body) {
    return api.call("PUT", path, token, body);
  }

  private static String grant(String server, String tool, String capability) {
    JsonObject g = new JsonObject().put("server", server).put("tool", tool);
    if (capability != null) {
      g.put("capability", capability);
    }
    return new JsonObject().put("grants", new JsonArray().add(g)).encode();
  }

  private static void assertError(GatewayFixture.Response r, int status, String code) {
    assertThat(r.status()).as(r.text()).isEqualTo(status);
    if (code != null) {
      assertThat(r.errorCode()).as(r.text()).isEqualTo(code);
    }
  }
}
