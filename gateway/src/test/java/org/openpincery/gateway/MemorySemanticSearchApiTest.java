package org.openpincery.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openpincery.memory.MiniLmEmbedder;

/**
 * {@code GET /api/agents/:id/memory/search} with embeddings on (the default): once the entries are
 * embedded (as the memory indexer does, here with the same local model), a question that shares no
 * word with the event finds it by meaning, alone and fused with the text ranking. The gateway loads
 * its query model on the first search that needs it, so the first answers may still say they are
 * degraded; the test waits until they are not.
 */
class MemorySemanticSearchApiTest {

  private static final GatewayFixture api = new GatewayFixture();
  private static String owner;
  private static String agent;
  private static long invoiceSeq;
  private static long lunchSeq;

  @BeforeAll
  static void setUp() {
    owner = api.bootstrap();
    agent = api.createAgent(owner, "archivist");
    invoiceSeq = message("The invoice INV-20931 from Acme Corp is overdue; remind finance.");
    message("Deploy the staging cluster on Friday after the freeze lifts.");
    lunchSeq = message("Lunch order: two falafel wraps, no onions.");
    MiniLmEmbedder model = MiniLmEmbedder.load();
    int embedded =
        api.store
            .memory()
            .embedPending(
                100,
                model.model(),
                bodies -> api.vertx.executeBlocking(() -> model.embedAll(bodies)))
            .await();
    assertThat(embedded).isEqualTo(3);
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

  /** The answer once the query's embedding took part (the model loads on first use). */
  private static JsonObject searchWithEmbeddings(String question, String mode) {
    String path =
        "/api/agents/"
            + agent
            + "/memory/search?q="
            + URLEncoder.encode(question, StandardCharsets.UTF_8)
            + "&mode="
            + mode;
    JsonObject[] answer = new JsonObject[1];
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(250))
        .until(
            () -> {
              var r = api.call("GET", path, owner, null);
              assertThat(r.status()).as(r.text()).isEqualTo(200);
              answer[0] = r.json();
              return answer[0].getBoolean("semantic");
            });
    return answer[0];
  }

  private static List<Long> seqs(JsonObject answer) {
    List<Long> out = new ArrayList<>();
    answer.getJsonArray("hits").forEach(h -> out.add(((JsonObject) h).getLong("seq")));
    return out;
  }

  @Test
  void aQuestionWithNoWordInCommonFindsTheEventByMeaning() {
    JsonObject answer = searchWithEmbeddings("which bill has not been paid yet", "semantic");
    assertThat(answer.getString("mode")).isEqualTo("semantic");
    assertThat(answer.getValue("degraded")).isNull();
    assertThat(seqs(answer)).first().isEqualTo(invoiceSeq);
    // By words alone, the same question finds nothing.
    var text =
        api.call(
            "GET",
            "/api/agents/"
                + agent
                + "/memory/search?mode=text&q="
                + URLEncoder.encode("which bill has not been paid yet", StandardCharsets.UTF_8),
            owner,
            null);
    assertThat(text.json().getJsonArray("hits")).isEmpty();
  }

  @Test
  void hybridFusesTheMeaningRankingWithTheTextRanking() {
    JsonObject answer = searchWithEmbeddings("what food did we order", "hybrid");
    assertThat(answer.getString("mode")).isEqualTo("hybrid");
    assertThat(answer.getValue("degraded")).isNull();
    assertThat(seqs(answer)).first().isEqualTo(lunchSeq);
  }
}
