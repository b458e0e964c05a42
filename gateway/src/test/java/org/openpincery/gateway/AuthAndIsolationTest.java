package org.openpincery.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AuthAndIsolationTest {

  // No session cache here: these tests change sessions behind the API's back, as another
  // gateway process would, and expect the very next request to see it.
  private static final GatewayFixture api =
      new GatewayFixture(java.util.Map.of("OPEN_PINCERY_SESSION_CACHE_SECONDS", "0"));
  private static String token;
  private static String agent;

  @BeforeAll
  static void setUp() {
    token = api.bootstrap();
    agent = api.createAgent(token, "mine");
  }

  @AfterAll
  static void close() {
    api.close();
  }

  @Test
  void missingWrongAndMalformedTokensGet401() {
    assertThat(api.call("GET", "/api/agents", null, null).status()).isEqualTo(401);
    assertThat(api.call("GET", "/api/agents", Tokens.newToken(), null).status()).isEqualTo(401);
    assertThat(api.call("GET", "/api/agents", "not-a-token", null).status()).isEqualTo(401);
    assertThat(
            api.call(
                    "GET",
                    "/api/agents",
                    null,
                    null,
                    java.util.Map.of("Authorization", "Basic Zm9vOmJhcg=="))
                .status())
        .isEqualTo(401);
    var r = api.call("GET", "/api/agents", Tokens.newToken(), null);
    assertThat(r.errorCode()).isEqualTo("unauthorized");
    assertThat(r.headers().firstValue("X-Request-Id")).isPresent();
  }

  @Test
  void revokedAndExpiredSessionsGet401() throws Exception {
    String revoked =
        api.call("POST", "/api/login", GatewayFixture.BOOTSTRAP_TOKEN, null)
            .json()
            .getString("session_token");
    assertThat(api.call("GET", "/api/me", revoked, null).status()).isEqualTo(200);
    api.call("POST", "/api/logout", revoked, null);
    assertThat(api.call("GET", "/api/me", revoked, null).status()).isEqualTo(401);

    String expiring =
        api.call("POST", "/api/login", GatewayFixture.BOOTSTRAP_TOKEN, null)
            .json()
            .getString("session_token");
    assertThat(api.call("GET", "/api/me", expiring, null).status()).isEqualTo(200);
    api.execute(
        "UPDATE sessions SET expires_at = now() - interval '1 second' WHERE token_hash = sha256(convert_to('"
            + expiring
            + "', 'UTF8'))");
    assertThat(api.call("GET", "/api/me", expiring, null).status()).isEqualTo(401);
  }

  @Test
  void aRevocationByAnotherProcessIsSeenWithinTheSessionCacheTtl() throws Exception {
    try (GatewayFixture cached =
        new GatewayFixture(java.util.Map.of("OPEN_PINCERY_SESSION_CACHE_SECONDS", "2"))) {
      String t = cached.bootstrap();
      assertThat(cached.call("GET", "/api/me", t, null).status()).isEqualTo(200);
      cached.execute("UPDATE sessions SET revoked_at = now()");
      long start = System.nanoTime();
      org.awaitility.Awaitility.await()
          .atMost(java.time.Duration.ofSeconds(10))
          .until(() -> cached.call("GET", "/api/me", t, null).status() == 401);
      assertThat(java.time.Duration.ofNanos(System.nanoTime() - start))
          .isLessThan(java.time.Duration.ofSeconds(4));
    }
  }

  @Test
  void wrongOrMissingBootstrapTokenGets401AndNothingIsWritten() throws Exception {
    long sessions = api.count("SELECT count(*) FROM sessions");
    assertThat(api.call("POST", "/api/login", "wrong-bootstrap-token-000000000", null).status())
        .isEqualTo(401);
    assertThat(api.call("POST", "/api/login", null, null).status()).isEqualTo(401);
    assertThat(api.call("POST", "/api/bootstrap", token, null).status()).isEqualTo(401);
    assertThat(api.count("SELECT count(*) FROM sessions")).isEqualTo(sessions);
  }

  @ParameterizedTest
  @CsvSource({
    "GET, ''",
    "PATCH, '{\"name\":\"stolen\"}'",
    "DELETE, ''",
    "POST, /messages|{\"content\":\"hi\"}",
    "GET, /events|",
    "GET, /events/verify|",
    "GET, /events/stream|",
    "POST, /webhook/rotate|"
  })
  void anotherWorkspacesAgentAnswers404(String method, String spec) throws Exception {
    String outsider = outsiderToken();
    String suffix = spec.contains("|") ? spec.substring(0, spec.indexOf('|')) : "";
    String body = spec.contains("|") ? spec.substring(spec.indexOf('|') + 1) : spec;
    long events = api.count("SELECT count(*) FROM events");

    var r =
        api.call(method, "/api/agents/" + agent + suffix, outsider, body.isEmpty() ? null : body);

    assertThat(r.status()).isEqualTo(404);
    assertThat(r.errorCode()).isEqualTo("not_found");
    assertThat(api.count("SELECT count(*) FROM events")).isEqualTo(events);
    assertThat(api.call("GET", "/api/agents/" + agent, token, null).json().getString("name"))
        .isEqualTo("mine");
    assertThat(api.call("GET", "/api/agents", outsider, null).json().getJsonArray("agents"))
        .isEmpty();
  }

  @Test
  void theApiReadsWorkspaceDataUnderRowLevelSecurity() throws Exception {
    assertThat(api.call("GET", "/api/agents", token, null).json().getJsonArray("agents"))
        .isNotEmpty();
    // With the policy on agents closed, the API's own (correct) filter finds nothing: its
    // statements run as the role row-level security applies to, not as the tables' owner.
    api.execute("ALTER POLICY workspace_scope ON agents USING (false)");
    try {
      assertThat(api.call("GET", "/api/agents", token, null).json().getJsonArray("agents"))
          .isEmpty();
      assertThat(api.call("GET", "/api/agents/" + agent, token, null).status()).isEqualTo(404);
    } finally {
      api.execute(
          "ALTER POLICY workspace_scope ON agents USING (workspace_id = ANY (pincery_scope()))");
    }
    assertThat(api.call("GET", "/api/agents/" + agent, token, null).status()).isEqualTo(200);
  }

  private static String outsiderToken() {
    UUID workspace = api.store.agents().createWorkspace("elsewhere").await();
    UUID user =
        api.store
            .auth()
            .addMember(
                workspace,
                "outsider-" + UUID.randomUUID() + "@example.com",
                "Outsider",
                org.openpincery.model.Role.OWNER)
            .await();
    String t = Tokens.newToken();
    api.store
        .auth()
        .createSession(
            user, workspace, "invitation", Tokens.sha256(t), java.time.Duration.ofHours(1))
        .await();
    return t;
  }
}
