package org.openpincery.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The audit trail of team mode (issue 14): API tokens as actors, token and invitation and
 * membership changes, and the refusals of issue 14's "Bad input" list — each a clear 4xx with
 * nothing written but its audit entry.
 */
class AuditTeamModeTest {

  private static GatewayFixture api;
  private static String owner;
  private static String ownerId;

  @BeforeAll
  static void start() {
    api = new GatewayFixture();
    var r =
        api.call(
            "POST",
            "/api/bootstrap",
            GatewayFixture.BOOTSTRAP_TOKEN,
            "{\"email\":\"owner@example.com\",\"name\":\"Owner\"}");
    owner = r.json().getString("session_token");
    ownerId = r.json().getString("user_id");
  }

  @AfterAll
  static void stop() {
    api.close();
  }

  private static JsonArray entries(String token, String query) {
    var r = api.call("GET", "/api/audit" + query, token, null);
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    return r.json().getJsonArray("entries");
  }

  private static JsonObject last(String token, String query) {
    JsonArray list = entries(token, query + (query.isEmpty() ? "?" : "&") + "limit=1000");
    assertThat(list).as(query).isNotEmpty();
    return list.getJsonObject(list.size() - 1);
  }

  private static String requestId(GatewayFixture.Response r) {
    return r.headers().firstValue("X-Request-Id").orElseThrow();
  }

  private static long auditRowsContaining(String text) throws Exception {
    return api.count("SELECT count(*) FROM audit_log l WHERE l::text LIKE '%" + text + "%'");
  }

  @Test
  void anApiTokenIsTheActorOfWhatItDoesAndItsUseAfterRevocationIsRefusedOnRecord()
      throws Exception {
    var created = api.call("POST", "/api/tokens", owner, "{\"name\":\"ci\",\"role\":\"operator\"}");
    assertThat(created.status()).as(created.text()).isEqualTo(201);
    String tokenId = created.json().getString("id");
    String token = created.json().getString("token");

    JsonObject creation = last(owner, "?action=token.create");
    assertThat(creation.getJsonObject("actor"))
        .isEqualTo(new JsonObject().put("type", "user").put("id", ownerId));
    assertThat(creation.getJsonObject("target"))
        .isEqualTo(new JsonObject().put("type", "token").put("id", tokenId));
    assertThat(creation.getJsonObject("detail"))
        .isEqualTo(new JsonObject().put("name", "ci").put("role", "operator"));

    var agent = api.call("POST", "/api/agents", token, "{\"name\":\"by-ci\"}");
    assertThat(agent.status()).isEqualTo(201);
    JsonObject byToken = last(owner, "?action=agent.create");
    assertThat(byToken.getJsonObject("actor"))
        .isEqualTo(
            new JsonObject().put("type", "token").put("id", tokenId).put("user_id", ownerId));
    assertThat(byToken.getString("request_id")).isEqualTo(requestId(agent));
    assertThat(entries(owner, "?actor=" + tokenId + "&action=agent.create")).hasSize(1);

    // Its first use is on record once (within the hour), just before what it did.
    assertThat(api.call("GET", "/api/agents", token, null).status()).isEqualTo(200);
    assertThat(
            api.call(
                    "PATCH",
                    "/api/agents/" + agent.json().getString("id"),
                    token,
                    "{\"name\":\"by-ci-2\"}")
                .status())
        .isEqualTo(200);
    JsonArray uses = entries(owner, "?action=token.use");
    assertThat(uses).hasSize(1);
    JsonObject use = uses.getJsonObject(0);
    assertThat(use.getJsonObject("actor"))
        .isEqualTo(
            new JsonObject().put("type", "token").put("id", tokenId).put("user_id", ownerId));
    assertThat(use.getJsonObject("target"))
        .isEqualTo(new JsonObject().put("type", "token").put("id", tokenId));
    assertThat(use.getString("request_id")).isEqualTo(requestId(agent));
    assertThat(use.getLong("seq")).isEqualTo(byToken.getLong("seq") - 1);
    assertThat(entries(owner, "?actor=token&action=agent.create")).hasSize(1);

    var revoked = api.call("DELETE", "/api/tokens/" + tokenId, owner, null);
    assertThat(revoked.status()).isEqualTo(204);
    JsonObject revocation = last(owner, "?action=token.revoke");
    assertThat(revocation.getJsonObject("target"))
        .isEqualTo(new JsonObject().put("type", "token").put("id", tokenId));
    assertThat(revocation.getString("request_id")).isEqualTo(requestId(revoked));

    long agents = api.count("SELECT count(*) FROM agents");
    var refused = api.call("POST", "/api/agents", token, "{\"name\":\"after-revocation\"}");
    assertThat(refused.status()).isEqualTo(401);
    assertThat(api.count("SELECT count(*) FROM agents")).isEqualTo(agents);
    JsonObject refusal = last(owner, "?action=authorization.refused");
    assertThat(refusal.getJsonObject("actor"))
        .isEqualTo(
            new JsonObject().put("type", "token").put("id", tokenId).put("user_id", ownerId));
    assertThat(refusal.getString("outcome")).isEqualTo("refused");
    assertThat(refusal.getInteger("status")).isEqualTo(401);
    assertThat(refusal.getString("request_id")).isEqualTo(requestId(refused));
    assertThat(refusal.getJsonObject("detail").getString("action")).isEqualTo("agent.create");
    assertThat(refusal.getJsonObject("detail").getString("reason")).contains("revoked");

    assertThat(auditRowsContaining(token)).isZero();
    assertThat(auditRowsContaining(token.substring(4))).isZero();
  }

  @Test
  void invitationsAndMembershipChangesAreOnRecordAndSoAreTheirRefusals() throws Exception {
    var invite =
        api.call(
            "POST",
            "/api/invitations",
            owner,
            "{\"email\":\"op@example.com\",\"role\":\"operator\"}");
    assertThat(invite.status()).as(invite.text()).isEqualTo(201);
    String invitationId = invite.json().getString("id");
    String invitation = invite.json().getString("token");
    JsonObject invited = last(owner, "?action=invitation.create");
    assertThat(invited.getJsonObject("target"))
        .isEqualTo(new JsonObject().put("type", "invitation").put("id", invitationId));
    assertThat(invited.getJsonObject("detail"))
        .isEqualTo(
            new JsonObject()
                .put("email", "op@example.com")
                .put("role", "operator")
                .put("expires_in_hours", 168));

    var accepted =
        api.call(
            "POST",
            "/api/invitations/accept",
            null,
            new JsonObject().put("token", invitation).encode());
    assertThat(accepted.status()).isEqualTo(201);
    String member = accepted.json().getString("user_id");
    String operator = accepted.json().getString("session_token");
    JsonObject acceptance = last(owner, "?action=invitation.accept");
    assertThat(acceptance.getJsonObject("actor"))
        .isEqualTo(new JsonObject().put("type", "user").put("id", member));
    assertThat(acceptance.getJsonObject("target"))
        .isEqualTo(new JsonObject().put("type", "member").put("id", member));
    assertThat(acceptance.getString("request_id")).isEqualTo(requestId(accepted));

    // Reused: refused, anonymous, in the invitation's workspace.
    var reused =
        api.call(
            "POST",
            "/api/invitations/accept",
            null,
            new JsonObject().put("token", invitation).encode());
    assertThat(reused.status()).isEqualTo(409);
    JsonObject reuse = last(owner, "?action=invitation.accept");
    assertThat(reuse.getJsonObject("actor")).isEqualTo(new JsonObject().put("type", "anonymous"));
    assertThat(reuse.getString("outcome")).isEqualTo("refused");
    assertThat(reuse.getInteger("status")).isEqualTo(409);
    assertThat(reuse.getJsonObject("target"))
        .isEqualTo(new JsonObject().put("type", "invitation").put("id", invitationId));
    assertThat(reuse.getJsonObject("detail").getString("reason")).isEqualTo("invitation_used");

    // Unknown: refused in the installation's chain (the token names no workspace).
    String unknown = "inv_" + "0".repeat(64);
    var notFound =
        api.call(
            "POST",
            "/api/invitations/accept",
            null,
            new JsonObject().put("token", unknown).encode());
    assertThat(notFound.status()).isEqualTo(404);
    JsonObject stranger = last(owner, "?scope=installation&action=invitation.accept");
    assertThat(stranger.getString("request_id")).isEqualTo(requestId(notFound));
    assertThat(stranger.getJsonObject("detail").getString("reason"))
        .isEqualTo("invitation_not_found");

    // A role escalation: refused on record, and no token made.
    long tokens = api.count("SELECT count(*) FROM api_tokens");
    var escalation =
        api.call("POST", "/api/tokens", operator, "{\"name\":\"up\",\"role\":\"admin\"}");
    assertThat(escalation.status()).isEqualTo(403);
    assertThat(escalation.errorCode()).isEqualTo("role_escalation");
    assertThat(api.count("SELECT count(*) FROM api_tokens")).isEqualTo(tokens);
    JsonObject refused = last(owner, "?action=authorization.refused");
    assertThat(refused.getJsonObject("actor"))
        .isEqualTo(new JsonObject().put("type", "user").put("id", member));
    assertThat(refused.getString("request_id")).isEqualTo(requestId(escalation));
    assertThat(refused.getJsonObject("detail").getString("action")).isEqualTo("token.create");
    assertThat(refused.getJsonObject("detail").getString("reason")).isEqualTo("role_escalation");

    var demoted = api.call("PATCH", "/api/members/" + member, owner, "{\"role\":\"viewer\"}");
    assertThat(demoted.status()).isEqualTo(200);
    JsonObject roleSet = last(owner, "?action=member.role_set");
    assertThat(roleSet.getJsonObject("target"))
        .isEqualTo(new JsonObject().put("type", "member").put("id", member));
    assertThat(roleSet.getJsonObject("detail")).isEqualTo(new JsonObject().put("role", "viewer"));

    // The last owner cannot step down: refused on record, nothing changed.
    var lastOwner = api.call("PATCH", "/api/members/" + ownerId, owner, "{\"role\":\"admin\"}");
    assertThat(lastOwner.status()).isEqualTo(409);
    JsonObject kept = last(owner, "?action=member.role_set");
    assertThat(kept.getString("outcome")).isEqualTo("refused");
    assertThat(kept.getJsonObject("detail").getString("error")).isEqualTo("last_owner");

    var removed = api.call("DELETE", "/api/members/" + member, owner, null);
    assertThat(removed.status()).isEqualTo(204);
    JsonObject removal = last(owner, "?action=member.remove");
    assertThat(removal.getJsonObject("target"))
        .isEqualTo(new JsonObject().put("type", "member").put("id", member));
    assertThat(removal.getString("request_id")).isEqualTo(requestId(removed));

    var second =
        api.call(
            "POST",
            "/api/invitations",
            owner,
            "{\"email\":\"later@example.com\",\"role\":\"viewer\"}");
    String secondId = second.json().getString("id");
    assertThat(api.call("DELETE", "/api/invitations/" + secondId, owner, null).status())
        .isEqualTo(204);
    assertThat(last(owner, "?action=invitation.revoke").getJsonObject("target"))
        .isEqualTo(new JsonObject().put("type", "invitation").put("id", secondId));

    var workspace = api.call("POST", "/api/workspaces", owner, "{\"name\":\"second\"}");
    assertThat(workspace.status()).isEqualTo(201);
    assertThat(last(owner, "?action=workspace.create").getJsonObject("target"))
        .isEqualTo(
            new JsonObject().put("type", "workspace").put("id", workspace.json().getString("id")));

    assertThat(auditRowsContaining(invitation.substring(4))).isZero();
    assertThat(auditRowsContaining(operator)).isZero();
    assertThat(entries(owner, "?limit=1000"))
        .allSatisfy(
            o ->
                assertThat(((JsonObject) o).getJsonObject("detail").encode())
                    .doesNotContain("inv_")
                    .doesNotContain("pcy_"));
    assertThat(api.call("GET", "/api/audit/verify", owner, null).json().getBoolean("valid"))
        .isTrue();
  }
}
