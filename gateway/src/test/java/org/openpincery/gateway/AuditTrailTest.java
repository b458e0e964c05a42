package org.openpincery.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.openpincery.model.Role;
import org.openpincery.testkit.TestPostgres;
import org.openpincery.vault.Vault;

/**
 * The audit trail over real HTTP: every operator action on record before its response, refusals
 * too, with actor, target, address and request id; filters, paging, the JSON-lines export and its
 * hash chain; tampering found; concurrency never forks a chain; no secret ever written.
 */
class AuditTrailTest {

  private static final Map<String, String> VAULT = Map.of(Vault.KEY_SETTING, Vault.newKey());

  /** The admin's session after bootstrap, and the user behind it. */
  private record Admin(String token, String userId) {}

  private static Admin bootstrap(GatewayFixture api) {
    var r =
        api.call(
            "POST",
            "/api/bootstrap",
            GatewayFixture.BOOTSTRAP_TOKEN,
            "{\"email\":\"admin@example.com\",\"name\":\"Admin\"}");
    assertThat(r.status()).isEqualTo(201);
    return new Admin(r.json().getString("session_token"), r.json().getString("user_id"));
  }

  private static JsonArray entries(GatewayFixture api, String token, String query) {
    var r = api.call("GET", "/api/audit" + query, token, null);
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    return r.json().getJsonArray("entries");
  }

  private static JsonObject only(GatewayFixture api, String token, String query) {
    JsonArray list = entries(api, token, query);
    assertThat(list).as(query).hasSize(1);
    return list.getJsonObject(0);
  }

  private static String requestId(GatewayFixture.Response r) {
    return r.headers().firstValue("X-Request-Id").orElseThrow();
  }

  private static String q(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  private static void assertEntry(
      JsonObject e,
      String action,
      String actorId,
      String targetType,
      String targetId,
      int status,
      GatewayFixture.Response response) {
    assertThat(e.getString("action")).isEqualTo(action);
    assertThat(e.getJsonObject("actor"))
        .isEqualTo(new JsonObject().put("type", "user").put("id", actorId));
    if (targetType == null) {
      assertThat(e.getValue("target")).isNull();
    } else if (targetId == null) {
      assertThat(e.getJsonObject("target").getString("type")).isEqualTo(targetType);
      assertThat(e.getJsonObject("target").getString("id")).isNotBlank();
    } else {
      assertThat(e.getJsonObject("target"))
          .isEqualTo(new JsonObject().put("type", targetType).put("id", targetId));
    }
    assertThat(e.getString("outcome")).isEqualTo(status < 400 ? "ok" : "refused");
    assertThat(e.getInteger("status")).isEqualTo(status);
    assertThat(e.getString("address")).isEqualTo("127.0.0.1");
    assertThat(e.getString("request_id")).isEqualTo(requestId(response));
    assertThat(e.getString("at")).isNotBlank();
  }

  @Test
  void everyOperatorActionIsOnRecordWithItsActorTargetAddressAndRequestId() {
    try (GatewayFixture api = new GatewayFixture(VAULT)) {
      Admin admin = bootstrap(api);
      String t = admin.token();
      String me = admin.userId();

      var created =
          api.call("POST", "/api/agents", t, "{\"name\":\"audited\",\"budget_limit_usd\":5}");
      String agent = created.json().getString("id");
      var renamed = api.call("PATCH", "/api/agents/" + agent, t, "{\"name\":\"renamed\"}");
      var budget = api.call("PATCH", "/api/agents/" + agent, t, "{\"budget_limit_usd\":7.5}");
      var rotated = api.call("POST", "/api/agents/" + agent + "/webhook/rotate", t, "{}");
      var credential =
          api.call("POST", "/api/credentials", t, "{\"name\":\"gh\",\"value\":\"v-1\"}");
      var revoked = api.call("DELETE", "/api/credentials/gh", t, null);
      var schedule =
          api.call("POST", "/api/agents/" + agent + "/schedules", t, "{\"every_seconds\":3600}");
      String scheduleId = schedule.json().getString("id");
      var unscheduled =
          api.call("DELETE", "/api/agents/" + agent + "/schedules/" + scheduleId, t, null);
      var timer = api.call("POST", "/api/agents/" + agent + "/timers", t, "{\"in_seconds\":600}");
      String timerId = timer.json().getString("id");
      var cancelled = api.call("DELETE", "/api/agents/" + agent + "/timers/" + timerId, t, null);
      var deleted = api.call("DELETE", "/api/agents/" + agent, t, null);
      var login = api.call("POST", "/api/login", GatewayFixture.BOOTSTRAP_TOKEN, "{}");
      String second = login.json().getString("session_token");
      var logout = api.call("POST", "/api/logout", t, null);
      assertThat(List.of(created.status(), renamed.status(), budget.status(), rotated.status()))
          .containsExactly(201, 200, 200, 200);
      assertThat(List.of(credential.status(), revoked.status(), schedule.status()))
          .containsExactly(201, 204, 201);
      assertThat(List.of(unscheduled.status(), timer.status(), cancelled.status()))
          .containsExactly(204, 201, 204);
      assertThat(List.of(deleted.status(), login.status(), logout.status()))
          .containsExactly(204, 200, 204);

      JsonArray all = entries(api, second, "");
      assertThat(all)
          .extracting(o -> ((JsonObject) o).getString("action"))
          .containsExactly(
              "agent.create",
              "agent.update",
              "agent.budget_set",
              "agent.webhook_rotate",
              "credential.add",
              "credential.revoke",
              "schedule.create",
              "schedule.delete",
              "timer.create",
              "timer.cancel",
              "agent.delete",
              "session.logout");
      assertThat(all)
          .extracting(o -> ((JsonObject) o).getLong("seq"))
          .containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L, 11L, 12L);
      assertEntry(all.getJsonObject(0), "agent.create", me, "agent", agent, 201, created);
      assertThat(all.getJsonObject(0).getJsonObject("detail"))
          .isEqualTo(
              new JsonObject()
                  .put("name", "audited")
                  .put("budget_limit_usd", "5")
                  .put("permission_mode", "supervised"));
      assertEntry(all.getJsonObject(1), "agent.update", me, "agent", agent, 200, renamed);
      assertThat(all.getJsonObject(1).getJsonObject("detail"))
          .isEqualTo(new JsonObject().put("name", "renamed"));
      assertEntry(all.getJsonObject(2), "agent.budget_set", me, "agent", agent, 200, budget);
      assertThat(all.getJsonObject(2).getJsonObject("detail"))
          .isEqualTo(new JsonObject().put("budget_limit_usd", "7.5"));
      assertEntry(all.getJsonObject(3), "agent.webhook_rotate", me, "agent", agent, 200, rotated);
      assertEntry(all.getJsonObject(4), "credential.add", me, "credential", "gh", 201, credential);
      assertEntry(all.getJsonObject(5), "credential.revoke", me, "credential", "gh", 204, revoked);
      assertEntry(
          all.getJsonObject(6), "schedule.create", me, "schedule", scheduleId, 201, schedule);
      assertThat(all.getJsonObject(6).getJsonObject("detail").getString("agent_id"))
          .isEqualTo(agent);
      assertEntry(
          all.getJsonObject(7), "schedule.delete", me, "schedule", scheduleId, 204, unscheduled);
      assertEntry(all.getJsonObject(8), "timer.create", me, "timer", timerId, 201, timer);
      assertEntry(all.getJsonObject(9), "timer.cancel", me, "timer", timerId, 204, cancelled);
      assertEntry(all.getJsonObject(10), "agent.delete", me, "agent", agent, 204, deleted);
      assertEntry(all.getJsonObject(11), "session.logout", me, "session", null, 204, logout);

      // The bootstrap token's acts belong to no workspace: the installation's chain, for owners
      // of the installation's workspace.
      JsonArray installation = entries(api, second, "?scope=installation");
      assertThat(installation)
          .extracting(o -> ((JsonObject) o).getString("action"))
          .containsExactly("session.bootstrap", "session.login");
      JsonObject loginEntry = installation.getJsonObject(1);
      assertThat(loginEntry.getJsonObject("actor"))
          .isEqualTo(new JsonObject().put("type", "bootstrap"));
      assertThat(loginEntry.getJsonObject("target"))
          .isEqualTo(new JsonObject().put("type", "user").put("id", me));
      assertThat(loginEntry.getString("request_id")).isEqualTo(requestId(login));
      assertThat(loginEntry.getString("address")).isEqualTo("127.0.0.1");
      assertThat(loginEntry.getInteger("status")).isEqualTo(200);
    }
  }

  @Test
  void anEntryIsReadableTheMomentItsResponseArrives() {
    try (GatewayFixture api = new GatewayFixture()) {
      String t = bootstrap(api).token();
      for (int i = 0; i < 20; i++) {
        var created = api.call("POST", "/api/agents", t, "{\"name\":\"a" + i + "\"}");
        String id = created.json().getString("id");
        JsonObject e = only(api, t, "?action=agent.create&target=" + id);
        assertThat(e.getString("request_id")).isEqualTo(requestId(created));
        var deleted = api.call("DELETE", "/api/agents/" + id, t, null);
        assertThat(only(api, t, "?action=agent.delete&target=" + id).getString("request_id"))
            .isEqualTo(requestId(deleted));
      }
    }
  }

  @Test
  void aRefusedCallIsOnRecordAsRefusedAndWritesNothingElse() throws Exception {
    try (GatewayFixture api = new GatewayFixture()) {
      Admin admin = bootstrap(api);
      String t = admin.token();
      String missing = java.util.UUID.randomUUID().toString();

      var notFound = api.call("DELETE", "/api/agents/" + missing, t, null);
      assertThat(notFound.status()).isEqualTo(404);
      var badBody = api.call("POST", "/api/agents", t, "{\"nme\":\"typo\"}");
      assertThat(badBody.status()).isEqualTo(400);
      var badJson = api.call("PATCH", "/api/agents/" + missing, t, "{not json");
      assertThat(badJson.status()).isEqualTo(400);

      JsonArray all = entries(api, t, "");
      assertThat(all).hasSize(3);
      JsonObject delete = all.getJsonObject(0);
      assertEntry(delete, "agent.delete", admin.userId(), "agent", missing, 404, notFound);
      assertThat(delete.getJsonObject("detail"))
          .isEqualTo(new JsonObject().put("error", "not_found"));
      JsonObject create = all.getJsonObject(1);
      assertEntry(create, "agent.create", admin.userId(), null, null, 400, badBody);
      assertThat(create.getJsonObject("detail").getString("error")).isEqualTo("invalid_request");
      assertEntry(
          all.getJsonObject(2), "agent.update", admin.userId(), "agent", missing, 400, badJson);
      assertThat(api.count("SELECT count(*) FROM agents")).isZero();

      // Anonymous knocking is not written: nobody can flood the log from outside.
      long before = api.count("SELECT count(*) FROM audit_log");
      assertThat(api.call("POST", "/api/agents", null, "{\"name\":\"x\"}").status()).isEqualTo(401);
      assertThat(api.call("POST", "/api/login", "wrong-bootstrap-token", "{}").status())
          .isEqualTo(401);
      assertThat(api.count("SELECT count(*) FROM audit_log")).isEqualTo(before);
    }
  }

  @Test
  void filtersAndPagesSelectEntriesAndABadFilterIs400() {
    try (GatewayFixture api = new GatewayFixture(VAULT)) {
      Admin admin = bootstrap(api);
      String t = admin.token();
      List<String> agents = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        agents.add(api.createAgent(t, "f" + i));
      }
      api.call("POST", "/api/credentials", t, "{\"name\":\"k\",\"value\":\"v\"}");
      String middle = entries(api, t, "?after_seq=2&limit=1").getJsonObject(0).getString("at");

      assertThat(entries(api, t, "?action=agent.create")).hasSize(5);
      assertThat(entries(api, t, "?action=agent.*")).hasSize(5);
      assertThat(entries(api, t, "?action=credential.add")).hasSize(1);
      assertThat(entries(api, t, "?target=" + agents.get(3)))
          .singleElement()
          .satisfies(o -> assertThat(((JsonObject) o).getLong("seq")).isEqualTo(4));
      assertThat(entries(api, t, "?target_type=credential&target=k")).hasSize(1);
      assertThat(entries(api, t, "?actor=" + admin.userId())).hasSize(6);
      assertThat(entries(api, t, "?actor=token")).isEmpty();
      assertThat(entries(api, t, "?since=" + q(middle)))
          .extracting(o -> ((JsonObject) o).getLong("seq"))
          .containsExactly(3L, 4L, 5L, 6L);
      assertThat(entries(api, t, "?until=" + q(middle)))
          .extracting(o -> ((JsonObject) o).getLong("seq"))
          .containsExactly(1L, 2L);

      // Paging: next_after_seq is set while pages are full.
      List<Long> seen = new ArrayList<>();
      String query = "?limit=4";
      while (true) {
        JsonObject page = api.call("GET", "/api/audit" + query, t, null).json();
        page.getJsonArray("entries").forEach(o -> seen.add(((JsonObject) o).getLong("seq")));
        Long next = page.getLong("next_after_seq");
        if (next == null) {
          break;
        }
        query = "?limit=4&after_seq=" + next;
      }
      assertThat(seen).containsExactly(1L, 2L, 3L, 4L, 5L, 6L);

      for (String bad :
          List.of(
              "limit=0",
              "limit=1001",
              "after_seq=-1",
              "action=DROP%20TABLE",
              "action=agent*",
              "actor=somebody",
              "since=yesterday",
              "until=2026-13-01",
              "target_type=Agent!",
              "scope=galaxy")) {
        var r = api.call("GET", "/api/audit?" + bad, t, null);
        assertThat(r.status()).as(bad).isEqualTo(400);
        assertThat(r.errorCode()).as(bad).isEqualTo("invalid_request");
      }
    }
  }

  @Test
  void readingTheTrailNeedsAdminAndTheInstallationChainNeedsItsOwner() {
    try (GatewayFixture api = new GatewayFixture()) {
      bootstrap(api);
      var ws = api.store.agents().createWorkspace("other").await();
      var operator = session(api, ws, "ws-operator@example.com", Role.OPERATOR);
      var admin = session(api, ws, "ws-admin@example.com", Role.ADMIN);
      var owner = session(api, ws, "ws-owner@example.com", Role.OWNER);
      for (String path : List.of("/api/audit", "/api/audit/export", "/api/audit/verify")) {
        var r = api.call("GET", path, operator, null);
        assertThat(r.status()).as(path).isEqualTo(403);
        assertThat(r.errorCode()).isEqualTo("forbidden");
        assertThat(api.call("GET", path, admin, null).status()).as(path).isEqualTo(200);
        assertThat(api.call("GET", path, owner, null).status()).as(path).isEqualTo(200);
        assertThat(api.call("GET", path, null, null).status()).as(path).isEqualTo(401);
        var installation = api.call("GET", path + "?scope=installation", owner, null);
        assertThat(installation.status()).as(path).isEqualTo(403);
      }

      // Each refusal by role is itself on record (the anonymous 401s are not).
      JsonArray refused = entries(api, admin, "?action=authorization.refused");
      assertThat(refused).hasSize(6);
      JsonObject first = refused.getJsonObject(0);
      assertThat(first.getJsonObject("actor").getString("type")).isEqualTo("user");
      assertThat(first.getString("outcome")).isEqualTo("refused");
      assertThat(first.getInteger("status")).isEqualTo(403);
      assertThat(first.getJsonObject("detail"))
          .isEqualTo(
              new JsonObject()
                  .put("method", "GET")
                  .put("path", "/api/audit")
                  .put("reason", "forbidden")
                  .put("error", "forbidden"));
    }
  }

  private static String session(
      GatewayFixture api, java.util.UUID workspace, String email, Role role) {
    var user = api.store.auth().addMember(workspace, email, "Someone", role).await();
    String token = Tokens.newToken();
    api.store
        .auth()
        .createSession(user, workspace, "invitation", Tokens.sha256(token), Duration.ofHours(1))
        .await();
    return token;
  }

  @Test
  void theExportIsJsonLinesAcrossPagesWhoseHashesRecomputeAndLink() throws Exception {
    try (GatewayFixture api = new GatewayFixture()) {
      Admin admin = bootstrap(api);
      String t = admin.token();
      String agent = api.createAgent(t, "exported");
      api.call("PATCH", "/api/agents/" + agent, t, "{\"is_enabled\":false}");
      // More entries than one export page (AuditHandlers.EXPORT_PAGE), appended the way the
      // gateway appends them.
      api.execute(
          "SELECT pincery_append_audit(workspace_id, 'user', NULL, NULL, 'agent.update', 'agent',"
              + " 'x' || g, 'ok', 200, '10.0.0.' || (g % 250), 'r' || g,"
              + " jsonb_build_object('n', g, 'note', 'é \"q\"'))"
              + " FROM agents, generate_series(1, 1100) g WHERE name = 'exported'");

      var request =
          HttpRequest.newBuilder(api.uri("/api/audit/export"))
              .header("Authorization", "Bearer " + t)
              .build();
      HttpResponse<java.util.stream.Stream<String>> response =
          api.http.send(request, HttpResponse.BodyHandlers.ofLines());
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.headers().firstValue("content-type")).hasValue("application/x-ndjson");
      List<JsonObject> lines = response.body().map(JsonObject::new).toList();
      assertThat(lines).hasSize(1102);

      String previous = "0".repeat(64);
      try (var c = TestPostgres.connect(api.url);
          var recompute =
              c.prepareStatement(
                  "SELECT encode(pincery_audit_hash(decode(?, 'hex'), ?::uuid, ?, ?::uuid,"
                      + " ?::timestamptz, ?, ?::uuid, ?::uuid, ?, ?, ?, ?, ?, ?, ?, ?::jsonb),"
                      + " 'hex')")) {
        for (int i = 0; i < lines.size(); i++) {
          JsonObject line = lines.get(i);
          assertThat(line.getLong("seq")).isEqualTo(i + 1);
          assertThat(line.getString("prev_hash")).isEqualTo(previous);
          JsonObject actor = line.getJsonObject("actor");
          JsonObject target = line.getJsonObject("target");
          recompute.setString(1, line.getString("prev_hash"));
          recompute.setString(2, line.getString("workspace_id"));
          recompute.setLong(3, line.getLong("seq"));
          recompute.setString(4, line.getString("id"));
          recompute.setString(5, line.getString("at"));
          recompute.setString(6, actor.getString("type"));
          recompute.setString(7, actor.getString("id"));
          recompute.setString(8, actor.getString("user_id", actor.getString("id")));
          recompute.setString(9, line.getString("action"));
          recompute.setString(10, target == null ? null : target.getString("type"));
          recompute.setString(11, target == null ? null : target.getString("id"));
          recompute.setString(12, line.getString("outcome"));
          recompute.setInt(13, line.getInteger("status"));
          recompute.setString(14, line.getString("address"));
          recompute.setString(15, line.getString("request_id"));
          recompute.setString(16, line.getJsonObject("detail").encode());
          try (var rs = recompute.executeQuery()) {
            rs.next();
            assertThat(rs.getString(1)).as("seq %d", i + 1).isEqualTo(line.getString("hash"));
          }
          previous = line.getString("hash");
        }
      }

      // The same filters as the list.
      var filtered =
          api.call("GET", "/api/audit/export?action=agent.create", t, null).text().lines().toList();
      assertThat(filtered)
          .singleElement()
          .satisfies(
              l -> assertThat(new JsonObject(l).getString("action")).isEqualTo("agent.create"));
      assertThat(api.call("GET", "/api/audit/export?since=never", t, null).status()).isEqualTo(400);
    }
  }

  @Test
  void theChainVerifiesAndATamperedEntryIsFoundAtItsSeq() throws Exception {
    try (GatewayFixture api = new GatewayFixture()) {
      String t = bootstrap(api).token();
      for (int i = 0; i < 4; i++) {
        api.createAgent(t, "v" + i);
      }
      var valid = api.call("GET", "/api/audit/verify", t, null);
      assertThat(valid.json()).isEqualTo(new JsonObject().put("valid", true).put("entries", 4));

      api.execute(
          "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update_or_delete;"
              + " UPDATE audit_log SET status = 403 WHERE seq = 3 AND actor_type = 'user';"
              + " ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update_or_delete");

      var broken = api.call("GET", "/api/audit/verify", t, null).json();
      assertThat(broken.getBoolean("valid")).isFalse();
      assertThat(broken.getLong("first_bad_seq")).isEqualTo(3);
      assertThat(broken.getString("problem")).isEqualTo("hash_mismatch");
      assertThat(api.call("GET", "/api/audit/verify?scope=installation", t, null).json())
          .isEqualTo(new JsonObject().put("valid", true).put("entries", 1));
    }
  }

  @RepeatedTest(3)
  void concurrentAuditedRequestsOnOneWorkspaceMakeOneGaplessChain() {
    try (GatewayFixture api = new GatewayFixture()) {
      String t = bootstrap(api).token();
      List<CompletableFuture<HttpResponse<String>>> calls =
          IntStream.range(0, 32)
              .mapToObj(
                  i ->
                      api.http.sendAsync(
                          HttpRequest.newBuilder(api.uri("/api/agents"))
                              .header("Authorization", "Bearer " + t)
                              .header("Content-Type", "application/json")
                              .POST(
                                  HttpRequest.BodyPublishers.ofString("{\"name\":\"c" + i + "\"}"))
                              .build(),
                          HttpResponse.BodyHandlers.ofString()))
              .toList();
      assertThat(calls).allSatisfy(c -> assertThat(c.join().statusCode()).isEqualTo(201));

      JsonArray all = entries(api, t, "?limit=1000");
      assertThat(all)
          .extracting(o -> ((JsonObject) o).getLong("seq"))
          .containsExactlyElementsOf(IntStream.rangeClosed(1, 32).mapToObj(i -> (long) i).toList());
      assertThat(all)
          .extracting(o -> ((JsonObject) o).getString("request_id"))
          .doesNotHaveDuplicates()
          .containsExactlyInAnyOrderElementsOf(
              calls.stream()
                  .map(c -> c.join().headers().firstValue("X-Request-Id").orElseThrow())
                  .toList());
      assertThat(api.call("GET", "/api/audit/verify", t, null).json())
          .isEqualTo(new JsonObject().put("valid", true).put("entries", 32));
    }
  }

  @Test
  void noSecretEverReachesTheAuditLog() throws Exception {
    try (GatewayFixture api = new GatewayFixture(VAULT)) {
      Admin admin = bootstrap(api);
      String t = admin.token();
      String value = "credential-value-" + Tokens.newToken();
      String suppliedSecret = "webhook-secret-" + Tokens.newToken();
      var created = api.call("POST", "/api/agents", t, "{\"name\":\"secretive\"}");
      String agent = created.json().getString("id");
      api.call(
          "POST",
          "/api/credentials",
          t,
          new JsonObject().put("name", "api").put("value", value).encode());
      api.call(
          "POST",
          "/api/credentials",
          t,
          new JsonObject().put("name", "api").put("value", value).encode());
      api.call(
          "POST",
          "/api/credentials",
          t,
          new JsonObject().put("nam", "x").put("value", value).encode());
      api.call(
          "POST",
          "/api/agents/" + agent + "/webhook/rotate",
          t,
          new JsonObject().put("webhook_secret", suppliedSecret).encode());
      String second =
          api.call("POST", "/api/login", GatewayFixture.BOOTSTRAP_TOKEN, "{}")
              .json()
              .getString("session_token");
      api.call("POST", "/api/logout", second, null);
      assertThat(api.count("SELECT count(*) FROM audit_log")).isGreaterThanOrEqualTo(8);

      for (String secret :
          List.of(
              value,
              suppliedSecret,
              created.json().getString("webhook_secret"),
              t,
              second,
              GatewayFixture.BOOTSTRAP_TOKEN)) {
        assertThat(
                api.count("SELECT count(*) FROM audit_log l WHERE l::text LIKE '%" + secret + "%'"))
            .as("a secret in the audit log")
            .isZero();
      }
    }
  }

  @Test
  void aFailedAppendStillAnswersAndIsCountedAndLogged() throws Exception {
    GatewayMetrics metrics = new GatewayMetrics(new SimpleMeterRegistry());
    try (GatewayFixture api = new GatewayFixture(Map.of(), metrics)) {
      String t = bootstrap(api).token();
      // Every insert into the log fails from here on (rows already there are not re-checked).
      api.execute("ALTER TABLE audit_log ADD CONSTRAINT audit_test_broken CHECK (false) NOT VALID");
      try {
        var created = api.call("POST", "/api/agents", t, "{\"name\":\"unaudited\"}");
        assertThat(created.status()).isEqualTo(201);
        var refused = api.call("DELETE", "/api/agents/" + java.util.UUID.randomUUID(), t, null);
        assertThat(refused.status()).isEqualTo(404);
      } finally {
        api.execute("ALTER TABLE audit_log DROP CONSTRAINT audit_test_broken");
      }
      assertThat(metrics.registry().get("pincery_audit_append_failures").counter().count())
          .isEqualTo(2.0);
      assertThat(api.count("SELECT count(*) FROM agents WHERE name = 'unaudited'")).isEqualTo(1);
    }
  }
}
