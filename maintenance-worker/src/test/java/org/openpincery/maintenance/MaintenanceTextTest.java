package org.openpincery.maintenance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openpincery.model.AgentStatus;
import org.openpincery.model.StorableText;
import org.openpincery.model.StoredEvent;
import org.openpincery.store.Store;
import org.openpincery.testkit.ScriptedModelServer;
import org.openpincery.testkit.TestPostgres;

/**
 * A maintenance answer holding text PostgreSQL cannot store (the model may echo a NUL it read in a
 * webhook) is stored escaped, with the escaped fields named in its event: the pass never fails on
 * it, and so never repeats.
 */
class MaintenanceTextTest {

  private final MaintenanceFixture f = new MaintenanceFixture(Map.of());
  private final ScriptedModelServer model = f.model;
  private final Store store = f.store;
  private final List<MaintenancePass.Outcome> outcomes = f.outcomes;

  @AfterEach
  void close() {
    f.close();
  }

  @Test
  void aProjectionWithNulAndALoneSurrogateIsStoredEscaped() throws Exception {
    // Two levels: the model's text is a JSON object whose strings hold JSON escapes of U+0000 and
    // of an unpaired surrogate, and after it a real U+0000, so the provider's raw answer holds one.
    String content =
        "{\\\"identity\\\": \\\"I read a\\\\u0000b.\\\", \\\"work_list\\\": \\\"- x\\\\ud800\\\","
            + " \\\"summary\\\": \\\"Saw \\\\u0000.\\\"}\\u0000";
    model.then(
        new ScriptedModelServer.Malformed(
            "{\"id\":\"c\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,"
                + "\"message\":{\"role\":\"assistant\",\"content\":\""
                + content
                + "\"},\"finish_reason\":\"stop\"}],"
                + "\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":10,\"total_tokens\":20}}"));
    UUID agent = f.agentInMaintenance("reader", "read this");

    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () -> store.agents().find(agent).await().orElseThrow().status() == AgentStatus.ASLEEP);

    var projection = store.agents().latestProjection(agent).await().orElseThrow();
    assertThat(projection.identity()).isEqualTo("I read a\\u0000b.");
    assertThat(StorableText.unescape(projection.identity())).isEqualTo("I read a\u0000b.");
    assertThat(projection.workList()).isEqualTo("- x\\ud800");
    assertThat(projection.summary()).isEqualTo("Saw \\u0000.");
    StoredEvent done = store.events().pageNewest(agent, 1).await().getFirst();
    assertThat(done.eventType()).isEqualTo("maintenance_completed");
    assertThat(done.payload().getJsonArray("escaped").getList())
        .containsExactly("identity", "work_list", "summary");
    assertThat(outcomes).extracting(MaintenancePass.Outcome::result).containsExactly("updated");
    assertThat(model.requests()).hasSize(1);
    try (var c = TestPostgres.connect(f.url);
        var rs =
            c.createStatement()
                .executeQuery(
                    "SELECT count(*) FROM model_calls WHERE purpose = 'maintenance'"
                        + " AND (response->>'pincery_escaped')::boolean")) {
      rs.next();
      assertThat(rs.getLong(1)).isEqualTo(1);
    }
  }
}
