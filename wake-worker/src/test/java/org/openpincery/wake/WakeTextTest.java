package org.openpincery.wake;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.openpincery.model.StorableText;
import org.openpincery.model.StoredEvent;
import org.openpincery.testkit.ScriptedModelServer.Malformed;
import org.openpincery.testkit.ScriptedModelServer.Text;
import org.openpincery.testkit.ScriptedModelServer.ToolCalls;
import org.openpincery.testkit.TestPostgres;

/**
 * Model output PostgreSQL cannot store as is (U+0000 and unpaired surrogates in the content, in
 * tool arguments, in the raw answer) is stored escaped with the escaped fields named: the wake
 * completes once, and never fails on its own input or retries for ever.
 */
class WakeTextTest {

  private static final EngineFixture f = new EngineFixture();

  @AfterAll
  static void close() {
    f.close();
  }

  private static List<String> escaped(StoredEvent e) {
    return e.payload().getJsonArray("escaped").getList().stream().map(String::valueOf).toList();
  }

  private long count(String sql) throws Exception {
    try (var c = TestPostgres.connect(f.url);
        var rs = c.createStatement().executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  @Test
  void nulInContentAndInToolArgumentsIsStoredEscapedAndTheWakeCompletesOnce() throws Exception {
    UUID agent = f.agent("nul-speaker");
    f.model
        // The set_timer arguments hold a JSON escape of U+0000 (a NUL once parsed); the list_timers
        // ones a real U+0000 and are not JSON at all, so they are kept raw.
        .then(
            new ToolCalls(
                List.<String[]>of(
                    new String[] {"set_timer", "{\"in_seconds\": 3600, \"note\": \"a\\u0000b\"}"},
                    new String[] {"list_timers", "{\"bad\u0000\": "}),
                10,
                10))
        .then(new Text("done \u0000 here", "stop", 10, 10));
    f.message(agent, "set a timer");

    assertThat(f.awaitWakeEnd(agent, 1)).isEqualTo("completed");

    StoredEvent setTimer = f.events(agent, "tool_call").get(0);
    assertThat(setTimer.toolInput().getString("note")).isEqualTo("a\\u0000b");
    assertThat(escaped(setTimer)).containsExactly("tool_input");
    StoredEvent invalid = f.events(agent, "tool_call").get(1);
    assertThat(invalid.payload().getString("raw_arguments")).isEqualTo("{\"bad\\u0000\": ");
    assertThat(escaped(invalid)).containsExactly("payload.raw_arguments");
    StoredEvent said = f.events(agent, "assistant_message").getFirst();
    assertThat(said.content()).isEqualTo("done \\u0000 here");
    assertThat(StorableText.unescape(said.content())).isEqualTo("done \u0000 here");
    assertThat(escaped(said)).containsExactly("content");
    // The timer's note, a store write of the model's text, is kept escaped too.
    assertThat(f.store.timers().pending(agent).await())
        .extracting(t -> t.note())
        .containsExactly("a\\u0000b");
    // Both calls were recorded, escaped, once each: no retry.
    assertThat(count("SELECT count(*) FROM model_calls WHERE agent_id = '" + agent + "'"))
        .isEqualTo(2);
    assertThat(
            count(
                "SELECT count(*) FROM model_calls WHERE agent_id = '"
                    + agent
                    + "' AND (response->>'pincery_escaped')::boolean"))
        .isEqualTo(2);
    assertThat(f.events(agent, "wake_start")).hasSize(1);
  }

  @Test
  void aLoneSurrogateInTheProvidersRawAnswerIsStoredEscaped() throws Exception {
    UUID agent = f.agent("surrogate-speaker");
    f.model.then(
        new Malformed(
            "{\"id\":\"c\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,"
                + "\"message\":{\"role\":\"assistant\",\"content\":\"half \\ud800 a pair\"},"
                + "\"finish_reason\":\"stop\"}],"
                + "\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":5,\"total_tokens\":10}}"));
    f.message(agent, "say something odd");

    assertThat(f.awaitWakeEnd(agent, 1)).isEqualTo("completed");
    StoredEvent said = f.events(agent, "assistant_message").getFirst();
    assertThat(said.content()).isEqualTo("half \\ud800 a pair");
    assertThat(escaped(said)).containsExactly("content");
    assertThat(
            count(
                "SELECT count(*) FROM model_calls WHERE agent_id = '"
                    + agent
                    + "' AND (response->>'pincery_escaped')::boolean"))
        .isEqualTo(1);
    assertThat(f.events(agent, "wake_start")).hasSize(1);
  }

  @Test
  void nulInAnInboundMessageReachesTheModelAndTheRequestIsRecorded() throws Exception {
    UUID agent = f.agent("nul-listener");
    f.model.then(new Text("ok", "stop", 5, 5));
    // Appended through the store, as a webhook's text is: kept escaped, shown escaped.
    f.message(agent, "zero \u0000 byte");
    assertThat(f.awaitWakeEnd(agent, 1)).isEqualTo("completed");
    JsonObject request = f.model.requests().getLast();
    assertThat(EngineFixture.userTexts(request).toString()).contains("zero \\u0000 byte");
  }
}
