package org.openpincery.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.openpincery.model.Role;

/**
 * Issue 14's test matrix: every authenticated route × every role → refused with {@code 403
 * forbidden}, or let through to its handler. The expected least role of each route is written out
 * here, independently of the route table it checks; a route the router serves that is missing here
 * fails {@link #everyAuthenticatedRouteIsInTheMatrix}. Members of each role join through the real
 * invitation flow; an API token of each role is checked too.
 */
class AuthorizationMatrixTest {

  private static final GatewayFixture api = new GatewayFixture();
  private static final Map<Role, String> sessions = new EnumMap<>(Role.class);
  private static final Map<Role, String> apiTokens = new EnumMap<>(Role.class);
  private static final AtomicInteger unique = new AtomicInteger();
  private static String agent;

  /** One route of the matrix: its least role, whether API tokens are refused, a request body. */
  record Row(String method, String path, Role least, boolean sessionsOnly, String body) {
    @Override
    public String toString() {
      return method + " " + path + (body == null ? "" : " " + body);
    }
  }

  // {agent} is a live agent; {random} a UUID naming nothing (so an allowed call reaches its
  // handler and gets 404 without changing anything); {n} a fresh number per call.
  static List<Row> matrix() {
    Role v = Role.VIEWER;
    Role o = Role.OPERATOR;
    Role a = Role.ADMIN;
    return List.of(
        row("GET", "/api/me", v),
        row("GET", "/api/workspaces", v),
        new Row("POST", "/api/workspaces", v, true, "{\"name\":\"ws {n}\"}"),
        new Row("POST", "/api/session/workspace", v, true, "{\"workspace_id\":\"{random}\"}"),
        row("GET", "/api/members", v),
        new Row("PATCH", "/api/members/{random}", a, false, "{\"role\":\"viewer\"}"),
        row("DELETE", "/api/members/{random}", a),
        new Row(
            "POST",
            "/api/invitations",
            a,
            false,
            "{\"email\":\"invitee{n}@example.com\",\"role\":\"viewer\"}"),
        row("GET", "/api/invitations", a),
        row("DELETE", "/api/invitations/{random}", a),
        new Row("POST", "/api/tokens", v, true, "{\"name\":\"t{n}\",\"role\":\"viewer\"}"),
        row("GET", "/api/tokens", v),
        row("DELETE", "/api/tokens/{random}", v),
        new Row("POST", "/api/agents", o, false, "{\"name\":\"agent {n}\"}"),
        new Row("POST", "/api/agents", a, false, "{\"name\":\"rich {n}\",\"budget_limit_usd\":5}"),
        new Row(
            "POST",
            "/api/agents",
            a,
            false,
            "{\"name\":\"free {n}\",\"permission_mode\":\"locked\"}"),
        row("GET", "/api/agents", v),
        row("GET", "/api/agents/{agent}", v),
        new Row("PATCH", "/api/agents/{agent}", o, false, "{\"is_enabled\":true}"),
        new Row("PATCH", "/api/agents/{agent}", a, false, "{\"budget_limit_usd\":3}"),
        new Row("PATCH", "/api/agents/{agent}", a, false, "{\"permission_mode\":\"supervised\"}"),
        row("DELETE", "/api/agents/{random}", o),
        new Row("POST", "/api/agents/{agent}/messages", o, false, "{\"content\":\"hello {n}\"}"),
        row("GET", "/api/agents/{agent}/events", v),
        row("GET", "/api/agents/{agent}/events/verify", v),
        row("GET", "/api/agents/{agent}/events/stream", v),
        row("GET", "/api/agents/{agent}/model-calls", v),
        row("GET", "/api/agents/{agent}/model-calls/{random}", v),
        row("GET", "/api/agents/{agent}/projections", v),
        row("GET", "/api/agents/{agent}/wakes", v),
        // Without q: a let-through call is the handler's 400 (memory search, issue 16).
        row("GET", "/api/agents/{agent}/memory/search", v),
        row("POST", "/api/agents/{agent}/memory/rebuild", a),
        new Row("POST", "/api/credentials", o, false, "{\"name\":\"KEY_{n}\",\"value\":\"s\"}"),
        row("GET", "/api/credentials", v),
        row("DELETE", "/api/credentials/NOPE_{n}", o),
        new Row("POST", "/api/agents/{agent}/schedules", o, false, "{\"every_seconds\":3600}"),
        row("GET", "/api/agents/{agent}/schedules", v),
        row("DELETE", "/api/agents/{agent}/schedules/{random}", o),
        new Row("POST", "/api/agents/{agent}/timers", o, false, "{\"in_seconds\":3600}"),
        row("GET", "/api/agents/{agent}/timers", v),
        row("DELETE", "/api/agents/{agent}/timers/{random}", o),
        row("POST", "/api/agents/{agent}/webhook/rotate", o),
        row("GET", "/api/approvals", v),
        row("GET", "/api/approvals/{random}", v),
        new Row("POST", "/api/approvals/{random}/approve", o, false, "{\"note\":\"ok\"}"),
        new Row("POST", "/api/approvals/{random}/deny", o, false, null),
        row("GET", "/api/agents/{agent}/approvals", v),
        row("GET", "/api/audit", a),
        row("GET", "/api/audit/export", a),
        row("GET", "/api/audit/verify", a),
        new Row(
            "POST",
            "/api/notifications/subscriptions",
            a,
            false,
            "{\"url\":\"https://example.com/n{n}\",\"kinds\":[\"wake.failed\"]}"),
        row("GET", "/api/notifications/subscriptions", a),
        row("GET", "/api/notifications/subscriptions/{random}", a),
        new Row(
            "PATCH", "/api/notifications/subscriptions/{random}", a, false, "{\"enabled\":false}"),
        row("DELETE", "/api/notifications/subscriptions/{random}", a),
        row("POST", "/api/notifications/subscriptions/{random}/rotate-secret", a),
        row("POST", "/api/notifications/subscriptions/{random}/test", a),
        row("GET", "/api/notifications/deliveries", o),
        row("GET", "/api/notifications/deliveries/{random}", o),
        row("POST", "/api/notifications/deliveries/{random}/retry", o),
        // Remote MCP servers (issue 15).
        row("GET", "/api/mcp/servers", v),
        new Row(
            "POST",
            "/api/mcp/servers",
            a,
            false,
            "{\"name\":\"m{n}\",\"url\":\"https://example.com/mcp{n}\"}"),
        row("GET", "/api/mcp/servers/{random}", v),
        new Row("PATCH", "/api/mcp/servers/{random}", a, false, "{\"enabled\":false}"),
        row("DELETE", "/api/mcp/servers/{random}", a),
        row("POST", "/api/mcp/servers/{random}/refresh", o),
        row("GET", "/api/agents/{agent}/mcp-grants", v),
        new Row("PUT", "/api/agents/{agent}/mcp-grants", a, false, "{\"grants\":[]}"),
        // Last: it ends the session that calls it (each role signs in again afterwards).
        new Row("POST", "/api/logout", v, true, null));
  }

  private static Row row(String method, String path, Role least) {
    return new Row(method, path, least, false, null);
  }

  @BeforeAll
  static void members() {
    String owner = api.bootstrap();
    sessions.put(Role.OWNER, owner);
    for (Role role : List.of(Role.ADMIN, Role.OPERATOR, Role.VIEWER)) {
      sessions.put(role, join(owner, role));
    }
    for (Role role : Role.values()) {
      var t =
          api.call(
              "POST",
              "/api/tokens",
              sessions.get(role),
              new JsonObject().put("name", "matrix " + role).encode());
      assertThat(t.status()).as(t.text()).isEqualTo(201);
      assertThat(t.json().getString("role")).isEqualTo(role.wire());
      apiTokens.put(role, t.json().getString("token"));
    }
    agent = api.createAgent(owner, "matrix");
  }

  /** A new member with {@code role} through the real invitation flow; their session token. */
  static String join(String inviter, Role role) {
    var invite =
        api.call(
            "POST",
            "/api/invitations",
            inviter,
            new JsonObject()
                .put("email", role.wire() + "-" + UUID.randomUUID() + "@example.com")
                .put("role", role.wire())
                .encode());
    assertThat(invite.status()).as(invite.text()).isEqualTo(201);
    var accepted =
        api.call(
            "POST",
            "/api/invitations/accept",
            null,
            new JsonObject().put("token", invite.json().getString("token")).encode());
    assertThat(accepted.status()).as(accepted.text()).isEqualTo(201);
    assertThat(accepted.json().getString("role")).isEqualTo(role.wire());
    return accepted.json().getString("session_token");
  }

  @AfterAll
  static void close() {
    api.close();
  }

  static Stream<Arguments> cells() {
    List<Arguments> out = new ArrayList<>();
    for (Row row : matrix()) {
      for (Role role : Role.values()) {
        out.add(Arguments.of(row, role));
      }
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0} as {1}")
  @MethodSource("cells")
  void eachRoleIsRefusedBelowTheRoutesLeastRoleAndLetThroughFromIt(Row row, Role role) {
    boolean logout = row.path().equals("/api/logout");
    String session = logout ? freshSession(role) : sessions.get(role);
    int status = call(row, session);
    if (role.atLeast(row.least())) {
      assertLetThrough(status, row + " as " + role);
    } else {
      assertThat(status).as("%s as %s", row, role).isEqualTo(403);
      assertThat(lastErrorCode).isEqualTo("forbidden");
      assertThat(lastErrorMessage).contains("needs role " + row.least().wire());
    }
  }

  @ParameterizedTest(name = "{0} with an API token of role {1}")
  @MethodSource("cells")
  void apiTokensAreAuthorizedByTheirRoleAndRefusedWhereOnlyPeopleMayAct(Row row, Role role) {
    if (row.path().equals("/api/logout") && role != Role.VIEWER) {
      return; // one cell is enough: a token cannot log out, whatever its role
    }
    int status = call(row, apiTokens.get(role));
    if (row.sessionsOnly() || !role.atLeast(row.least())) {
      assertThat(status).as("%s with a %s token", row, role).isEqualTo(403);
      assertThat(lastErrorCode).isEqualTo("forbidden");
    } else {
      assertLetThrough(status, row + " with a " + role + " token");
    }
  }

  // Let through: the handler answered, with anything but 401 or a role refusal (a handler's own
  // 403, such as switching to a workspace one is not a member of, is the handler's answer).
  private static void assertLetThrough(int status, String cell) {
    assertThat(status).as(cell).isNotEqualTo(401);
    if (status == 403) {
      assertThat(lastErrorCode).as(cell).isNotEqualTo("forbidden");
    }
  }

  @Test
  void everyAuthenticatedRouteIsInTheMatrix() {
    Set<String> open =
        Set.of(
            "GET /health",
            "GET /ready",
            "GET /openapi.json",
            "POST /api/bootstrap",
            "POST /api/login",
            "POST /api/invitations/accept",
            "GET /api/auth/sso",
            "GET /api/auth/oidc/login",
            "GET /api/auth/oidc/callback");
    Set<String> served = new TreeSet<>(ApiRouter.routeSignatures(router()));
    served.removeAll(open);
    Set<String> inMatrix = new TreeSet<>();
    for (Row row : matrix()) {
      inMatrix.add(
          row.method()
              + " "
              + row.path()
                  .replace("/api/agents/{agent}", "/api/agents/{id}")
                  .replaceAll("/api/agents/\\{random}$", "/api/agents/{id}")
                  .replace("/api/members/{random}", "/api/members/{user_id}")
                  .replace("/api/invitations/{random}", "/api/invitations/{invitation_id}")
                  .replace("/api/tokens/{random}", "/api/tokens/{token_id}")
                  .replace("/api/approvals/{random}", "/api/approvals/{id}")
                  .replace("/model-calls/{random}", "/model-calls/{call_id}")
                  .replace("/schedules/{random}", "/schedules/{schedule_id}")
                  .replace("/timers/{random}", "/timers/{timer_id}")
                  .replace("/api/credentials/NOPE_{n}", "/api/credentials/{name}")
                  .replace(
                      "/api/notifications/subscriptions/{random}",
                      "/api/notifications/subscriptions/{subscription_id}")
                  .replace(
                      "/api/notifications/deliveries/{random}",
                      "/api/notifications/deliveries/{delivery_id}")
                  .replace("/api/mcp/servers/{random}", "/api/mcp/servers/{id}"));
    }
    assertThat(inMatrix).isEqualTo(served);
  }

  private static io.vertx.ext.web.Router router() {
    return ApiRouter.create(api.vertx, api.store, api.config, api.metrics, Map.of());
  }

  private static String lastErrorCode;
  private static String lastErrorMessage;

  private static int call(Row row, String token) {
    String path = fill(row.path());
    String body = row.body() == null ? null : fill(row.body());
    lastErrorCode = null;
    lastErrorMessage = null;
    if (path.endsWith("/events/stream")) {
      return streamStatus(path, token);
    }
    var r = api.call(row.method(), path, token, body);
    if (r.status() >= 400 && r.text().startsWith("{")) {
      lastErrorCode = r.errorCode();
      lastErrorMessage = r.json().getJsonObject("error").getString("message");
    }
    return r.status();
  }

  // A stream answers its status at once and then stays open: read the status, then hang up.
  private static int streamStatus(String path, String token) {
    HttpRequest request =
        HttpRequest.newBuilder(api.uri(path))
            .timeout(Duration.ofSeconds(30))
            .header("Authorization", "Bearer " + token)
            .GET()
            .build();
    try {
      HttpResponse<java.io.InputStream> r =
          api.http.send(request, HttpResponse.BodyHandlers.ofInputStream());
      if (r.statusCode() >= 400) {
        JsonObject error = new JsonObject(new String(r.body().readAllBytes()));
        lastErrorCode = error.getJsonObject("error").getString("code");
        lastErrorMessage = error.getJsonObject("error").getString("message");
      }
      r.body().close();
      return r.statusCode();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static String fill(String template) {
    return template
        .replace("{agent}", agent)
        .replace("{random}", UUID.randomUUID().toString())
        .replace("{n}", Integer.toString(unique.incrementAndGet()));
  }

  // Logging out ends a session, so each role's logout cell signs in anew: the owner with the
  // bootstrap token, the others through a new invitation.
  private static String freshSession(Role role) {
    if (role == Role.OWNER) {
      return api.call("POST", "/api/login", GatewayFixture.BOOTSTRAP_TOKEN, null)
          .json()
          .getString("session_token");
    }
    return join(sessions.get(Role.OWNER), role);
  }
}
