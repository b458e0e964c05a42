package org.openpincery.wake;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.openpincery.http.StandardWebhooks;
import org.openpincery.testkit.ScriptedModelServer.Status;
import org.openpincery.testkit.ScriptedModelServer.ToolCalls;
import org.openpincery.testkit.TestPostgres;

/**
 * Notifications queued by what the real wake loop records (V19's trigger): a gated call's {@code
 * approval_requested} queues {@code approval.requested} with the request's facts, a wake ending in
 * {@code llm_error} queues {@code wake.failed}, and a wake that merely awaits an approval queues no
 * failure.
 */
class WakeNotificationsTest {

  private static ToolCalls call(String name, String arguments) {
    return new ToolCalls(List.<String[]>of(new String[] {name, arguments}), 100, 20);
  }

  private static List<JsonObject> outbox(EngineFixture f, String subscription) throws Exception {
    List<JsonObject> out = new ArrayList<>();
    try (Connection c = TestPostgres.connect(f.url);
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT payload::text FROM notification_outbox WHERE subscription_id = '"
                    + subscription
                    + "' ORDER BY position")) {
      while (rs.next()) {
        out.add(new JsonObject(rs.getString(1)));
      }
    }
    return out;
  }

  @Test
  void aGatedCallQueuesApprovalRequestedAndAFailedWakeQueuesWakeFailed() throws Exception {
    try (EngineFixture f = new EngineFixture(Map.of("TOOL_CAPABILITIES", "set_timer=external"))) {
      UUID subscription =
          f.store
              .notifications()
              .create(
                  f.workspace,
                  "https://hooks.example.com/ops",
                  List.of("approval.requested", "wake.failed"),
                  null,
                  null,
                  StandardWebhooks.newSecret())
              .await()
              .id();
      UUID agent = f.agent("asker");
      // The wake ends at the gated call, awaiting the approval: the model is asked once.
      f.model.then(call("set_timer", "{\"in_seconds\": 3600, \"note\": \"approved timer\"}"));
      f.message(agent, "set a timer");
      assertThat(f.awaitWakeEnd(agent, 1)).isEqualTo("awaiting_approval");

      List<JsonObject> queued = outbox(f, subscription.toString());
      assertThat(queued).hasSize(1);
      JsonObject n = queued.get(0);
      assertThat(n.getString("type")).isEqualTo("approval.requested");
      JsonObject data = n.getJsonObject("data");
      assertThat(data.getString("agent_id")).isEqualTo(agent.toString());
      assertThat(data.getString("agent_name")).isEqualTo("asker");
      assertThat(data.getString("wake_id")).isNotBlank();
      JsonObject approval = data.getJsonObject("approval");
      String approvalId =
          f.events(agent, "approval_requested").getFirst().payload().getString("approval_id");
      assertThat(approval.getString("id")).isEqualTo(approvalId);
      assertThat(approval.getString("tool")).isEqualTo("set_timer");
      assertThat(approval.getString("capability")).isEqualTo("external");
      assertThat(approval.getJsonObject("arguments").getString("note")).isEqualTo("approved timer");
      assertThat(approval.getString("expires_at")).isNotBlank();

      // A provider that refuses the call (a 4xx is not retried): the wake ends llm_error.
      UUID failing = f.agent("failing");
      f.model.then(new Status(400, "{\"error\":{\"message\":\"bad request\"}}", null));
      f.message(failing, "hello");
      assertThat(f.awaitWakeEnd(failing, 1)).isEqualTo("llm_error");
      List<JsonObject> after = outbox(f, subscription.toString());
      assertThat(after).hasSize(2);
      assertThat(after.get(1).getString("type")).isEqualTo("wake.failed");
      assertThat(after.get(1).getJsonObject("data").getString("termination_reason"))
          .isEqualTo("llm_error");
      assertThat(after.get(1).getJsonObject("data").getString("agent_id"))
          .isEqualTo(failing.toString());
    }
  }
}
