package org.openpincery.wake;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.openpincery.model.PermissionMode;
import org.openpincery.model.StoredEvent;
import org.openpincery.store.AgentRepository.AgentPatch;
import org.openpincery.testkit.ScriptedModelServer.Text;
import org.openpincery.testkit.ScriptedModelServer.ToolCalls;

/**
 * The memory tools through the real wake loop (docs/memory.md): {@code remember} keeps a fact as a
 * {@code memory_remembered} event written with its step, and {@code search_memory} finds it in a
 * later wake, shown to the model as an untrusted tool result. Text ranking only (embeddings off),
 * and no automatic recall, so that only the tools put memories in front of the model.
 */
class MemoryToolsTest {

  private static final Map<String, String> TOOLS_ONLY =
      Map.of("MEMORY_EMBEDDINGS", "off", "MEMORY_RECALL_LIMIT", "0");

  private static final String FACT = "The staging database password rotates every Friday at noon";

  private static ToolCalls call(String name, String arguments) {
    return new ToolCalls(List.<String[]>of(new String[] {name, arguments}), 100, 20);
  }

  private static ToolCalls calls(String[]... calls) {
    return new ToolCalls(List.of(calls), 100, 20);
  }

  private static Text stop(String text) {
    return new Text(text, "stop", 100, 20);
  }

  private static String remember(String text, String... tags) {
    return new JsonObject()
        .put("text", text)
        .put("tags", new JsonArray(List.<Object>of((Object[]) tags)))
        .encode();
  }

  @Test
  void aFactRememberedInOneWakeIsFoundBySearchMemoryInALaterOne() {
    try (EngineFixture f = new EngineFixture(TOOLS_ONLY)) {
      UUID agent = f.agent("rememberer");
      f.model.then(call("remember", remember(FACT, "ops", "staging"))).then(stop("noted"));
      f.message(agent, "keep this in mind for later, please");
      assertThat(f.awaitWakeEnd(agent, 1)).isEqualTo("completed");

      StoredEvent remembered = f.events(agent, "memory_remembered").getFirst();
      assertThat(f.events(agent, "memory_remembered")).hasSize(1);
      assertThat(remembered.content()).isEqualTo(FACT);
      assertThat(remembered.source()).isEqualTo("agent");
      assertThat(remembered.payload().getJsonArray("tags")).containsExactly("ops", "staging");
      // Written with the step that records the call: after its tool_call, before its result.
      long callSeq = f.events(agent, "tool_call").getFirst().seq();
      long resultSeq = f.events(agent, "tool_result").getFirst().seq();
      assertThat(remembered.seq()).isGreaterThan(callSeq).isLessThan(resultSeq);
      assertThat(f.events(agent, "tool_result").getFirst().payload().getBoolean("ok")).isTrue();
      f.finishMaintenance(agent);

      f.model
          .then(call("search_memory", "{\"query\": \"staging database password\"}"))
          .then(stop("every Friday at noon"));
      f.message(agent, "when does that change?");
      assertThat(f.awaitWakeEnd(agent, 2)).isEqualTo("completed");

      StoredEvent result = f.events(agent, "tool_result").getLast();
      assertThat(result.toolName()).isEqualTo("search_memory");
      assertThat(result.payload().getBoolean("ok")).isTrue();
      JsonArray hits = new JsonArray(result.toolOutput());
      assertThat(hits).isNotEmpty();
      JsonObject hit =
          hits.stream()
              .map(JsonObject.class::cast)
              .filter(h -> h.getLong("seq") == remembered.seq())
              .findFirst()
              .orElseThrow();
      assertThat(hit.fieldNames())
          .containsExactlyInAnyOrder("seq", "event_type", "created_at", "snippet");
      assertThat(hit.getString("event_type")).isEqualTo("memory_remembered");
      assertThat(hit.getString("snippet")).contains("rotates every Friday");
      assertThat(Instant.parse(hit.getString("created_at")))
          .isEqualTo(remembered.createdAt().toInstant());
      // Embeddings are off: text ranking alone, and the result's detail says why.
      assertThat(result.payload().getBoolean("semantic")).isFalse();
      assertThat(result.payload().getString("degraded")).isNotBlank();

      // The model saw the hits as the tool's result, inside the untrusted delimiters.
      String shown = toolMessages(f.model.requests().getLast()).getLast();
      assertThat(shown)
          .startsWith("<<untrusted:")
          .contains("[result of tool search_memory]", "rotates every Friday")
          .endsWith(">>");
    }
  }

  @Test
  void aRememberedFactHoldingACredentialsValueIsKeptRedactedInTheLogAndTheIndex() throws Exception {
    try (EngineFixture f = new EngineFixture(TOOLS_ONLY)) {
      f.credential("deploy_token", "tok-9f8e7d6c5b4a");
      UUID agent = f.agent("leaky");
      f.model
          .then(call("remember", remember("the deploy token is tok-9f8e7d6c5b4a, keep it")))
          .then(stop("noted"));
      f.message(agent, "remember the deploy token");
      assertThat(f.awaitWakeEnd(agent, 1)).isEqualTo("completed");

      StoredEvent remembered = f.events(agent, "memory_remembered").getFirst();
      assertThat(remembered.content())
          .doesNotContain("tok-9f8e7d6c5b4a")
          .contains("the deploy token is");
      assertThat(f.events(agent, "tool_call").getFirst().toolInput().encode())
          .doesNotContain("tok-9f8e7d6c5b4a");
      assertThat(
              f.store
                  .memory()
                  .searchText(
                      agent,
                      new org.openpincery.store.MemoryQuery(
                          "deploy token", null, java.util.Set.of(), 10))
                  .toCompletionStage()
                  .toCompletableFuture()
                  .get())
          .isNotEmpty()
          .allSatisfy(h -> assertThat(h.snippet()).doesNotContain("tok-9f8e7d6c5b4a"));
    }
  }

  @Test
  void searchMemoryNarrowsByTypeTimeAndLimit() {
    try (EngineFixture f = new EngineFixture(TOOLS_ONLY)) {
      UUID agent = f.agent("narrower");
      f.model
          .then(
              calls(
                  new String[] {"remember", remember("invoice 4411 was disputed by Acme")},
                  new String[] {"remember", remember("invoice 4412 was paid by Acme")},
                  new String[] {"remember", remember("invoice 4413 was disputed by Birch")}))
          .then(stop("noted"));
      f.message(agent, "Acme says invoice 4411 is wrong");
      assertThat(f.awaitWakeEnd(agent, 1)).isEqualTo("completed");
      f.finishMaintenance(agent);

      String future = Instant.now().plusSeconds(3600).toString();
      f.model
          .then(
              calls(
                  new String[] {
                    "search_memory", "{\"query\": \"invoice\", \"types\": [\"memory_remembered\"]}"
                  },
                  new String[] {"search_memory", "{\"query\": \"invoice\", \"limit\": 1}"},
                  new String[] {
                    "search_memory", "{\"query\": \"invoice\", \"since\": \"" + future + "\"}"
                  },
                  new String[] {"search_memory", "{\"query\": \"x\", \"since\": \"yesterday\"}"}))
          .then(stop("done"));
      f.message(agent, "which invoices do we know about?");
      assertThat(f.awaitWakeEnd(agent, 2)).isEqualTo("completed");

      List<StoredEvent> results =
          f.events(agent, "tool_result").stream()
              .filter(e -> e.toolName().equals("search_memory"))
              .toList();
      assertThat(results).hasSize(4);
      JsonArray typed = new JsonArray(results.get(0).toolOutput());
      assertThat(typed).hasSize(3);
      typed.forEach(
          h -> assertThat(((JsonObject) h).getString("event_type")).isEqualTo("memory_remembered"));
      assertThat(new JsonArray(results.get(1).toolOutput())).hasSize(1);
      assertThat(new JsonArray(results.get(2).toolOutput())).isEmpty();
      assertThat(results.get(3).toolOutput())
          .startsWith("error: invalid call of search_memory: since");
      assertThat(results.get(3).payload().getBoolean("ok")).isFalse();
    }
  }

  @Test
  void aLockedAgentMaySearchItsMemoryButNotAddToIt() {
    try (EngineFixture f = new EngineFixture(TOOLS_ONLY)) {
      UUID agent = f.agent("locked");
      f.store
          .agents()
          .update(
              f.workspace,
              agent,
              new AgentPatch(
                  Optional.empty(),
                  Optional.empty(),
                  Optional.empty(),
                  Optional.of(PermissionMode.fromWire("locked").orElseThrow())))
          .await();
      f.model
          .then(
              calls(
                  new String[] {"remember", remember("the lighthouse key is under the mat")},
                  new String[] {"search_memory", "{\"query\": \"lighthouse\"}"}))
          .then(stop("ok"));
      f.message(agent, "where is the lighthouse key?");
      assertThat(f.awaitWakeEnd(agent, 1)).isEqualTo("completed");

      assertThat(f.events(agent, "memory_remembered")).isEmpty();
      assertThat(f.events(agent, "tool_capability_denied"))
          .singleElement()
          .satisfies(
              e -> {
                assertThat(e.payload().getString("tool")).isEqualTo("remember");
                assertThat(e.payload().getString("capability")).isEqualTo("write_local");
              });
      List<StoredEvent> results = f.events(agent, "tool_result");
      assertThat(results.get(0).toolOutput()).startsWith("error: not run: remember");
      assertThat(results.get(1).payload().getBoolean("ok")).isTrue();
      // The person's message is in the index: a read_local search finds it.
      assertThat(new JsonArray(results.get(1).toolOutput()).encode())
          .contains("message_received", "lighthouse");
    }
  }

  /** The contents of the tool-result messages of one recorded model request, in order. */
  static List<String> toolMessages(JsonObject request) {
    return request.getJsonArray("messages").stream()
        .map(JsonObject.class::cast)
        .filter(m -> "tool".equals(m.getString("role")))
        .map(m -> m.getString("content"))
        .toList();
  }
}
