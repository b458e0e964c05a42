package org.openpincery.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.openpincery.model.NewEvent;
import org.openpincery.store.AppendResult;

/**
 * {@code GET /api/agents/:id/memory/search} over real HTTP and a real store: events appended
 * through the API and the store are found by the memory index the moment they commit, filtered,
 * limited, confined to the caller's workspace, and bad parameters are refused. Embeddings are off
 * here, so the answer says semantic ranking is degraded and ranks by text
 * (MemorySemanticSearchApiTest covers them on).
 */
class MemorySearchApiTest {

  private static final GatewayFixture api = new GatewayFixture(Map.of("MEMORY_EMBEDDINGS", "off"));
  private static String owner;
  private static String agent;
  private static long invoiceSeq;
  private static long deploySeq;
  private static long answerSeq;

  @BeforeAll
  static void setUp() {
    owner = api.bootstrap();
    agent = api.createAgent(owner, "archivist");
    invoiceSeq = message("The invoice INV-20931 from Acme Corp is overdue; remind finance.");
    deploySeq = message("Deploy the staging cluster on Friday after the freeze lifts.");
    message("Lunch order: two falafel wraps, no onions.");
    answerSeq =
        ((AppendResult.Appended)
                api.store
                    .events()
                    .append(
                        UUID.fromString(agent),
                        NewEvent.assistantMessage(
                            "I reminded finance about the overdue Acme invoice."))
                    .await())
            .seq();
  }

  @AfterAll
  static void close() {
    api.close();
  }

  private static long message(String text) {
    var r =
        api.call(
            "POST",
            "/api/agents/" + agent + "/messages",
            owner,
            new JsonObject().put("content", text).encode());
    assertThat(r.status()).as(r.text()).isEqualTo(202);
    return r.json().getLong("seq");
  }

  private static GatewayFixture.Response search(String agentId, String token, String query) {
    return api.call("GET", "/api/agents/" + agentId + "/memory/search?" + query, token, null);
  }

  private static String q(String text) {
    return "q=" + URLEncoder.encode(text, StandardCharsets.UTF_8);
  }

  private static List<Long> seqs(GatewayFixture.Response r) {
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    List<Long> out = new ArrayList<>();
    r.json().getJsonArray("hits").forEach(h -> out.add(((JsonObject) h).getLong("seq")));
    return out;
  }

  @Test
  void findsAnAppendedMessageByItsWordsWithItsSeqTypeTimeAndSnippet() {
    var r = search(agent, owner, q("overdue invoice") + "&mode=text");
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    JsonObject body = r.json();
    assertThat(body.getString("query")).isEqualTo("overdue invoice");
    assertThat(body.getString("mode")).isEqualTo("text");
    assertThat(body.getBoolean("semantic")).isFalse();
    JsonArray hits = body.getJsonArray("hits");
    assertThat(seqs(r)).containsExactlyInAnyOrder(invoiceSeq, answerSeq);
    JsonObject invoice =
        hits.stream()
            .map(JsonObject.class::cast)
            .filter(h -> h.getLong("seq") == invoiceSeq)
            .findFirst()
            .orElseThrow();
    assertThat(invoice.getString("event_type")).isEqualTo("message_received");
    assertThat(invoice.getString("snippet")).contains("INV-20931").contains("overdue");
    assertThat(Instant.parse(invoice.getString("created_at")))
        .isBefore(Instant.now().plusSeconds(5));
    assertThat(invoice.getDouble("score")).isPositive();
    // Best first.
    double previous = Double.MAX_VALUE;
    for (Object h : hits) {
      double score = ((JsonObject) h).getDouble("score");
      assertThat(score).isLessThanOrEqualTo(previous);
      previous = score;
    }
  }

  @Test
  void findsAnIdentifierByTrigramSimilarity() {
    assertThat(seqs(search(agent, owner, q("INV-20931") + "&mode=text"))).contains(invoiceSeq);
  }

  @Test
  void typesSinceAndLimitNarrowTheHits() {
    assertThat(seqs(search(agent, owner, q("invoice") + "&mode=text&types=assistant_message")))
        .containsExactly(answerSeq);
    assertThat(
            seqs(
                search(
                    agent,
                    owner,
                    q("invoice") + "&mode=text&types=message_received,assistant_message")))
        .containsExactlyInAnyOrder(invoiceSeq, answerSeq);
    assertThat(seqs(search(agent, owner, q("invoice") + "&mode=text&limit=1"))).hasSize(1);
    String future = Instant.now().plusSeconds(3600).toString();
    assertThat(seqs(search(agent, owner, q("invoice") + "&mode=text&since=" + future))).isEmpty();
    String past = Instant.now().minusSeconds(3600).toString();
    assertThat(seqs(search(agent, owner, q("staging cluster") + "&mode=text&since=" + past)))
        .containsExactly(deploySeq);
  }

  @Test
  void withEmbeddingsOffHybridSaysItIsDegradedAndRanksByText() {
    var r = search(agent, owner, q("staging cluster"));
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    assertThat(r.json().getString("mode")).isEqualTo("hybrid");
    assertThat(r.json().getBoolean("semantic")).isFalse();
    assertThat(r.json().getString("degraded")).isNotBlank();
    assertThat(seqs(r)).containsExactly(deploySeq);
  }

  @Test
  void aViewersApiTokenMaySearch() {
    var t =
        api.call(
            "POST",
            "/api/tokens",
            owner,
            new JsonObject().put("name", "reader").put("role", "viewer").encode());
    assertThat(t.status()).as(t.text()).isEqualTo(201);
    assertThat(seqs(search(agent, t.json().getString("token"), q("falafel") + "&mode=text")))
        .hasSize(1);
  }

  @Test
  void anotherWorkspacesAgentAndAnUnknownAgentAre404() {
    assertThat(search(UUID.randomUUID().toString(), owner, q("invoice")).status()).isEqualTo(404);
    // The same owner's second session, moved to a workspace of their own.
    String session =
        api.call("POST", "/api/login", GatewayFixture.BOOTSTRAP_TOKEN, null)
            .json()
            .getString("session_token");
    var ws = api.call("POST", "/api/workspaces", session, "{\"name\":\"elsewhere\"}");
    assertThat(ws.status()).as(ws.text()).isEqualTo(201);
    var moved =
        api.call(
            "POST",
            "/api/session/workspace",
            session,
            new JsonObject().put("workspace_id", ws.json().getString("id")).encode());
    assertThat(moved.status()).as(moved.text()).isEqualTo(200);
    var r = search(agent, session, q("invoice") + "&mode=text");
    assertThat(r.status()).as(r.text()).isEqualTo(404);
    assertThat(r.errorCode()).isEqualTo("not_found");
  }

  @ParameterizedTest(name = "?{0}")
  @ValueSource(
      strings = {
        "",
        "q=",
        "q=%20%20",
        "q=x&mode=fuzzy",
        "q=x&since=yesterday",
        "q=x&since=2026-01-31",
        "q=x&types=wake_start",
        "q=x&types=message_received,,assistant_message",
        "q=x&limit=0",
        "q=x&limit=51",
        "q=x&limit=ten",
        "q=nul%00byte"
      })
  void badParametersAre400InvalidRequest(String query) {
    var r = search(agent, owner, query);
    assertThat(r.status()).as(r.text()).isEqualTo(400);
    assertThat(r.errorCode()).isEqualTo("invalid_request");
  }

  @Test
  void anAdminRebuildsAnAgentsIndexFromItsLogAndItIsSearchableAgain() throws Exception {
    String rebuilt = api.createAgent(owner, "rebuilt");
    long seq =
        api.call(
                "POST",
                "/api/agents/" + rebuilt + "/messages",
                owner,
                new JsonObject().put("content", "The greenhouse vents open at 28 degrees").encode())
            .json()
            .getLong("seq");
    // The index lost the agent's entries (a restore of events alone, say).
    try (var c = org.openpincery.testkit.TestPostgres.connect(api.url);
        var st = c.createStatement()) {
      st.execute("DELETE FROM memory_entries WHERE agent_id = '" + rebuilt + "'");
    }
    assertThat(seqs(search(rebuilt, owner, q("greenhouse") + "&mode=text"))).isEmpty();

    var r = api.call("POST", "/api/agents/" + rebuilt + "/memory/rebuild", owner, null);
    assertThat(r.status()).as(r.text()).isEqualTo(200);
    assertThat(r.json().getLong("entries")).isEqualTo(1);
    assertThat(seqs(search(rebuilt, owner, q("greenhouse") + "&mode=text"))).containsExactly(seq);
    assertThat(
            api.call("POST", "/api/agents/" + UUID.randomUUID() + "/memory/rebuild", owner, null)
                .status())
        .isEqualTo(404);
  }

  @Test
  void aDeletedAgentsMemoryStaysSearchable() {
    String gone = api.createAgent(owner, "retired");
    var sent =
        api.call(
            "POST",
            "/api/agents/" + gone + "/messages",
            owner,
            new JsonObject().put("content", "Archive the quarterly ledger").encode());
    assertThat(sent.status()).as(sent.text()).isEqualTo(202);
    assertThat(api.call("DELETE", "/api/agents/" + gone, owner, null).status()).isEqualTo(204);
    assertThat(seqs(search(gone, owner, q("ledger") + "&mode=text")))
        .containsExactly(sent.json().getLong("seq"));
  }

  @Test
  void aSinceFarInThePastOrFutureIsAnswered() {
    assertThat(seqs(search(agent, owner, q("staging") + "&mode=text&since=-5000-01-01T00:00:00Z")))
        .containsExactly(deploySeq);
    assertThat(
            seqs(search(agent, owner, q("staging") + "&mode=text&since=%2B100000-01-01T00:00:00Z")))
        .isEmpty();
  }

  @Test
  void aQueryOver500CharactersIs400AndOneOf500IsAnswered() {
    var over = search(agent, owner, "q=" + "a".repeat(501));
    assertThat(over.status()).as(over.text()).isEqualTo(400);
    assertThat(over.errorCode()).isEqualTo("invalid_request");
    assertThat(search(agent, owner, "q=" + "a".repeat(500) + "&mode=text").status()).isEqualTo(200);
  }
}
