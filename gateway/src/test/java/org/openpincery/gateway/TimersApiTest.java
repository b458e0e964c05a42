package org.openpincery.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.openpincery.store.ClaimResult;
import org.openpincery.store.TimerRepository.SetResult;

/** GET /api/agents/:id/timers over real HTTP and PostgreSQL. */
class TimersApiTest {

  @Test
  void listsOnlyPendingTimersSoonestFirstWithTheWakeThatSetThem() {
    try (GatewayFixture api = new GatewayFixture()) {
      String token = api.bootstrap();
      UUID agent = UUID.fromString(api.createAgent(token, "timed"));
      String path = "/api/agents/" + agent + "/timers";
      assertThat(api.call("GET", path, token, null).json().getJsonArray("timers")).isEmpty();

      var wake =
          (ClaimResult.Claimed)
              api.store.lifecycle().claim(agent, "test", Duration.ofMinutes(1)).await();
      OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.MILLIS);
      var later = (SetResult.Set) set(api, agent, wake.wakeId(), now.plusHours(2), "later");
      var sooner = (SetResult.Set) set(api, agent, wake.wakeId(), now.plusHours(1), "sooner");
      var cancelled = (SetResult.Set) set(api, agent, wake.wakeId(), now.plusMinutes(5), "no");
      set(api, agent, wake.wakeId(), now.minusSeconds(1), "already due");
      assertThat(api.store.timers().cancel(agent, cancelled.id()).await()).isTrue();
      assertThat(api.store.timers().fireDue(10).await()).hasSize(1);

      var r = api.call("GET", path, token, null);
      assertThat(r.status()).isEqualTo(200);
      JsonArray timers = r.json().getJsonArray("timers");
      assertThat(timers).hasSize(2);
      JsonObject first = timers.getJsonObject(0);
      assertThat(first.fieldNames())
          .containsExactlyInAnyOrder("id", "fire_at", "note", "created_at", "wake_id");
      assertThat(first.getString("id")).isEqualTo(sooner.id().toString());
      assertThat(first.getString("note")).isEqualTo("sooner");
      assertThat(OffsetDateTime.parse(first.getString("fire_at")).toInstant())
          .isEqualTo(now.plusHours(1).toInstant());
      assertThat(first.getString("wake_id")).isEqualTo(wake.wakeId().toString());
      assertThat(OffsetDateTime.parse(first.getString("created_at"))).isNotNull();
      assertThat(timers.getJsonObject(1).getString("id")).isEqualTo(later.id().toString());
    }
  }

  @Test
  void otherWorkspacesAgentsAndUnknownAgentsAre404AndBadIdsAre400() {
    try (GatewayFixture api = new GatewayFixture()) {
      String token = api.bootstrap();
      assertThat(
              api.call("GET", "/api/agents/" + UUID.randomUUID() + "/timers", token, null)
                  .errorCode())
          .isEqualTo("not_found");
      assertThat(api.call("GET", "/api/agents/nope/timers", token, null).errorCode())
          .isEqualTo("invalid_id");
      String agent = api.createAgent(token, "private");
      assertThat(api.call("GET", "/api/agents/" + agent + "/timers", null, null).status())
          .isEqualTo(401);
    }
  }

  private static SetResult set(
      GatewayFixture api, UUID agent, UUID wake, OffsetDateTime at, String note) {
    return api.store.timers().set(agent, wake, at, note).await();
  }
}
