package org.openpincery.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.openpincery.model.Role;

/**
 * Issue 14's people, invitations, roles and API tokens through the real API, and its bad input:
 * each refusal a clear 4xx that writes nothing.
 */
class TeamModeTest {

  // No session cache: these tests expect a removal or revocation to count on the next request.
  private static final GatewayFixture api =
      new GatewayFixture(Map.of("OPEN_PINCERY_SESSION_CACHE_SECONDS", "0"));
  private static String owner;

  @BeforeAll
  static void setUp() {
    owner = api.bootstrap();
  }

  @AfterAll
  static void close() {
    api.close();
  }

  @Test
  void anInvitationMakesTheInviteeAMemberWithTheirOwnSession() {
    String email = "Ada." + UUID.randomUUID() + "@Example.com";
    var invite = invite(owner, email, "operator");
    assertThat(invite.status()).isEqualTo(201);
    String token = invite.json().getString("token");
    assertThat(token).matches("inv_[0-9a-f]{64}");
    assertThat(invite.json().getString("accept_url")).endsWith("/#/accept/" + token);
    assertThat(invite.json().getString("email")).isEqualTo(email.toLowerCase());

    var accepted = accept(token, "Ada");
    assertThat(accepted.status()).isEqualTo(201);
    String session = accepted.json().getString("session_token");
    var me = api.call("GET", "/api/me", session, null).json();
    assertThat(me.getString("email")).isEqualTo(email.toLowerCase());
    assertThat(me.getString("name")).isEqualTo("Ada");
    assertThat(me.getString("role")).isEqualTo("operator");
    assertThat(me.getString("workspace_name")).isEqualTo("Default");
    assertThat(me.getString("auth")).isEqualTo("session");

    var members = api.call("GET", "/api/members", owner, null).json().getJsonArray("members");
    assertThat(members.stream().map(m -> ((JsonObject) m).getString("email")))
        .contains("admin@example.com", email.toLowerCase());
    var listed =
        api.call("GET", "/api/invitations", owner, null).json().getJsonArray("invitations");
    assertThat(
            listed.stream()
                .map(JsonObject.class::cast)
                .filter(i -> i.getString("id").equals(invite.json().getString("id")))
                .findFirst()
                .orElseThrow()
                .getString("status"))
        .isEqualTo("accepted");
    // Only digests are kept.
    assertThat(api.call("GET", "/api/invitations", owner, null).text()).doesNotContain(token);
  }

  @Test
  void reusedExpiredRevokedAndUnknownInvitationsAreRefusedAndWriteNothing() throws Exception {
    var used = invite(owner, "used-" + UUID.randomUUID() + "@example.com", "viewer");
    String usedToken = used.json().getString("token");
    assertThat(accept(usedToken, null).status()).isEqualTo(201);

    var expired = invite(owner, "late-" + UUID.randomUUID() + "@example.com", "viewer");
    api.execute(
        "UPDATE invitations SET created_at = now() - interval '2 days',"
            + " expires_at = now() - interval '1 day' WHERE id = '"
            + expired.json().getString("id")
            + "'");
    var revoked = invite(owner, "gone-" + UUID.randomUUID() + "@example.com", "viewer");
    assertThat(
            api.call("DELETE", "/api/invitations/" + revoked.json().getString("id"), owner, null)
                .status())
        .isEqualTo(204);

    long users = api.count("SELECT count(*) FROM users");
    long members = api.count("SELECT count(*) FROM memberships");
    long sessions = api.count("SELECT count(*) FROM sessions");

    var reused = accept(usedToken, null);
    assertThat(reused.status()).isEqualTo(409);
    assertThat(reused.errorCode()).isEqualTo("invitation_used");
    var late = accept(expired.json().getString("token"), null);
    assertThat(late.status()).isEqualTo(410);
    assertThat(late.errorCode()).isEqualTo("invitation_expired");
    var withdrawn = accept(revoked.json().getString("token"), null);
    assertThat(withdrawn.status()).isEqualTo(410);
    assertThat(withdrawn.errorCode()).isEqualTo("invitation_revoked");
    var unknown = accept("inv_" + Tokens.newToken(), null);
    assertThat(unknown.status()).isEqualTo(404);
    assertThat(unknown.errorCode()).isEqualTo("invitation_not_found");
    assertThat(accept("not-a-token", null).status()).isEqualTo(404);

    assertThat(api.count("SELECT count(*) FROM users")).isEqualTo(users);
    assertThat(api.count("SELECT count(*) FROM memberships")).isEqualTo(members);
    assertThat(api.count("SELECT count(*) FROM sessions")).isEqualTo(sessions);
  }

  @RepeatedTest(3)
  void twoAcceptancesOfOneInvitationRaceAndOnlyOneWins() throws Exception {
    String token =
        invite(owner, "race-" + UUID.randomUUID() + "@example.com", "viewer")
            .json()
            .getString("token");
    List<Integer> statuses = race(8, () -> accept(token, null).status());
    assertThat(statuses).filteredOn(s -> s == 201).hasSize(1);
    assertThat(statuses).filteredOn(s -> s == 409).hasSize(7);
  }

  @Test
  void nobodyInvitesOrIssuesTokensAboveTheirOwnRole() throws Exception {
    String admin = join(owner, "admin");
    String operator = join(owner, "operator");
    long invitations = api.count("SELECT count(*) FROM invitations");
    long tokens = api.count("SELECT count(*) FROM api_tokens");

    var ownerInvite = invite(admin, "boss-" + UUID.randomUUID() + "@example.com", "owner");
    assertThat(ownerInvite.status()).isEqualTo(403);
    assertThat(ownerInvite.errorCode()).isEqualTo("role_escalation");

    var adminToken =
        api.call("POST", "/api/tokens", operator, "{\"name\":\"ci\",\"role\":\"admin\"}");
    assertThat(adminToken.status()).isEqualTo(403);
    assertThat(adminToken.errorCode()).isEqualTo("role_escalation");
    assertThat(adminToken.json().getJsonObject("error").getString("message"))
        .contains("admin")
        .contains("operator");

    assertThat(api.count("SELECT count(*) FROM invitations")).isEqualTo(invitations);
    assertThat(api.count("SELECT count(*) FROM api_tokens")).isEqualTo(tokens);
  }

  @Test
  void theLastOwnerCanNeitherLeaveNorBeDemotedAndOnlyOwnersTouchOwners() throws Exception {
    String session = freshOwnerSession();
    var ws = api.call("POST", "/api/workspaces", session, "{\"name\":\"solo\"}");
    assertThat(ws.status()).isEqualTo(201);
    switchTo(session, ws.json().getString("id"));
    String me = api.call("GET", "/api/me", session, null).json().getString("user_id");

    var leave = api.call("DELETE", "/api/members/" + me, session, null);
    assertThat(leave.status()).isEqualTo(409);
    assertThat(leave.errorCode()).isEqualTo("last_owner");
    var demote = api.call("PATCH", "/api/members/" + me, session, "{\"role\":\"admin\"}");
    assertThat(demote.status()).isEqualTo(409);
    assertThat(demote.errorCode()).isEqualTo("last_owner");
    assertThat(api.call("GET", "/api/me", session, null).json().getString("role"))
        .isEqualTo("owner");

    // An admin may not demote or remove an owner.
    String admin = join(session, "admin");
    var byAdmin = api.call("PATCH", "/api/members/" + me, admin, "{\"role\":\"viewer\"}");
    assertThat(byAdmin.status()).isEqualTo(403);
    assertThat(api.call("DELETE", "/api/members/" + me, admin, null).status()).isEqualTo(403);
  }

  @RepeatedTest(5)
  void twoOwnersDemotingEachOtherAtOnceLeaveOneOwner() throws Exception {
    var ws =
        api.call("POST", "/api/workspaces", owner, "{\"name\":\"pair " + UUID.randomUUID() + "\"}");
    String first = switchTo(freshOwnerSession(), ws.json().getString("id"));
    String second = join(first, "owner");
    String firstId = api.call("GET", "/api/me", first, null).json().getString("user_id");
    String secondId = api.call("GET", "/api/me", second, null).json().getString("user_id");

    CyclicBarrier start = new CyclicBarrier(2);
    var pool = java.util.concurrent.Executors.newFixedThreadPool(2);
    var a =
        CompletableFuture.supplyAsync(
            () -> {
              await(start);
              return api.call("PATCH", "/api/members/" + secondId, first, "{\"role\":\"admin\"}")
                  .status();
            },
            pool);
    var b =
        CompletableFuture.supplyAsync(
            () -> {
              await(start);
              return api.call("PATCH", "/api/members/" + firstId, second, "{\"role\":\"admin\"}")
                  .status();
            },
            pool);
    List<Integer> statuses = List.of(a.get(), b.get());
    pool.shutdown();
    // The loser was refused either as the last owner's demotion (409) or, when the winner's change
    // committed before its request was authorized, as no longer an owner (403).
    assertThat(statuses).containsOnlyOnce(200);
    assertThat(statuses).filteredOn(s -> s != 200).allMatch(s -> s == 409 || s == 403);
    assertThat(
            api.count(
                "SELECT count(*) FROM memberships WHERE role = 'owner' AND workspace_id = '"
                    + ws.json().getString("id")
                    + "'"))
        .isEqualTo(1);
  }

  @Test
  void aRemovedMembersSessionsAndTokensStopAtOnce() throws Exception {
    String operator = join(owner, "operator");
    String token =
        api.call("POST", "/api/tokens", operator, "{\"name\":\"script\"}")
            .json()
            .getString("token");
    assertThat(api.call("GET", "/api/agents", token, null).status()).isEqualTo(200);
    String id = api.call("GET", "/api/me", operator, null).json().getString("user_id");

    assertThat(api.call("DELETE", "/api/members/" + id, owner, null).status()).isEqualTo(204);

    assertThat(api.call("GET", "/api/me", operator, null).status()).isEqualTo(401);
    var byToken = api.call("GET", "/api/agents", token, null);
    assertThat(byToken.status()).isEqualTo(401);
    assertThat(
            api.count(
                "SELECT count(*) FROM sessions WHERE revoked_at IS NULL AND user_id = '"
                    + id
                    + "'"))
        .isZero();
  }

  @Test
  void anotherGatewayProcessForgetsARemovedMemberAndEndsTheirStreamAtOnce() throws Exception {
    // The second gateway caches sessions for a minute and re-checks a stream's session every 50 s:
    // only the notification can make it forget within the test's 10 s.
    try (GatewayFixture other =
        GatewayFixture.besides(
            api,
            Map.of(
                "OPEN_PINCERY_SESSION_CACHE_SECONDS", "60",
                "OPEN_PINCERY_SSE_HEARTBEAT_SECONDS", "50"))) {
      String viewer = join(owner, "viewer");
      String agent = api.createAgent(owner, "watched " + UUID.randomUUID());
      String id = api.call("GET", "/api/me", viewer, null).json().getString("user_id");
      assertThat(other.call("GET", "/api/me", viewer, null).status()).isEqualTo(200);
      var stream =
          other.http.send(
              java.net.http.HttpRequest.newBuilder(
                      other.uri("/api/agents/" + agent + "/events/stream"))
                  .header("Authorization", "Bearer " + viewer)
                  .build(),
              java.net.http.HttpResponse.BodyHandlers.ofLines());
      assertThat(stream.statusCode()).isEqualTo(200);

      assertThat(api.call("DELETE", "/api/members/" + id, owner, null).status()).isEqualTo(204);

      // The stream ends (its lines run out) without waiting for a heartbeat's re-check...
      var ended =
          CompletableFuture.supplyAsync(
              () -> stream.body().anyMatch(l -> l.contains("session ended")));
      assertThat(ended.get(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
      // ...and the other process refuses the session although its cache would still hold it.
      org.awaitility.Awaitility.await()
          .atMost(java.time.Duration.ofSeconds(10))
          .until(() -> other.call("GET", "/api/me", viewer, null).status() == 401);
    }
  }

  @Test
  void aMemberMayLeave() {
    String viewer = join(owner, "viewer");
    String id = api.call("GET", "/api/me", viewer, null).json().getString("user_id");
    assertThat(api.call("DELETE", "/api/members/" + id, viewer, null).status()).isEqualTo(204);
    assertThat(api.call("GET", "/api/me", viewer, null).status()).isEqualTo(401);
  }

  @Test
  void anApiTokenIsShownOnceStoredHashedActsWithItsRoleAndStopsWhenRevoked() throws Exception {
    var created =
        api.call(
            "POST",
            "/api/tokens",
            owner,
            "{\"name\":\"ci-"
                + UUID.randomUUID()
                + "\",\"role\":\"viewer\",\"expires_in_days\":7}");
    assertThat(created.status()).isEqualTo(201);
    String token = created.json().getString("token");
    String id = created.json().getString("id");
    assertThat(token).matches("pcy_[0-9a-f]{64}");
    assertThat(
            api.count(
                "SELECT count(*) FROM api_tokens WHERE id = '"
                    + id
                    + "' AND token_hash = sha256(convert_to('"
                    + token
                    + "', 'UTF8'))"))
        .isEqualTo(1);
    assertThat(api.call("GET", "/api/tokens", owner, null).text()).doesNotContain(token);

    var me = api.call("GET", "/api/me", token, null).json();
    assertThat(me.getString("auth")).isEqualTo("api_token");
    assertThat(me.getString("role")).isEqualTo("viewer");
    var write = api.call("POST", "/api/agents", token, "{\"name\":\"by token\"}");
    assertThat(write.status()).isEqualTo(403);
    assertThat(
            api.count(
                "SELECT count(*) FROM api_tokens WHERE last_used_at IS NOT NULL AND id = '"
                    + id
                    + "'"))
        .isEqualTo(1);

    assertThat(api.call("DELETE", "/api/tokens/" + id, owner, null).status()).isEqualTo(204);
    var after = api.call("GET", "/api/agents", token, null);
    assertThat(after.status()).isEqualTo(401);
    assertThat(after.json().getJsonObject("error").getString("message")).contains("revoked");
    assertThat(api.call("DELETE", "/api/tokens/" + id, owner, null).status()).isEqualTo(404);
  }

  @Test
  void aTokenActsWithNoMoreThanItsCreatorsCurrentRole() {
    String admin = join(owner, "admin");
    String id = api.call("GET", "/api/me", admin, null).json().getString("user_id");
    String token =
        api.call("POST", "/api/tokens", admin, "{\"name\":\"ops\"}").json().getString("token");
    assertThat(api.call("GET", "/api/invitations", token, null).status()).isEqualTo(200);

    api.call("PATCH", "/api/members/" + id, owner, "{\"role\":\"viewer\"}");

    assertThat(api.call("GET", "/api/me", token, null).json().getString("role"))
        .isEqualTo("viewer");
    assertThat(api.call("GET", "/api/invitations", token, null).status()).isEqualTo(403);
  }

  @Test
  void anExpiredTokenIsRefusedWithItsReason() throws Exception {
    var created = api.call("POST", "/api/tokens", owner, "{\"name\":\"short\"}");
    api.execute(
        "UPDATE api_tokens SET created_at = now() - interval '2 days',"
            + " expires_at = now() - interval '1 day' WHERE id = '"
            + created.json().getString("id")
            + "'");
    var r = api.call("GET", "/api/agents", created.json().getString("token"), null);
    assertThat(r.status()).isEqualTo(401);
    assertThat(r.json().getJsonObject("error").getString("message")).contains("expired");
  }

  @Test
  void workspacesKeepTheirAgentsApartAndASessionSwitchesBetweenThem() {
    String session = freshOwnerSession();
    api.createAgent(session, "home agent " + UUID.randomUUID());
    var ws = api.call("POST", "/api/workspaces", session, "{\"name\":\"lab\"}");
    assertThat(ws.json().getString("role")).isEqualTo("owner");
    var list = api.call("GET", "/api/workspaces", session, null).json().getJsonArray("workspaces");
    assertThat(list.size()).isGreaterThanOrEqualTo(2);

    switchTo(session, ws.json().getString("id"));
    assertThat(api.call("GET", "/api/agents", session, null).json().getJsonArray("agents"))
        .isEmpty();
    assertThat(api.call("GET", "/api/me", session, null).json().getString("workspace_name"))
        .isEqualTo("lab");

    var outsider =
        api.call(
            "POST",
            "/api/session/workspace",
            join(session, "viewer"),
            new JsonObject().put("workspace_id", list.getJsonObject(0).getString("id")).encode());
    assertThat(outsider.status()).isEqualTo(403);
    assertThat(outsider.errorCode()).isEqualTo("not_a_member");
  }

  @Test
  void theBootstrapTokenRecoversOwnershipOfTheInstallationWorkspace() throws Exception {
    String other = join(owner, "owner");
    String adminId = api.call("GET", "/api/me", owner, null).json().getString("user_id");
    assertThat(
            api.call("PATCH", "/api/members/" + adminId, other, "{\"role\":\"viewer\"}").status())
        .isEqualTo(200);

    String recovered =
        api.call("POST", "/api/login", GatewayFixture.BOOTSTRAP_TOKEN, null)
            .json()
            .getString("session_token");

    assertThat(api.call("GET", "/api/me", recovered, null).json().getString("role"))
        .isEqualTo("owner");
  }

  // -----------------------------------------------------------------------------------------

  private static GatewayFixture.Response invite(String by, String email, String role) {
    return api.call(
        "POST",
        "/api/invitations",
        by,
        new JsonObject().put("email", email).put("role", role).encode());
  }

  private static GatewayFixture.Response accept(String token, String name) {
    JsonObject body = new JsonObject().put("token", token);
    if (name != null) {
      body.put("name", name);
    }
    return api.call("POST", "/api/invitations/accept", null, body.encode());
  }

  private static String join(String inviter, String role) {
    var invite = invite(inviter, role + "-" + UUID.randomUUID() + "@example.com", role);
    assertThat(invite.status()).as(invite.text()).isEqualTo(201);
    var accepted = accept(invite.json().getString("token"), null);
    assertThat(accepted.status()).as(accepted.text()).isEqualTo(201);
    assertThat(Role.of(accepted.json().getString("role")).wire()).isEqualTo(role);
    return accepted.json().getString("session_token");
  }

  private static String freshOwnerSession() {
    return api.call("POST", "/api/login", GatewayFixture.BOOTSTRAP_TOKEN, null)
        .json()
        .getString("session_token");
  }

  private static String switchTo(String session, String workspaceId) {
    var r =
        api.call(
            "POST",
            "/api/session/workspace",
            session,
            new JsonObject().put("workspace_id", workspaceId).encode());
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    return session;
  }

  private static <T> List<T> race(int n, java.util.function.Supplier<T> call) throws Exception {
    CyclicBarrier start = new CyclicBarrier(n);
    var pool = java.util.concurrent.Executors.newFixedThreadPool(n);
    List<CompletableFuture<T>> all = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      all.add(
          CompletableFuture.supplyAsync(
              () -> {
                await(start);
                return call.get();
              },
              pool));
    }
    List<T> out = new ArrayList<>();
    for (var f : all) {
      out.add(f.get());
    }
    pool.shutdown();
    return out;
  }

  private static void await(CyclicBarrier barrier) {
    try {
      barrier.await();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
