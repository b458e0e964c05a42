package org.openpincery.standalone.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openpincery.standalone.chaos.ChaosCluster.Tier;
import org.openpincery.testkit.ScriptedModelServer;
import org.openpincery.testkit.ScriptedModelServer.Text;
import org.openpincery.testkit.ScriptedModelServer.ToolCalls;

/**
 * An approved call runs exactly once even when its wake worker is {@code kill -9}ed (issue 17):
 * killed before the approval and started again after it, the new process runs the call once; killed
 * while the approved call runs, it is never run again — the next wake answers it as interrupted.
 * Every tier is a real process of its own (gateway, scheduler, maintenance worker, wake worker) on
 * one PostgreSQL; the approval goes through the real API.
 */
class ApprovalKillTest {

  @TempDir Path work;

  private final HttpClient http = HttpClient.newHttpClient();

  private static ToolCalls shell(String command) {
    return new ToolCalls(
        List.<String[]>of(
            new String[] {"shell", new JsonObject().put("command", command).encode()}),
        100,
        20);
  }

  private static Text done(String text) {
    return new Text(text, "stop", 100, 20);
  }

  @Test
  void anApprovedCallRunsOnceAcrossAKillAndNeverTwiceWhenKilledWhileItRuns() throws Exception {
    try (ScriptedModelServer model = ScriptedModelServer.start();
        ChaosCluster cluster = new ChaosCluster(work)) {
      Map<String, String> env = new HashMap<>();
      env.put("LLM_API_BASE_URL", model.baseUrl());
      env.put("LLM_API_KEY", "kill-key");
      env.put("LLM_MODEL", "scripted");
      env.put("OPEN_PINCERY_BOOTSTRAP_TOKEN", ChaosCluster.BOOTSTRAP);
      env.put("OPEN_PINCERY_HOST", "127.0.0.1");
      env.put("OPEN_PINCERY_SANDBOX", "none");
      env.put("OPEN_PINCERY_RATE_LIMIT_AUTHENTICATED", "0");
      env.put("TOOL_CAPABILITIES", "shell=external");
      env.put("WAKE_POLL_MILLIS", "200");
      env.put("MAINTENANCE_POLL_MILLIS", "200");
      env.put("WAKE_LEASE_SECONDS", "3");
      env.put("MAINTENANCE_LEASE_SECONDS", "3");
      env.put("SCHEDULER_REAP_INTERVAL_SECONDS", "1");
      Tier all = cluster.add("gateway", "gateway", env);
      cluster.add("scheduler", "scheduler", env);
      cluster.add("maintenance", "maintenance-worker", env);
      Tier worker = cluster.add("wake", "wake-worker", env);
      for (Tier t : cluster.tiers.values()) {
        awaitReady(cluster, t);
      }
      String session =
          call(all, "POST", "/api/bootstrap", ChaosCluster.BOOTSTRAP, null, 201)
              .getString("session_token");
      Path data = work.resolve("wake");

      // 1. Killed between the request and its approval: the call runs once, in the next process.
      String first =
          call(all, "POST", "/api/agents", session, new JsonObject().put("name", "deployer"), 201)
              .getString("id");
      model.then("deploy v1", shell("echo deployed-v1 >> deploys.log"));
      model.then("deploy v1", done("waiting for the approval"));
      call(all, "POST", "/api/agents/" + first + "/messages", session, message("deploy v1"), 202);
      String approval = awaitApproval(all, session, first);
      awaitEnds(all, session, first, 1);
      cluster.kill(worker);
      model.then("deploy v1", done("deployed"));
      call(all, "POST", "/api/approvals/" + approval + "/approve", session, note("ship it"), 200);
      cluster.start(worker);
      awaitReady(cluster, worker);
      awaitEnds(all, session, first, 2);
      Path firstLog = data.resolve("sandbox").resolve(first).resolve("deploys.log");
      assertThat(Files.readAllLines(firstLog)).containsExactly("deployed-v1");
      assertThat(
              call(all, "GET", "/api/approvals/" + approval, session, null, 200)
                  .getString("execution"))
          .isEqualTo("executed");

      // 2. Killed while the approved call runs: the next wake never runs it again.
      String second =
          call(all, "POST", "/api/agents", session, new JsonObject().put("name", "migrator"), 201)
              .getString("id");
      model.then(
          "migrate v2",
          shell("echo started >> migrations.log; sleep 6; echo finished >> migrations.log"));
      model.then("migrate v2", done("waiting for the approval"));
      call(all, "POST", "/api/agents/" + second + "/messages", session, message("migrate v2"), 202);
      String risky = awaitApproval(all, session, second);
      awaitEnds(all, session, second, 1);
      call(all, "POST", "/api/approvals/" + risky + "/approve", session, note("go"), 200);
      Path secondLog = data.resolve("sandbox").resolve(second).resolve("migrations.log");
      await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(50))
          .until(() -> Files.exists(secondLog) && Files.readString(secondLog).contains("started"));
      cluster.kill(worker);
      cluster.start(worker);
      awaitReady(cluster, worker);
      model.then("migrate v2", done("I will check what happened"));
      // The dead wake's lease expires, the reaper frees the agent, and its decision is settled.
      awaitEnds(all, session, second, 2);
      JsonObject settled = call(all, "GET", "/api/approvals/" + risky, session, null, 200);
      assertThat(settled.getString("execution")).isEqualTo("interrupted");
      assertThat(Files.readAllLines(secondLog).stream().filter("started"::equals).count())
          .as("the approved call started once, never again")
          .isEqualTo(1);
      JsonArray results =
          call(all, "GET", "/api/agents/" + second + "/events?limit=200", session, null, 200)
              .getJsonArray("events");
      assertThat(results.encode()).contains("it is not run again");
    }
  }

  private static JsonObject message(String text) {
    return new JsonObject().put("content", text);
  }

  private static JsonObject note(String text) {
    return new JsonObject().put("note", text);
  }

  private String awaitApproval(Tier t, String session, String agent) {
    String[] id = new String[1];
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> {
              JsonArray list =
                  call(t, "GET", "/api/approvals?agent_id=" + agent, session, null, 200)
                      .getJsonArray("approvals");
              if (list.isEmpty()) {
                return false;
              }
              id[0] = list.getJsonObject(0).getString("id");
              return true;
            });
    return id[0];
  }

  // Waits until the agent's n-th wake ended and it is asleep again.
  private void awaitEnds(Tier t, String session, String agent, int n) {
    await()
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> {
              JsonArray events =
                  call(t, "GET", "/api/agents/" + agent + "/events?limit=200", session, null, 200)
                      .getJsonArray("events");
              long ends =
                  events.stream()
                      .map(JsonObject.class::cast)
                      .filter(e -> "wake_end".equals(e.getString("event_type")))
                      .count();
              String status =
                  call(t, "GET", "/api/agents/" + agent, session, null, 200).getString("status");
              return ends >= n && "asleep".equals(status);
            });
  }

  private void awaitReady(ChaosCluster cluster, Tier t) {
    await()
        .atMost(Duration.ofSeconds(180))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> cluster.ready(t));
  }

  private JsonObject call(
      Tier t, String method, String path, String token, JsonObject body, int expected)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + t.port + path))
            .timeout(Duration.ofSeconds(30))
            .header("Authorization", "Bearer " + token)
            .header("content-type", "application/json")
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body.encode()));
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(method + " " + path + ": " + r.body()).isEqualTo(expected);
    return r.body().isEmpty() ? new JsonObject() : new JsonObject(r.body());
  }
}
