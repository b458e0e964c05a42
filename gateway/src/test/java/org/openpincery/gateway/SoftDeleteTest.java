package org.openpincery.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.openpincery.store.ClaimResult;
import org.openpincery.store.TimerRepository;

/**
 * Delete is a soft delete: the agent keeps its history and hash chain, readable as before, and
 * every write to it is refused the same way ({@code 409 agent_deleted}); nothing fires into it.
 */
class SoftDeleteTest {

  @Test
  void aDeletedAgentsHistoryStaysReadableAndEveryWriteIsRefused() throws Exception {
    try (GatewayFixture api = new GatewayFixture()) {
      String token = api.bootstrap();
      String id = api.createAgent(token, "gone");
      String a = "/api/agents/" + id;
      assertThat(api.call("POST", a + "/messages", token, "{\"content\":\"hello\"}").status())
          .isEqualTo(202);
      assertThat(
              api.call("POST", a + "/schedules", token, "{\"every_seconds\":60,\"note\":\"n\"}")
                  .status())
          .isEqualTo(201);

      assertThat(api.call("DELETE", a, token, null).status()).isEqualTo(204);

      // Reads: history, chain, the agent itself, its schedules.
      var events = api.call("GET", a + "/events", token, null);
      assertThat(events.status()).isEqualTo(200);
      assertThat(events.json().getJsonArray("events").getJsonObject(0).getString("content"))
          .isEqualTo("hello");
      var verify = api.call("GET", a + "/events/verify", token, null);
      assertThat(verify.status()).isEqualTo(200);
      assertThat(verify.json().getBoolean("valid")).isTrue();
      assertThat(verify.json().getLong("events_checked")).isEqualTo(1);
      var shown = api.call("GET", a, token, null);
      assertThat(shown.status()).isEqualTo(200);
      assertThat(shown.json().getBoolean("deleted")).isTrue();
      assertThat(shown.json().getString("deleted_at")).isNotNull();
      assertThat(shown.json().getBoolean("is_enabled")).isFalse();
      assertThat(shown.json().getString("disabled_reason")).isEqualTo("deleted");
      var schedules = api.call("GET", a + "/schedules", token, null);
      assertThat(schedules.status()).isEqualTo(200);
      assertThat(schedules.json().getJsonArray("schedules")).as("ended with the agent").isEmpty();
      try (SseClient stream = SseClient.open(api, a + "/events/stream", token, 0L)) {
        assertThat(stream.status).isEqualTo(200);
        assertThat(stream.next().data().getString("content")).isEqualTo("hello");
      }

      // Listing: hidden by default, shown on request.
      assertThat(names(api.call("GET", "/api/agents", token, null).json())).isEmpty();
      var all = api.call("GET", "/api/agents?include_deleted=true", token, null);
      assertThat(names(all.json())).containsExactly("gone");
      assertThat(all.json().getJsonArray("agents").getJsonObject(0).getBoolean("deleted")).isTrue();
      assertThat(api.call("GET", "/api/agents?include_deleted=maybe", token, null).status())
          .isEqualTo(400);

      // Writes: one answer for all.
      record Write(String method, String path, String body) {}
      for (Write w :
          List.of(
              new Write("POST", a + "/messages", "{\"content\":\"are you there\"}"),
              new Write("POST", a + "/schedules", "{\"every_seconds\":60}"),
              new Write("PATCH", a, "{\"is_enabled\":true}"),
              new Write("PATCH", a, "{\"name\":\"back\"}"),
              new Write("POST", a + "/webhook/rotate", "{}"),
              new Write("DELETE", a, null),
              new Write("DELETE", a + "/schedules/00000000-0000-4000-8000-000000000000", null))) {
        var r = api.call(w.method(), w.path(), token, w.body());
        assertThat(r.status()).as(w.toString()).isEqualTo(409);
        assertThat(r.errorCode()).as(w.toString()).isEqualTo("agent_deleted");
      }
      assertThat(api.count("SELECT count(*) FROM events")).as("nothing was written").isEqualTo(1);

      // An agent that never existed is still 404.
      String none = "/api/agents/00000000-0000-4000-8000-000000000009";
      assertThat(api.call("POST", none + "/messages", token, "{\"content\":\"x\"}").status())
          .isEqualTo(404);
      assertThat(api.call("GET", none + "/events", token, null).status()).isEqualTo(404);
    }
  }

  @Test
  void nothingFiresIntoADeletedAgent() throws Exception {
    try (GatewayFixture api = new GatewayFixture()) {
      String token = api.bootstrap();
      String id = api.createAgent(token, "timed");
      api.call("POST", "/api/agents/" + id + "/schedules", token, "{\"every_seconds\":60}");
      api.execute(
          "INSERT INTO timers (agent_id, due_at, note) VALUES ('"
              + id
              + "', now() + interval '1 hour', 'later')");

      assertThat(api.call("DELETE", "/api/agents/" + id, token, null).status()).isEqualTo(204);
      // Make both due now, as if time had passed.
      api.execute("UPDATE schedules SET next_fire_at = now() - interval '1 second'");
      api.execute("UPDATE timers SET due_at = now() - interval '1 second'");

      assertThat(api.store.schedules().fireDue(100).await()).isZero();
      assertThat(api.store.timers().fireDue(100).await()).isEmpty();
      assertThat(api.count("SELECT count(*) FROM events WHERE agent_id = '" + id + "'")).isZero();
      assertThat(api.count("SELECT count(*) FROM timers WHERE cancelled_at IS NOT NULL"))
          .isEqualTo(1);
    }
  }

  @Test
  void aTimerSetByAWakeStillRunningAfterTheDeleteNeverFires() throws Exception {
    try (GatewayFixture api = new GatewayFixture()) {
      String token = api.bootstrap();
      UUID id = UUID.fromString(api.createAgent(token, "busy"));
      api.call("POST", "/api/agents/" + id + "/messages", token, "{\"content\":\"work\"}");
      var claimed =
          (ClaimResult.Claimed)
              api.store.lifecycle().claim(id, "test-worker", Duration.ofMinutes(1)).await();

      assertThat(api.call("DELETE", "/api/agents/" + id, token, null).status()).isEqualTo(204);
      var set =
          api.store
              .timers()
              .set(id, claimed.wakeId(), OffsetDateTime.now().minusSeconds(1), "after delete")
              .await();

      assertThat(set)
          .as("the wake is not cut short")
          .isInstanceOf(TimerRepository.SetResult.Set.class);
      assertThat(api.store.timers().pending(id).await()).isEmpty();
      assertThat(api.store.timers().fireDue(100).await()).isEmpty();
      assertThat(
              api.count(
                  "SELECT count(*) FROM events WHERE agent_id = '"
                      + id
                      + "' AND event_type = 'timer_fired'"))
          .isZero();
    }
  }

  private static List<String> names(JsonObject list) {
    JsonArray agents = list.getJsonArray("agents");
    return agents.stream().map(o -> ((JsonObject) o).getString("name")).toList();
  }
}
