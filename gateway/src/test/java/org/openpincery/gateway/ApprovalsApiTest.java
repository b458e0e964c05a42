package org.openpincery.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.openpincery.model.Role;

/**
 * The approvals API (issue 17) over real HTTP and PostgreSQL, with requests made by the real wake
 * step ({@link GatedCalls}): the inbox and its filters and pages, one request, and decisions that
 * are taken once — approve, deny, a replay, racing operators, an expiry, a deleted agent, another
 * workspace's request.
 */
class ApprovalsApiTest {

  private static final JsonObject ARGS =
      new JsonObject().put("url", "https://example.com/deploy").put("credential", "DEPLOY_KEY");

  @Test
  void theInboxListsRequestsNewestFirstWithFiltersAndPagesAndShowsOne() {
    try (GatewayFixture api = new GatewayFixture()) {
      String token = api.bootstrap();
      UUID first = UUID.fromString(api.createAgent(token, "first"));
      UUID second = UUID.fromString(api.createAgent(token, "second"));
      UUID a1 = GatedCalls.request(api, first, "http_post", ARGS);
      // One step asking for three at once: they share requested_at and stay on one page.
      List<UUID> together =
          GatedCalls.request(
              api, second, Duration.ofHours(1), List.of("deploy", "pay", "email"), ARGS);

      var all = api.call("GET", "/api/approvals", token, null);
      assertThat(all.status()).as(all.text()).isEqualTo(200);
      JsonArray list = all.json().getJsonArray("approvals");
      assertThat(ids(list)).containsExactlyInAnyOrderElementsOf(concat(together, a1));
      assertThat(ids(list).getLast()).isEqualTo(a1.toString()); // newest first
      assertThat(all.json().getValue("next_before")).isNull();

      JsonObject one = list.getJsonObject(list.size() - 1);
      assertThat(one.fieldNames())
          .containsExactlyInAnyOrder(
              "id",
              "agent_id",
              "agent_name",
              "wake_id",
              "call_id",
              "tool",
              "capability",
              "arguments",
              "status",
              "requested_at",
              "expires_at",
              "decided_by",
              "decided_at",
              "note",
              "execution",
              "settled_at",
              "result_ok");
      assertThat(one.getString("agent_name")).isEqualTo("first");
      assertThat(one.getString("agent_id")).isEqualTo(first.toString());
      assertThat(one.getString("tool")).isEqualTo("http_post");
      assertThat(one.getString("capability")).isEqualTo("external");
      assertThat(one.getJsonObject("arguments")).isEqualTo(ARGS);
      assertThat(one.getString("status")).isEqualTo("pending");
      assertThat(one.getString("call_id")).startsWith("call_");
      assertThat(one.getValue("decided_by")).isNull();
      assertThat(one.getValue("execution")).isNull();

      var shown = api.call("GET", "/api/approvals/" + a1, token, null);
      assertThat(shown.status()).isEqualTo(200);
      assertThat(shown.json()).isEqualTo(one);
      assertThat(api.call("GET", "/api/approvals/" + UUID.randomUUID(), token, null).errorCode())
          .isEqualTo("not_found");
      assertThat(api.call("GET", "/api/approvals/nope", token, null).errorCode())
          .isEqualTo("invalid_id");

      // Filters: by agent (query or path), by status.
      assertThat(ids(page(api, token, "/api/approvals?agent_id=" + first)))
          .containsExactly(a1.toString());
      assertThat(ids(page(api, token, "/api/agents/" + second + "/approvals")))
          .containsExactlyInAnyOrderElementsOf(strings(together));
      assertThat(page(api, token, "/api/approvals?status=approved")).isEmpty();
      assertThat(page(api, token, "/api/approvals?status=all")).hasSize(4);

      // Pages: the three made together are one page even with limit 2; the cursor continues.
      var p1 = api.call("GET", "/api/approvals?limit=2", token, null);
      assertThat(ids(p1.json().getJsonArray("approvals")))
          .containsExactlyInAnyOrderElementsOf(strings(together));
      String cursor = p1.json().getString("next_before");
      assertThat(cursor).isNotNull();
      var p2 =
          api.call(
              "GET",
              "/api/approvals?limit=2&before=" + java.net.URLEncoder.encode(cursor, UTF8),
              token,
              null);
      assertThat(ids(p2.json().getJsonArray("approvals"))).containsExactly(a1.toString());
      assertThat(p2.json().getValue("next_before")).isNull();
      var p1of1 = api.call("GET", "/api/approvals?limit=1", token, null);
      assertThat(p1of1.json().getJsonArray("approvals")).hasSize(3);

      for (String bad :
          List.of(
              "status=open",
              "limit=0",
              "limit=201",
              "before=yesterday",
              "agent_id=x",
              "agent_id=" + UUID.randomUUID() + "0")) {
        var r = api.call("GET", "/api/approvals?" + bad, token, null);
        assertThat(r.status()).as(bad).isEqualTo(400);
        assertThat(r.errorCode()).as(bad).isEqualTo("invalid_request");
      }
      assertThat(
              api.call("GET", "/api/agents/" + UUID.randomUUID() + "/approvals", token, null)
                  .status())
          .isEqualTo(404);
    }
  }

  @Test
  void approvingDecidesOnceWakesTheAgentAndAReplayIsAConflict() throws Exception {
    try (GatewayFixture api = new GatewayFixture()) {
      String token = api.bootstrap();
      UUID agent = UUID.fromString(api.createAgent(token, "deployer"));
      UUID id = GatedCalls.request(api, agent, "deploy", ARGS);
      assertThat(agentJson(api, token, agent).getBoolean("pending_work")).isFalse();

      var approved =
          api.call("POST", "/api/approvals/" + id + "/approve", token, "{\"note\":\"go ahead\"}");
      assertThat(approved.status()).as(approved.text()).isEqualTo(200);
      JsonObject a = approved.json();
      assertThat(a.getString("status")).isEqualTo("approved");
      assertThat(a.getString("note")).isEqualTo("go ahead");
      assertThat(a.getString("decided_by")).isEqualTo(me(api, token));
      assertThat(a.getString("decided_at")).isNotNull();
      assertThat(a.getValue("execution")).isNull();

      // The decision is a waking event in the agent's log: the agent has work now.
      JsonObject decided = lastEvent(api, token, agent, "approval_decided");
      assertThat(decided.getString("source")).isEqualTo("operator");
      assertThat(decided.getString("content")).isEqualTo("go ahead");
      assertThat(decided.getJsonObject("payload").getString("approval_id"))
          .isEqualTo(id.toString());
      assertThat(decided.getJsonObject("payload").getString("decision")).isEqualTo("approved");
      assertThat(decided.getJsonObject("payload").getString("decided_by"))
          .isEqualTo(me(api, token));
      assertThat(agentJson(api, token, agent).getBoolean("pending_work")).isTrue();

      var replay = api.call("POST", "/api/approvals/" + id + "/approve", token, null);
      assertThat(replay.status()).isEqualTo(409);
      assertThat(replay.errorCode()).isEqualTo("approval_decided");
      assertThat(replay.json().getJsonObject("error").getString("message"))
          .contains("approved")
          .contains("Admin")
          .contains(a.getString("decided_by"));
      var deny = api.call("POST", "/api/approvals/" + id + "/deny", token, "{}");
      assertThat(deny.errorCode()).isEqualTo("approval_decided");
      assertThat(decisionEvents(api, agent)).isEqualTo(1);

      // On record: who approved which request of which tool — never the call's arguments.
      var audit = api.call("GET", "/api/audit?action=approval.*", token, null);
      JsonArray entries = audit.json().getJsonArray("entries");
      assertThat(entries).hasSize(3);
      JsonObject ok = entries.getJsonObject(0);
      assertThat(ok.getString("action")).isEqualTo("approval.approve");
      assertThat(ok.getString("outcome")).isEqualTo("ok");
      assertThat(ok.getJsonObject("target").getString("type")).isEqualTo("approval");
      assertThat(ok.getJsonObject("target").getString("id")).isEqualTo(id.toString());
      assertThat(ok.getJsonObject("detail").getString("tool")).isEqualTo("deploy");
      assertThat(ok.getJsonObject("detail").getString("decision")).isEqualTo("approved");
      assertThat(entries.encode()).doesNotContain("example.com/deploy").doesNotContain("DEPLOY");
      assertThat(entries.getJsonObject(2).getString("action")).isEqualTo("approval.deny");
      assertThat(entries.getJsonObject(2).getJsonObject("detail").getString("error"))
          .isEqualTo("approval_decided");
    }
  }

  @Test
  void aDenialKeepsItsNoteAndANoteOverTwoThousandCharactersIsRefused() {
    try (GatewayFixture api = new GatewayFixture()) {
      String token = api.bootstrap();
      UUID agent = UUID.fromString(api.createAgent(token, "payer"));
      UUID id = GatedCalls.request(api, agent, "pay", ARGS);

      var tooLong =
          api.call(
              "POST",
              "/api/approvals/" + id + "/deny",
              token,
              new JsonObject().put("note", "x".repeat(2001)).encode());
      assertThat(tooLong.status()).isEqualTo(400);
      assertThat(tooLong.errorCode()).isEqualTo("invalid_request");
      assertThat(tooLong.json().getJsonObject("error").getString("message")).contains("2000");
      var unknown =
          api.call("POST", "/api/approvals/" + id + "/deny", token, "{\"reason\":\"no\"}");
      assertThat(unknown.status()).isEqualTo(400);
      assertThat(api.call("GET", "/api/approvals/" + id, token, null).json().getString("status"))
          .isEqualTo("pending");

      String note = "not this month\n" + "y".repeat(1985);
      var denied =
          api.call(
              "POST",
              "/api/approvals/" + id + "/deny",
              token,
              new JsonObject().put("note", note).encode());
      assertThat(denied.status()).as(denied.text()).isEqualTo(200);
      assertThat(denied.json().getString("status")).isEqualTo("denied");
      assertThat(denied.json().getString("note")).isEqualTo(note);
      JsonObject event = lastEvent(api, token, agent, "approval_decided");
      assertThat(event.getJsonObject("payload").getString("decision")).isEqualTo("denied");
      assertThat(event.getString("content")).isEqualTo(note);
      assertThat(agentJson(api, token, agent).getBoolean("pending_work")).isTrue();
    }
  }

  @RepeatedTest(5)
  void ofEightOperatorsRacingExactlyOneDecides() throws Exception {
    try (GatewayFixture api = new GatewayFixture()) {
      String owner = api.bootstrap();
      List<String> operators = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        operators.add(Members.join(api, owner, Role.OPERATOR));
      }
      UUID agent = UUID.fromString(api.createAgent(owner, "contested"));
      UUID id = GatedCalls.request(api, agent, "deploy", ARGS);

      CountDownLatch start = new CountDownLatch(1);
      ExecutorService pool = Executors.newFixedThreadPool(8);
      try {
        List<Future<GatewayFixture.Response>> answers = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
          String operator = operators.get(i);
          String verb = i % 2 == 0 ? "approve" : "deny";
          answers.add(
              pool.submit(
                  () -> {
                    start.await();
                    return api.call("POST", "/api/approvals/" + id + "/" + verb, operator, "{}");
                  }));
        }
        start.countDown();
        int ok = 0;
        int conflicts = 0;
        for (var f : answers) {
          var r = f.get();
          if (r.status() == 200) {
            ok++;
          } else {
            assertThat(r.status()).as(r.text()).isEqualTo(409);
            assertThat(r.errorCode()).isEqualTo("approval_decided");
            conflicts++;
          }
        }
        assertThat(ok).isEqualTo(1);
        assertThat(conflicts).isEqualTo(7);
      } finally {
        pool.shutdownNow();
      }
      assertThat(decisionEvents(api, agent)).isEqualTo(1);
    }
  }

  @Test
  void aRequestPastItsExpiryIsRecordedExpiredAndAnsweredGone() throws Exception {
    try (GatewayFixture api = new GatewayFixture()) {
      String token = api.bootstrap();
      UUID agent = UUID.fromString(api.createAgent(token, "hasty"));
      UUID id =
          GatedCalls.request(api, agent, Duration.ofSeconds(1), List.of("deploy"), ARGS).getFirst();
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  api.count(
                          "SELECT count(*) FROM approvals WHERE expires_at <= now() AND id = '"
                              + id
                              + "'")
                      == 1);

      var late = api.call("POST", "/api/approvals/" + id + "/approve", token, "{}");
      assertThat(late.status()).as(late.text()).isEqualTo(410);
      assertThat(late.errorCode()).isEqualTo("approval_expired");
      JsonObject shown = api.call("GET", "/api/approvals/" + id, token, null).json();
      assertThat(shown.getString("status")).isEqualTo("expired");
      assertThat(shown.getValue("decided_by")).isNull();
      assertThat(shown.getString("decided_at")).isNotNull();
      JsonObject event = lastEvent(api, token, agent, "approval_decided");
      assertThat(event.getString("source")).isEqualTo("runtime");
      assertThat(event.getJsonObject("payload").getString("decision")).isEqualTo("expired");
      assertThat(agentJson(api, token, agent).getBoolean("pending_work")).isTrue();
      assertThat(ids(page(api, token, "/api/approvals?status=expired")))
          .containsExactly(id.toString());

      var again = api.call("POST", "/api/approvals/" + id + "/deny", token, "{}");
      assertThat(again.status()).isEqualTo(409);
      assertThat(again.errorCode()).isEqualTo("approval_decided");
      assertThat(again.json().getJsonObject("error").getString("message")).contains("expired");
    }
  }

  @Test
  void anotherWorkspacesRequestIsNotFoundAndViewersMayReadButNotDecide() {
    try (GatewayFixture api = new GatewayFixture()) {
      String token = api.bootstrap();
      UUID elsewhere = api.store.agents().createWorkspace("elsewhere").await();
      UUID stranger =
          api.store.agents().createAgent(elsewhere, "stranger", "secret-0123456789", null).await();
      UUID theirs = GatedCalls.request(api, stranger, "deploy", ARGS);

      assertThat(api.call("GET", "/api/approvals/" + theirs, token, null).status()).isEqualTo(404);
      var decide = api.call("POST", "/api/approvals/" + theirs + "/approve", token, "{}");
      assertThat(decide.status()).isEqualTo(404);
      assertThat(decide.errorCode()).isEqualTo("not_found");
      assertThat(page(api, token, "/api/approvals?status=all")).isEmpty();
      assertThat(page(api, token, "/api/approvals?agent_id=" + stranger)).isEmpty();
      assertThat(api.call("GET", "/api/agents/" + stranger + "/approvals", token, null).status())
          .isEqualTo(404);

      UUID agent = UUID.fromString(api.createAgent(token, "mine"));
      UUID mine = GatedCalls.request(api, agent, "deploy", ARGS);
      String viewer = Members.join(api, token, Role.VIEWER);
      assertThat(api.call("GET", "/api/approvals/" + mine, viewer, null).status()).isEqualTo(200);
      assertThat(page(api, viewer, "/api/approvals")).hasSize(1);
      var refused = api.call("POST", "/api/approvals/" + mine + "/approve", viewer, "{}");
      assertThat(refused.status()).isEqualTo(403);
      assertThat(refused.errorCode()).isEqualTo("forbidden");
      assertThat(api.call("GET", "/api/approvals/" + mine, token, null).json().getString("status"))
          .isEqualTo("pending");
    }
  }

  @Test
  void aDeletedAgentsRequestCannotBeDecided() throws Exception {
    try (GatewayFixture api = new GatewayFixture()) {
      String token = api.bootstrap();
      UUID agent = UUID.fromString(api.createAgent(token, "doomed"));
      UUID id = GatedCalls.request(api, agent, "deploy", ARGS);
      assertThat(api.call("DELETE", "/api/agents/" + agent, token, null).status()).isEqualTo(204);

      var r = api.call("POST", "/api/approvals/" + id + "/approve", token, "{}");
      assertThat(r.status()).isEqualTo(409);
      assertThat(r.errorCode()).isEqualTo("agent_deleted");
      JsonObject shown = api.call("GET", "/api/approvals/" + id, token, null).json();
      assertThat(shown.getString("status")).isEqualTo("pending");
      assertThat(shown.getString("agent_name")).isEqualTo("doomed");
      assertThat(decisionEvents(api, agent)).isZero();
    }
  }

  private static final java.nio.charset.Charset UTF8 = java.nio.charset.StandardCharsets.UTF_8;

  static JsonArray page(GatewayFixture api, String token, String path) {
    var r = api.call("GET", path, token, null);
    assertThat(r.status()).as(path + ": " + r.text()).isEqualTo(200);
    return r.json().getJsonArray("approvals");
  }

  static List<String> ids(JsonArray approvals) {
    List<String> out = new ArrayList<>();
    approvals.forEach(o -> out.add(((JsonObject) o).getString("id")));
    return out;
  }

  private static List<String> strings(List<UUID> ids) {
    return ids.stream().map(UUID::toString).toList();
  }

  private static List<String> concat(List<UUID> ids, UUID one) {
    List<String> out = new ArrayList<>(strings(ids));
    out.add(one.toString());
    return out;
  }

  /** The {@code approval_decided} events in the agent's log. */
  private static long decisionEvents(GatewayFixture api, UUID agent) throws Exception {
    return api.count(
        "SELECT count(*) FROM events WHERE event_type = 'approval_decided' AND agent_id = '"
            + agent
            + "'");
  }

  static JsonObject agentJson(GatewayFixture api, String token, UUID agent) {
    var r = api.call("GET", "/api/agents/" + agent, token, null);
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    return r.json();
  }

  private static String me(GatewayFixture api, String token) {
    return api.call("GET", "/api/me", token, null).json().getString("user_id");
  }

  /** The newest event of {@code type} in the agent's log, as the API shows it. */
  static JsonObject lastEvent(GatewayFixture api, String token, UUID agent, String type) {
    JsonArray events =
        api.call("GET", "/api/agents/" + agent + "/events?limit=1000", token, null)
            .json()
            .getJsonArray("events");
    JsonObject found = null;
    for (Object o : events) {
      if (type.equals(((JsonObject) o).getString("event_type"))) {
        found = (JsonObject) o;
      }
    }
    assertThat(found).as("a %s event", type).isNotNull();
    return found;
  }
}
