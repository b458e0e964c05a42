package org.openpincery.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.openpincery.store.StoreFixture.await;

import io.vertx.core.Future;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.openpincery.model.EventType;
import org.openpincery.model.NewEvent;

/**
 * The memory index (V21): filled by the append itself, searched by words, identifiers and vectors,
 * embedded through a SKIP LOCKED queue, rebuilt from seq 1, confined by row-level security. Vectors
 * here are written by hand (unit vectors along axes), so the store is tested without the model;
 * {@code MemorySearchTest} runs the real one.
 */
class MemoryIndexTest {

  private static final StoreFixture db = new StoreFixture(8);

  @AfterAll
  static void close() {
    db.close();
  }

  private static long append(UUID agent, NewEvent event) {
    return ((AppendResult.Appended) await(db.store.events().append(agent, event))).seq();
  }

  private static MemoryQuery query(String text) {
    return new MemoryQuery(text, null, Set.of(), 10);
  }

  private static List<Long> seqs(List<MemoryHit> hits) {
    return hits.stream().map(MemoryHit::seq).toList();
  }

  @Test
  void everyKindOfRememberedEventIsIndexedByItsAppendAndNothingElse() throws Exception {
    UUID agent = db.newAgent("kinds");
    append(agent, NewEvent.messageReceived("user", "please look at the flaky billing export"));
    append(agent, NewEvent.of(EventType.WEBHOOK_RECEIVED, "webhook", "{\"action\":\"opened\"}"));
    append(agent, NewEvent.assistantMessage("I will check the export"));
    append(
        agent,
        new NewEvent(
            EventType.TOOL_RESULT, "runtime", null, "shell", null, "exit 0: 42 rows", null, null));
    append(agent, NewEvent.of(EventType.MEMORY_REMEMBERED, "agent", "the export runs at 02:00"));
    append(agent, NewEvent.of(EventType.WAKE_START, "runtime", "woken by message"));
    append(agent, NewEvent.of(EventType.TOOL_CALL, "agent", null));
    append(agent, NewEvent.messageReceived("user", "   "));

    assertThat(
            db.count(
                "SELECT count(*) FROM memory_entries WHERE agent_id = '"
                    + agent
                    + "' AND event_type IN ('message_received', 'webhook_received',"
                    + " 'assistant_message', 'tool_result', 'memory_remembered')"))
        .isEqualTo(5);
    assertThat(db.count("SELECT count(*) FROM memory_entries WHERE agent_id = '" + agent + "'"))
        .as("lifecycle events, calls without text and blank messages are not indexed")
        .isEqualTo(5);
    List<MemoryHit> hits = await(db.store.memory().searchText(agent, query("rows")));
    assertThat(hits).singleElement().satisfies(h -> assertThat(h.snippet()).contains("42 rows"));
    assertThat(hits.get(0).eventType()).isEqualTo("tool_result");
    assertThat(hits.get(0).snippet()).startsWith("shell: ");
  }

  @Test
  void theIndexedTypesInJavaAreExactlyThoseTheTriggerIndexes() throws Exception {
    for (EventType type : EventType.values()) {
      long indexed =
          db.count(
              "SELECT count(*) WHERE pincery_memory_text('"
                  + type.wire()
                  + "', 'some text', 'tool', 'output') IS NOT NULL");
      assertThat(indexed == 1)
          .as(type.wire())
          .isEqualTo(MemoryQuery.INDEXED_TYPES.contains(type.wire()));
    }
    String triggerWhen =
        String.valueOf(
            db.count(
                "SELECT count(*) FROM pg_trigger t WHERE t.tgname = 'events_memory_index'"
                    + " AND pg_get_triggerdef(t.oid) LIKE ALL (ARRAY["
                    + String.join(
                        ", ",
                        MemoryQuery.INDEXED_TYPES.stream().map(w -> "'%''" + w + "''%'").toList())
                    + "])"));
    assertThat(triggerWhen).as("the trigger's WHEN names every indexed type").isEqualTo("1");
  }

  @Test
  void wordsAreFoundByTheirStemsAndIdentifiersByTrigramsBestFirst() {
    UUID agent = db.newAgent("words");
    long deploy =
        append(agent, NewEvent.messageReceived("user", "We deployed the payments service"));
    long invoice =
        append(
            agent, NewEvent.messageReceived("user", "Invoice INV-2024-0042 is overdue by 3 days"));
    long other = append(agent, NewEvent.messageReceived("user", "Lunch is at noon on Friday"));

    List<MemoryHit> deployed =
        await(db.store.memory().searchText(agent, query("deploying payments")));
    assertThat(seqs(deployed)).containsExactly(deploy);
    assertThat(deployed.get(0).snippet())
        .as("a short text is its own snippet, whole")
        .isEqualTo("We deployed the payments service");
    long longOne =
        append(
            agent,
            NewEvent.messageReceived(
                "user",
                "filler words ".repeat(60) + "the quokka escaped " + "more filler ".repeat(60)));
    List<MemoryHit> fragment = await(db.store.memory().searchText(agent, query("quokka")));
    assertThat(seqs(fragment)).containsExactly(longOne);
    assertThat(fragment.get(0).snippet()).contains("quokka escaped").hasSizeLessThanOrEqualTo(300);
    assertThat(seqs(await(db.store.memory().searchText(agent, query("INV-2024-0042")))))
        .containsExactly(invoice);
    assertThat(seqs(await(db.store.memory().searchText(agent, query("INV-2024-004")))))
        .as("a partial identifier is found by trigram similarity")
        .containsExactly(invoice);
    assertThat(seqs(await(db.store.memory().searchText(agent, query("lunch -friday"))))).isEmpty();
    assertThat(seqs(await(db.store.memory().searchText(agent, query("\"noon on friday\"")))))
        .containsExactly(other);
    assertThat(await(db.store.memory().searchText(agent, query("kubernetes")))).isEmpty();
  }

  @Test
  void sinceTypesAndLimitNarrowTheSearchAndOtherAgentsAreNeverSearched() {
    UUID agent = db.newAgent("filters");
    UUID neighbour = db.newAgent("neighbour");
    append(neighbour, NewEvent.messageReceived("user", "the release train leaves on Monday"));
    long first = append(agent, NewEvent.messageReceived("user", "release notes draft one"));
    Instant between =
        ((AppendResult.Appended)
                await(
                    db.store
                        .events()
                        .append(agent, NewEvent.of(EventType.WAKE_START, "runtime", null))))
            .createdAt()
            .toInstant();
    long reply = append(agent, NewEvent.assistantMessage("release notes draft two"));
    long third = append(agent, NewEvent.messageReceived("user", "release notes draft three"));

    assertThat(seqs(await(db.store.memory().searchText(agent, query("release")))))
        .containsExactlyInAnyOrder(first, reply, third);
    assertThat(
            seqs(
                await(
                    db.store
                        .memory()
                        .searchText(
                            agent,
                            new MemoryQuery("release", null, Set.of("assistant_message"), 10)))))
        .containsExactly(reply);
    assertThat(
            seqs(
                await(
                    db.store
                        .memory()
                        .searchText(
                            agent,
                            new MemoryQuery("release", between.plusNanos(1000), Set.of(), 10)))))
        .containsExactlyInAnyOrder(reply, third);
    assertThat(
            await(
                db.store.memory().searchText(agent, new MemoryQuery("release", null, Set.of(), 2))))
        .hasSize(2);
  }

  @Test
  void queriesOutsideTheLimitsAreRefusedBeforeAnyStatement() {
    assertThatThrownBy(() -> new MemoryQuery(" ", null, Set.of(), 5))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new MemoryQuery("x".repeat(501), null, Set.of(), 5))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new MemoryQuery("x", null, Set.of(), 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new MemoryQuery("x", null, Set.of(), 51))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theIndexerEmbedsTheQueueAndSemanticSearchRanksByCosine() throws Exception {
    UUID agent = db.newAgent("vectors");
    long north = append(agent, NewEvent.messageReceived("user", "north"));
    long east = append(agent, NewEvent.messageReceived("user", "east"));
    long northEast = append(agent, NewEvent.messageReceived("user", "north east"));

    // Drains every agent's queue (other tests' entries included), with hand-made vectors.
    while (await(db.store.memory().embedPending(50, "axes", texts -> vectors(texts))) > 0) {}
    assertThat(db.count("SELECT count(*) FROM memory_entries WHERE embedded_at IS NULL")).isZero();
    MemoryIndexStats stats = await(db.store.memory().stats());
    assertThat(stats.unembedded()).isZero();
    assertThat(stats.lagSeconds()).isZero();
    assertThat(stats.entries()).isGreaterThanOrEqualTo(3);
    assertThat(stats.bytes()).isPositive();

    List<MemoryHit> hits =
        await(db.store.memory().searchSemantic(agent, axis(0), "axes", query("up north")));
    assertThat(seqs(hits)).containsExactly(north, northEast, east);
    assertThat(hits.get(0).score()).isEqualTo(1.0, org.assertj.core.api.Assertions.within(1e-6));
    assertThat(await(db.store.memory().searchSemantic(agent, axis(0), "another", query("x"))))
        .as("vectors of another model are not compared")
        .isEmpty();
  }

  @Test
  void semanticRankingIsExactCosineOnWhicheverPathTheServerOffers() throws Exception {
    boolean serverHasPgvector =
        db.count("SELECT count(*) FROM pg_available_extensions WHERE name = 'vector'") > 0;
    assertThat(await(db.store.memory().pgvector()).isPresent())
        .as("V21 uses pgvector exactly when the server has it")
        .isEqualTo(serverHasPgvector);

    UUID agent = db.newAgent("dims-384");
    java.util.Random random = new java.util.Random(42);
    java.util.Map<String, float[]> byText = new java.util.HashMap<>();
    java.util.Map<Long, float[]> bySeq = new java.util.HashMap<>();
    for (int i = 0; i < 40; i++) {
      String text = "vector entry " + i;
      float[] v = unit(random, 384);
      byText.put(text, v);
      bySeq.put(append(agent, NewEvent.messageReceived("user", text)), v);
    }
    while (await(
            db.store
                .memory()
                .embedPending(
                    64,
                    "random-384",
                    texts ->
                        Future.succeededFuture(
                            texts.stream()
                                .map(t -> byText.getOrDefault(t, unit(random, 384)))
                                .toList())))
        > 0) {}
    float[] query = unit(random, 384);
    List<Long> expected =
        bySeq.entrySet().stream()
            .sorted(
                java.util.Comparator.comparingDouble(
                        (java.util.Map.Entry<Long, float[]> e) -> dot(e.getValue(), query))
                    .reversed())
            .limit(10)
            .map(java.util.Map.Entry::getKey)
            .toList();
    List<MemoryHit> hits =
        await(db.store.memory().searchSemantic(agent, query, "random-384", query("x")));
    assertThat(seqs(hits)).containsExactlyElementsOf(expected);
    assertThat(hits.get(0).score())
        .isCloseTo(
            dot(bySeq.get(expected.get(0)), query), org.assertj.core.api.Assertions.within(1e-4));
  }

  private static float[] unit(java.util.Random random, int dims) {
    float[] v = new float[dims];
    double norm = 0;
    for (int i = 0; i < dims; i++) {
      v[i] = (float) random.nextGaussian();
      norm += v[i] * v[i];
    }
    for (int i = 0; i < dims; i++) {
      v[i] /= (float) Math.sqrt(norm);
    }
    return v;
  }

  private static double dot(float[] a, float[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += (double) a[i] * b[i];
    }
    return s;
  }

  @Test
  void aFailedEmbeddingLeavesItsEntriesQueued() throws Exception {
    UUID agent = db.newAgent("failing");
    append(agent, NewEvent.messageReceived("user", "keep me queued"));
    Future<Integer> failed =
        db.store
            .memory()
            .embedPending(500, "axes", texts -> Future.failedFuture("the model is down"));
    assertThatThrownBy(() -> await(failed)).hasMessageContaining("the model is down");
    assertThat(
            db.count(
                "SELECT count(*) FROM memory_entries WHERE embedded_at IS NULL AND agent_id = '"
                    + agent
                    + "'"))
        .isEqualTo(1);
    assertThat(await(db.store.memory().stats()).unembedded()).isPositive();
  }

  @RepeatedTest(3)
  void concurrentIndexersNeverEmbedOneEntryTwice() throws Exception {
    UUID agent = db.newAgent("shared-queue-" + UUID.randomUUID());
    for (int i = 0; i < 60; i++) {
      append(agent, NewEvent.messageReceived("user", "entry " + i));
    }
    List<String> seen = Collections.synchronizedList(new ArrayList<>());
    AtomicInteger total = new AtomicInteger();
    List<Thread> indexers = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      indexers.add(
          Thread.ofVirtual()
              .start(
                  () -> {
                    int n;
                    do {
                      n =
                          await(
                              db.store
                                  .memory()
                                  .embedPending(
                                      7,
                                      "axes",
                                      texts -> {
                                        seen.addAll(texts);
                                        return vectors(texts);
                                      }));
                      total.addAndGet(n);
                    } while (n > 0);
                  }));
    }
    for (Thread t : indexers) {
      t.join();
    }
    assertThat(db.count("SELECT count(*) FROM memory_entries WHERE embedded_at IS NULL")).isZero();
    assertThat(seen).doesNotHaveDuplicates();
    assertThat(seen).contains("entry 0", "entry 59");
    assertThat(total.get()).isEqualTo(seen.size());
  }

  @Test
  void theIndexIsRebuiltFromSeqOneAndEmbeddedAgain() throws Exception {
    UUID agent = db.newAgent("rebuild");
    for (int i = 0; i < 5; i++) {
      append(agent, NewEvent.messageReceived("user", "fact number " + i));
    }
    while (await(db.store.memory().embedPending(50, "axes", texts -> vectors(texts))) > 0) {}
    db.execute("DELETE FROM memory_entries WHERE agent_id = '" + agent + "' AND seq > 2");

    assertThat(await(db.store.memory().rebuild(agent))).isEqualTo(5);
    assertThat(db.count("SELECT count(*) FROM memory_entries WHERE agent_id = '" + agent + "'"))
        .isEqualTo(5);
    assertThat(
            db.count(
                "SELECT count(*) FROM memory_entries WHERE embedded_at IS NULL AND agent_id = '"
                    + agent
                    + "'"))
        .as("rebuilt entries are embedded again")
        .isEqualTo(5);
    assertThat(seqs(await(db.store.memory().searchText(agent, query("fact number"))))).hasSize(5);
  }

  @Test
  void anotherWorkspaceSeesNoneOfAnAgentsMemory() {
    UUID workspace = await(db.store.agents().createWorkspace("mem-a"));
    UUID other = await(db.store.agents().createWorkspace("mem-b"));
    UUID agent = await(db.store.agents().createAgent(workspace, "private", "s", BigDecimal.TEN));
    append(agent, NewEvent.messageReceived("user", "the vault combination is in the safe"));

    assertThat(await(db.store.inWorkspace(workspace).memory().searchText(agent, query("vault"))))
        .hasSize(1);
    assertThat(await(db.store.inWorkspace(other).memory().searchText(agent, query("vault"))))
        .isEmpty();
  }

  @Test
  void aMessageAppendedThroughTheScopedApiRoleIsIndexedToo() {
    UUID workspace = await(db.store.agents().createWorkspace("mem-api"));
    UUID agent = await(db.store.agents().createAgent(workspace, "api", "s", BigDecimal.TEN));
    await(
        db.store
            .inWorkspace(workspace)
            .events()
            .appendInWorkspace(
                workspace, agent, NewEvent.messageReceived("user", "zebra crossings")));
    assertThat(await(db.store.memory().searchText(agent, query("zebra")))).hasSize(1);
  }

  @Test
  void theTextSearchLanguageIsSetAndAnUnknownOneRefused() throws Exception {
    assertThatThrownBy(() -> await(db.store.memory().useTextSearchConfig("klingon")))
        .hasMessageContaining("no text search configuration 'klingon'");
    UUID agent = db.newAgent("language");
    append(agent, NewEvent.messageReceived("user", "Die Katzen schlafen im Garten"));
    assertThat(await(db.store.memory().useTextSearchConfig("german"))).isTrue();
    try {
      assertThat(await(db.store.memory().useTextSearchConfig("german"))).isFalse();
      assertThat(seqs(await(db.store.memory().searchText(agent, query("Katze"))))).hasSize(1);
      assertThat(db.count("SELECT count(*) FROM memory_entries WHERE ts_config::text <> 'german'"))
          .as("every entry is re-derived in the new language")
          .isZero();
    } finally {
      await(db.store.memory().useTextSearchConfig("english"));
    }
  }

  private static Future<List<float[]>> vectors(List<String> texts) {
    List<float[]> out = new ArrayList<>();
    for (String text : texts) {
      boolean north = text.contains("north");
      boolean east = text.contains("east");
      if (north && east) {
        float c = (float) Math.sqrt(0.5);
        out.add(new float[] {c, c, 0});
      } else if (east) {
        out.add(axis(1));
      } else if (north) {
        out.add(axis(0));
      } else {
        out.add(axis(2));
      }
    }
    return Future.succeededFuture(out);
  }

  private static float[] axis(int i) {
    float[] v = new float[3];
    v[i] = 1;
    return v;
  }
}
