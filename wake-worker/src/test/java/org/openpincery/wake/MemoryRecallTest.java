package org.openpincery.wake;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.openpincery.config.DatabaseConfig;
import org.openpincery.memory.MiniLmEmbedder;
import org.openpincery.reasoner.prompt.PromptBuilder;
import org.openpincery.store.MemoryHit;
import org.openpincery.store.Store;
import org.openpincery.testkit.ScriptedModelServer.Text;
import org.openpincery.testkit.ScriptedModelServer.ToolCalls;
import org.openpincery.testkit.TestPostgres;
import org.openpincery.wake.tools.StandardTools;

/**
 * Automatic recall through the real wake loop (docs/memory.md): at wake start the agent's memory is
 * searched with the text of what woke it, and the best hits the prompt does not already hold go
 * into the system message as untrusted text within {@code MEMORY_RECALL_CHARS}.
 */
class MemoryRecallTest {

  private static final Pattern NONCE = Pattern.compile("<<untrusted:([0-9a-f]+)>>");

  private static Text stop(String text) {
    return new Text(text, "stop", 100, 20);
  }

  private static ToolCalls remembering(String... facts) {
    List<String[]> calls =
        java.util.Arrays.stream(facts)
            .map(t -> new String[] {"remember", new JsonObject().put("text", t).encode()})
            .toList();
    return new ToolCalls(calls, 100, 20);
  }

  private static String system(JsonObject request) {
    return request.getJsonArray("messages").getJsonObject(0).getString("content");
  }

  /** The text of the recalled-memories block of a system message, or null when it has none. */
  private static String recalled(String system) {
    Matcher m = NONCE.matcher(system);
    assertThat(m.find()).isTrue();
    String nonce = m.group(1);
    String open = "<<untrusted:" + nonce + ">>\n" + PromptBuilder.MEMORIES_LABEL + "\n";
    int start = system.indexOf(open);
    if (start < 0) {
      return null;
    }
    int end = system.indexOf("\n<<end:" + nonce + ">>", start);
    return system.substring(start + open.length(), end);
  }

  /** The system message with every untrusted block taken out. */
  private static String outsideDelimiters(String system) {
    return system.replaceAll("(?s)<<untrusted:([0-9a-f]+)>>.*?<<end:\\1>>", "");
  }

  @Test
  void aRelevantOldMessageIsRecalledIntoALaterWakesPromptAsUntrustedText() {
    try (EngineFixture f = new EngineFixture(Map.of("MEMORY_EMBEDDINGS", "off"))) {
      UUID agent = f.agent("recaller");
      f.model.then(stop("noted"));
      f.message(agent, "The quarterly report is due to Ana on the 14th.");
      assertThat(f.awaitWakeEnd(agent, 1)).isEqualTo("completed");
      // Nothing older to recall, and the input itself is already in the prompt.
      assertThat(recalled(system(f.model.requests().getFirst()))).isNull();
      f.finishMaintenance(agent);

      f.model.then(stop("on the 14th"));
      f.message(agent, "When is the quarterly report due?");
      assertThat(f.awaitWakeEnd(agent, 2)).isEqualTo("completed");

      String system = system(f.model.requests().getLast());
      String memories = recalled(system);
      assertThat(memories)
          .isNotNull()
          .contains("message_received", "due to Ana on the 14th")
          .doesNotContain("When is the quarterly report due");
      assertThat(memories.lines()).allMatch(l -> l.matches("#\\d+ [a-z_]+ at \\S+Z: .+"));
      assertThat(outsideDelimiters(system))
          .contains(PromptBuilder.MEMORIES_LABEL + ": search results")
          .doesNotContain("Ana");
      assertThat(recalls(f, "recalled", "text")).isEqualTo(1);
      assertThat(recalls(f, "nothing", "text")).isEqualTo(1); // the first wake
    }
  }

  @Test
  void withEmbeddingsRecallFindsAMemoryThatSharesNoWordWithTheInput() {
    // The model loads on the first query: give it time, this test is about ranking.
    try (EngineFixture f =
        new EngineFixture(Map.of("MEMORY_EMBEDDINGS", "on", "MEMORY_RECALL_TIMEOUT_MS", "30000"))) {
      UUID agent = f.agent("semantic");
      f.model.then(stop("noted"));
      f.message(agent, "The production database went down at night and the site was unreachable");
      assertThat(f.awaitWakeEnd(agent, 1)).isEqualTo("completed");
      f.finishMaintenance(agent);
      // What the memory indexer tier does: embed the entries the index holds.
      MiniLmEmbedder model = MiniLmEmbedder.load();
      while (f.store
              .memory()
              .embedPending(
                  16, model.model(), texts -> Future.succeededFuture(model.embedAll(texts)))
              .await()
          > 0) {}

      f.model.then(stop("last night"));
      f.message(agent, "when was the server outage");
      assertThat(f.awaitWakeEnd(agent, 2)).isEqualTo("completed");

      String memories = recalled(system(f.model.requests().getLast()));
      assertThat(memories).isNotNull().contains("production database went down");
      assertThat(recalls(f, "recalled", "hybrid")).isEqualTo(1);
    }
  }

  @Test
  void nothingIsRecalledWhenNoMemoryIsNearTheInput() {
    try (EngineFixture f =
        new EngineFixture(Map.of("MEMORY_EMBEDDINGS", "on", "MEMORY_RECALL_TIMEOUT_MS", "30000"))) {
      UUID agent = f.agent("unrelated");
      f.model.then(stop("noted"));
      f.message(agent, "The boiler service is booked for Tuesday.");
      assertThat(f.awaitWakeEnd(agent, 1)).isEqualTo("completed");
      f.finishMaintenance(agent);
      MiniLmEmbedder model = MiniLmEmbedder.load();
      while (f.store
              .memory()
              .embedPending(
                  16, model.model(), texts -> Future.succeededFuture(model.embedAll(texts)))
              .await()
          > 0) {}

      f.model.then(stop("drafted"));
      f.message(agent, "Please draft the quarterly newsletter");
      assertThat(f.awaitWakeEnd(agent, 2)).isEqualTo("completed");

      assertThat(recalled(system(f.model.requests().getLast()))).isNull();
      // Both wakes searched by words and meaning and found nothing near enough.
      assertThat(recalls(f, "nothing", "hybrid")).isEqualTo(2);
      assertThat(recalls(f, "recalled", "hybrid")).isZero();
    }
  }

  @Test
  void aQueryEmbeddingThatIsNotReadyInTimeLeavesRecallToTheText() {
    // Embeddings on, but no time to embed the query: recall ranks by text and still recalls.
    Map<String, String> settings =
        Map.of("MEMORY_EMBEDDINGS", "on", "MEMORY_RECALL_TIMEOUT_MS", "0");
    try (EngineFixture f = new EngineFixture(settings)) {
      UUID agent = f.agent("hurried");
      f.model.then(stop("noted"));
      f.message(agent, "The boiler service is booked for Tuesday.");
      assertThat(f.awaitWakeEnd(agent, 1)).isEqualTo("completed");
      f.finishMaintenance(agent);
      f.model.then(stop("Tuesday"));
      f.message(agent, "When is the boiler service?");
      assertThat(f.awaitWakeEnd(agent, 2)).isEqualTo("completed");

      assertThat(recalled(system(f.model.requests().getLast())))
          .contains("boiler service is booked for Tuesday");
      assertThat(recalls(f, "recalled", "text")).isEqualTo(1);
      assertThat(recalls(f, "recalled", "hybrid")).isZero();
    }
  }

  @Test
  void recallStopsAtItsLimit() {
    Map<String, String> settings =
        Map.of(
            "MEMORY_EMBEDDINGS", "off", "MEMORY_RECALL_LIMIT", "2", "MEMORY_RECALL_CHARS", "5000");
    try (EngineFixture f = new EngineFixture(settings)) {
      UUID agent = f.agent("limited");
      f.model
          .then(
              remembering(
                  "the red kayak is stored in shed one",
                  "the blue kayak is stored in shed two",
                  "the green kayak is stored in shed three",
                  "the white kayak is stored in shed four"))
          .then(stop("noted"));
      f.message(agent, "please note where things are");
      assertThat(f.awaitWakeEnd(agent, 1)).isEqualTo("completed");
      assertThat(f.events(agent, "memory_remembered")).hasSize(4);
      f.finishMaintenance(agent);

      f.model.then(stop("shed two"));
      f.message(agent, "where is the kayak stored?");
      assertThat(f.awaitWakeEnd(agent, 2)).isEqualTo("completed");

      String memories = recalled(system(f.model.requests().getLast()));
      assertThat(memories).isNotNull();
      assertThat(memories.lines().toList())
          .hasSize(2)
          .allMatch(l -> l.contains("memory_remembered") && l.contains("kayak is stored"));
    }
  }

  @Test
  void recallStaysWithinItsCharacterBudget() {
    Map<String, String> settings =
        Map.of(
            "MEMORY_EMBEDDINGS", "off", "MEMORY_RECALL_LIMIT", "5", "MEMORY_RECALL_CHARS", "150");
    try (EngineFixture f = new EngineFixture(settings)) {
      UUID agent = f.agent("budgeted");
      String filler = " and it needs the long form".repeat(8);
      f.model
          .then(
              remembering(
                  "the visa renewal for Oslo" + filler,
                  "the visa renewal for Lima" + filler,
                  "the visa renewal for Pune" + filler))
          .then(stop("noted"));
      f.message(agent, "some travel paperwork to keep");
      assertThat(f.awaitWakeEnd(agent, 1)).isEqualTo("completed");
      f.finishMaintenance(agent);

      f.model.then(stop("ok"));
      f.message(agent, "what about the visa renewal?");
      assertThat(f.awaitWakeEnd(agent, 2)).isEqualTo("completed");

      String memories = recalled(system(f.model.requests().getLast()));
      assertThat(memories).isNotNull().contains("visa renewal");
      assertThat(memories.length()).isLessThanOrEqualTo(150);
      // One memory, cut to fit with a visible mark.
      assertThat(memories.lines().toList()).singleElement().asString().endsWith("…");
    }
  }

  @Test
  void recallIsOffWithALimitOfZero() {
    Map<String, String> settings = Map.of("MEMORY_EMBEDDINGS", "off", "MEMORY_RECALL_LIMIT", "0");
    try (EngineFixture f = new EngineFixture(settings)) {
      UUID agent = f.agent("forgetful");
      f.model.then(stop("noted"));
      f.message(agent, "The boiler service is booked for Tuesday.");
      assertThat(f.awaitWakeEnd(agent, 1)).isEqualTo("completed");
      f.finishMaintenance(agent);
      f.model.then(stop("?"));
      f.message(agent, "When is the boiler service booked?");
      assertThat(f.awaitWakeEnd(agent, 2)).isEqualTo("completed");

      assertThat(recalled(system(f.model.requests().getLast()))).isNull();
    }
  }

  @Test
  void aFailingMemorySearchNeitherFailsNorHoldsUpTheWake() {
    // A memory index in a store whose connections are closed: every search fails.
    try (EngineFixture f =
        new EngineFixture(
            Map.of("MEMORY_EMBEDDINGS", "off"),
            env -> StandardTools.all(),
            vertx -> {
              Store closed =
                  Store.open(vertx, new DatabaseConfig(TestPostgres.freshDatabase(), 1, "closed"));
              closed.closeAsync().await();
              return closed.memory();
            })) {
      UUID agent = f.agent("unlucky");
      f.model
          .then(
              new ToolCalls(
                  List.<String[]>of(new String[] {"search_memory", "{\"query\": \"anything\"}"}),
                  100,
                  20))
          .then(stop("answered anyway"));
      f.message(agent, "The boiler service is booked for Tuesday.");

      assertThat(f.awaitWakeEnd(agent, 1)).isEqualTo("completed");
      assertThat(recalled(system(f.model.requests().getFirst()))).isNull();
      // The tool answers the failure to the model; the wake goes on.
      var result = f.events(agent, "tool_result").getFirst();
      assertThat(result.payload().getBoolean("ok")).isFalse();
      assertThat(result.toolOutput()).startsWith("error: search_memory failed");
      assertThat(f.model.requests()).hasSize(2);
      assertThat(recalls(f, "failed", "none")).isEqualTo(1);
    }
  }

  /** Recalls counted with this outcome and ranking. */
  private static long recalls(EngineFixture f, String outcome, String ranking) {
    var timer =
        f.registry
            .find("pincery_memory_recall")
            .tags("outcome", outcome, "ranking", ranking)
            .timer();
    return timer == null ? 0 : timer.count();
  }

  @Test
  void theQueryIsTheWakesInputTextNewestKeptWhenLong() {
    var old = event(1, "message_received", "alpha " + "x".repeat(600), null);
    var hook =
        event(
            2,
            "webhook_received",
            null,
            new JsonObject().put("body", new JsonObject().put("title", "beta release")));
    var decision = event(3, "approval_decided", "gamma note", new JsonObject());
    String query = MemoryRecall.query(List.of(old, hook, decision));
    assertThat(query.length()).isLessThanOrEqualTo(500);
    assertThat(query).contains("beta release").doesNotContain("gamma", "alpha");
    assertThat(MemoryRecall.query(List.of(decision))).isEmpty();
  }

  @Test
  void theTextQueryMatchesAnyOfTheInputsWordsNewestKept() {
    assertThat(MemoryRecall.anyOf("When is the \"quarterly\" report -due? Or is it not?"))
        .isEqualTo("When or is or the or quarterly or report or due or it or not");
    String many =
        java.util.stream.IntStream.range(0, 200)
            .mapToObj(i -> "w" + i)
            .collect(java.util.stream.Collectors.joining(" "));
    String query = MemoryRecall.anyOf(many);
    assertThat(query.length()).isLessThanOrEqualTo(500);
    assertThat(query).endsWith(" or w199");
    assertThat(query.split(" or ")[0]).isNotEqualTo("w0");
    assertThat(MemoryRecall.anyOf("?! -- \"\" or")).isEmpty();
  }

  @Test
  void whatThePromptHoldsIsNotRecalledAgain() {
    var input = List.of(event(40, "message_received", "the invoice?", null));
    List<String> summaries = List.of("Woke for Acme's invoice 4411; asked Birch for the receipt.");
    List<MemoryHit> hits =
        List.of(
            hit(40, "message_received", "the invoice?"),
            hit(31, "maintenance_completed", "…Acme's invoice 4411; asked Birch for…"),
            hit(12, "memory_remembered", "invoice 4411 was disputed"),
            hit(45, "tool_result", "shell: invoice.pdf"),
            hit(7, "maintenance_completed", "Woke for an older invoice"),
            hit(3, "message_received", "send the invoice to Acme"));

    assertThat(
            MemoryRecall.fresh(
                hits, new MemoryRecall.InPrompt(input, Long.MAX_VALUE, summaries), 3))
        .extracting(MemoryHit::seq)
        .containsExactly(12L, 45L, 7L);
    // After an interrupted wake, everything after consumed_seq may be shown again.
    assertThat(MemoryRecall.fresh(hits, new MemoryRecall.InPrompt(input, 30, summaries), 3))
        .extracting(MemoryHit::seq)
        .containsExactly(12L, 7L, 3L);
  }

  @Test
  void linesAreCutOnlyAtTheBudgetAndNeverSplitACharacter() {
    Instant at = Instant.parse("2026-11-30T09:12:03.456Z");
    List<MemoryHit> hits =
        List.of(
            new MemoryHit(5, "memory_remembered", at, "short fact", 1),
            new MemoryHit(9, "message_received", at, "😀".repeat(100), 0.5));
    String whole = MemoryRecall.render(hits, 10_000);
    assertThat(whole)
        .isEqualTo(
            "#5 memory_remembered at 2026-11-30T09:12:03Z: short fact\n#9 message_received at"
                + " 2026-11-30T09:12:03Z: "
                + "😀".repeat(100));
    for (int budget = 100; budget < whole.length(); budget++) {
      String cut = MemoryRecall.render(hits, budget);
      assertThat(cut.length()).isLessThanOrEqualTo(budget);
      assertThat(cut).startsWith("#5 memory_remembered at 2026-11-30T09:12:03Z: short fact");
      for (int i = 0; i < cut.length(); i++) {
        if (Character.isHighSurrogate(cut.charAt(i))) {
          assertThat(Character.isLowSurrogate(cut.charAt(i + 1))).isTrue();
        }
      }
      if (cut.contains("#9")) {
        assertThat(cut).endsWith("…");
      }
    }
    // A budget too small for the first hit's head and 40 characters recalls nothing.
    assertThat(MemoryRecall.render(List.of(hits.get(1)), 60)).isEmpty();
  }

  private static MemoryHit hit(long seq, String type, String snippet) {
    return new MemoryHit(seq, type, Instant.EPOCH, snippet, 1);
  }

  private static org.openpincery.model.StoredEvent event(
      long seq, String type, String content, JsonObject payload) {
    return new org.openpincery.model.StoredEvent(
        UUID.randomUUID(),
        seq,
        UUID.randomUUID(),
        type,
        "person",
        null,
        content,
        null,
        null,
        null,
        null,
        payload,
        java.time.OffsetDateTime.now());
  }
}
