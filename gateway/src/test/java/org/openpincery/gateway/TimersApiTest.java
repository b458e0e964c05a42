package org.openpincery.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.openpincery.store.ClaimResult;
import org.openpincery.store.TimerRepository.SetResult;

/** An agent's timers over real HTTP and PostgreSQL: listed, set and cancelled by an operator. */
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

  @Test
  void anOperatorSetsATimerThatFiresOnceAndCancelsAnother() {
    try (GatewayFixture api = new GatewayFixture()) {
      String token = api.bootstrap();
      UUID agent = UUID.fromString(api.createAgent(token, "reminded"));
      String path = "/api/agents/" + agent + "/timers";
      Instant before = Instant.now();
      var inAnHour =
          api.call("POST", path, token, "{\"in_seconds\":3600,\"note\":\"check the build\"}");
      assertThat(inAnHour.status()).as(inAnHour.text()).isEqualTo(201);
      assertThat(inAnHour.json().getString("note")).isEqualTo("check the build");
      assertThat(inAnHour.json().getValue("wake_id")).as("set by an operator").isNull();
      assertThat(Instant.parse(inAnHour.json().getString("fire_at")))
          .isBetween(before.plusSeconds(3600), Instant.now().plusSeconds(3600));
      String at = OffsetDateTime.now(ZoneOffset.UTC).plusSeconds(1).toString();
      var soon = api.call("POST", path, token, "{\"at\":\"" + at + "\",\"note\":\"soon\"}");
      assertThat(soon.status()).as(soon.text()).isEqualTo(201);

      // The scheduler's pass fires the due one once, into the log, as a waking event.
      org.awaitility.Awaitility.await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> !api.store.timers().fireDue(10).await().isEmpty());
      assertThat(api.store.timers().fireDue(10).await()).isEmpty();
      var fired =
          api.store.events().pageAfter(agent, 0, 100).await().stream()
              .filter(e -> e.eventType().equals("timer_fired"))
              .toList();
      assertThat(fired).singleElement().satisfies(e -> assertThat(e.content()).isEqualTo("soon"));

      String id = inAnHour.json().getString("id");
      assertThat(api.call("DELETE", path + "/" + id, token, null).status()).isEqualTo(204);
      assertThat(api.call("DELETE", path + "/" + id, token, null).status())
          .as("already cancelled")
          .isEqualTo(404);
      assertThat(api.call("DELETE", path + "/" + soon.json().getString("id"), token, null).status())
          .as("already fired")
          .isEqualTo(404);
      assertThat(api.call("DELETE", path + "/not-a-uuid", token, null).status()).isEqualTo(404);
      assertThat(api.call("GET", path, token, null).json().getJsonArray("timers")).isEmpty();
    }
  }

  @Test
  void badTimersAreRefusedAndNothingIsWritten() throws Exception {
    try (GatewayFixture api = new GatewayFixture()) {
      String token = api.bootstrap();
      String agent = api.createAgent(token, "strict");
      String path = "/api/agents/" + agent + "/timers";
      String past = OffsetDateTime.now(ZoneOffset.UTC).minusMinutes(1).toString();
      String tooFar = OffsetDateTime.now(ZoneOffset.UTC).plusDays(400).toString();
      for (String body :
          new String[] {
            "{}",
            "{\"in_seconds\":60,\"at\":\"" + tooFar + "\"}",
            "{\"in_seconds\":0}",
            "{\"in_seconds\":31536001}",
            "{\"in_seconds\":\"60\"}",
            "{\"in_seconds\":1.5}",
            "{\"at\":\"tomorrow\"}",
            "{\"at\":\"" + past + "\"}",
            "{\"at\":\"" + tooFar + "\"}",
            "{\"in_seconds\":60,\"note\":\"" + "x".repeat(1001) + "\"}",
            "{\"in_seconds\":60,\"other\":1}"
          }) {
        var r = api.call("POST", path, token, body);
        assertThat(r.status()).as(body).isEqualTo(400);
      }
      assertThat(api.count("SELECT count(*) FROM timers")).isZero();

      var unknown =
          api.call(
              "POST", "/api/agents/" + UUID.randomUUID() + "/timers", token, "{\"in_seconds\":5}");
      assertThat(unknown.status()).isEqualTo(404);
      assertThat(api.call("DELETE", "/api/agents/" + agent, token, null).status()).isEqualTo(204);
      var deleted = api.call("POST", path, token, "{\"in_seconds\":5}");
      assertThat(deleted.status()).isEqualTo(409);
      assertThat(deleted.errorCode()).isEqualTo("agent_deleted");
      assertThat(api.count("SELECT count(*) FROM timers")).isZero();
    }
  }

  @Test
  void aRetriedTimerWithItsKeyIsSetOnce() throws Exception {
    try (GatewayFixture api = new GatewayFixture()) {
      String token = api.bootstrap();
      String agent = api.createAgent(token, "once");
      String path = "/api/agents/" + agent + "/timers";
      var key = java.util.Map.of("Idempotency-Key", "remind-1");
      var first = api.call("POST", path, token, "{\"in_seconds\":600,\"note\":\"n\"}", key);
      var retry = api.call("POST", path, token, "{\"in_seconds\":600,\"note\":\"n\"}", key);
      assertThat(retry.status()).isEqualTo(201);
      assertThat(retry.headers().firstValue("Idempotent-Replayed")).hasValue("true");
      assertThat(retry.json().getString("id")).isEqualTo(first.json().getString("id"));
      assertThat(api.count("SELECT count(*) FROM timers")).isEqualTo(1);
    }
  }

  private static SetResult set(
      GatewayFixture api, UUID agent, UUID wake, OffsetDateTime at, String note) {
    return api.store.timers().set(agent, wake, at, note).await();
  }
}
