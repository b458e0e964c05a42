package org.openpincery.wake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.RepeatedTest;
import org.openpincery.testkit.ScriptedModelServer.Gated;
import org.openpincery.testkit.ScriptedModelServer.ToolCalls;
import org.openpincery.testkit.TestPostgres;

/**
 * Every side effect of a wake's step commits in the step's transaction: a worker that loses the
 * agent between running a tool and committing the step leaves nothing behind that the log does not
 * explain.
 */
class StepAtomicityTest {

  @RepeatedTest(3)
  void aTimerSetByAStepThatNeverCommitsDoesNotExist() throws Exception {
    try (EngineFixture f = new EngineFixture()) {
      UUID agent = f.agent("forgetful");
      CompletableFuture<Void> answer = new CompletableFuture<>();
      f.model.then(
          new Gated(
              answer,
              new ToolCalls(
                  List.<String[]>of(
                      new String[] {"set_timer", "{\"in_seconds\":3600,\"note\":\"orphan?\"}"}),
                  100,
                  20)));
      f.message(agent, "remind me in an hour");
      f.model.awaitRequest(30_000);

      try (Connection c = TestPostgres.connect(f.url)) {
        c.setAutoCommit(false);
        try (Statement st = c.createStatement()) {
          // Hold the agent row as a reaper would, while the model answers and the tool runs.
          st.execute("SELECT 1 FROM agents WHERE id = '" + agent + "' FOR NO KEY UPDATE");
          answer.complete(null);
          await().atMost(Duration.ofSeconds(30)).until(() -> stepWaitsForTheLock(f));
          assertThat(timers(f, agent)).as("nothing before the step commits").isZero();
          // The wake is taken away (as the reaper does) before its step can commit.
          st.execute(
              "UPDATE agents SET status = 'asleep', wake_id = NULL, lease_owner = NULL,"
                  + " lease_expires_at = NULL WHERE id = '"
                  + agent
                  + "'");
        }
        c.commit();
      }

      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> f.outcomes.stream().anyMatch(o -> o.agentId().equals(agent)));
      assertThat(f.outcomes.getFirst().reason().wire()).isEqualTo("lease_lost");
      assertThat(timers(f, agent)).isZero();
      assertThat(f.events(agent, "tool_call")).isEmpty();
      assertThat(f.count("SELECT count(*) FROM model_calls WHERE agent_id = '" + agent + "'"))
          .isZero();
    }
  }

  @RepeatedTest(2)
  void aTimerCancelledByAStepThatNeverCommitsStillFires() throws Exception {
    try (EngineFixture f = new EngineFixture()) {
      UUID agent = f.agent("fickle");
      f.model.then(
          new ToolCalls(
              List.<String[]>of(
                  new String[] {"set_timer", "{\"in_seconds\":3600,\"note\":\"keep\"}"}),
              100,
              20));
      f.model.thenText("set");
      f.message(agent, "set a timer");
      f.awaitWakeEnd(agent, 1);
      f.finishMaintenance(agent);
      UUID timer = f.store.timers().pending(agent).await().getFirst().id();

      CompletableFuture<Void> answer = new CompletableFuture<>();
      f.model.then(
          new Gated(
              answer,
              new ToolCalls(
                  List.<String[]>of(new String[] {"cancel_timer", "{\"id\":\"" + timer + "\"}"}),
                  100,
                  20)));
      f.message(agent, "cancel it");
      // The first wake asked twice; the second wake's first request is the third.
      await().atMost(Duration.ofSeconds(30)).until(() -> f.model.requests().size() >= 3);
      try (Connection c = TestPostgres.connect(f.url)) {
        c.setAutoCommit(false);
        try (Statement st = c.createStatement()) {
          st.execute("SELECT 1 FROM agents WHERE id = '" + agent + "' FOR NO KEY UPDATE");
          answer.complete(null);
          await().atMost(Duration.ofSeconds(30)).until(() -> stepWaitsForTheLock(f));
          st.execute(
              "UPDATE agents SET status = 'asleep', wake_id = NULL, lease_owner = NULL,"
                  + " lease_expires_at = NULL WHERE id = '"
                  + agent
                  + "'");
        }
        c.commit();
      }
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> f.outcomes.stream().filter(o -> o.agentId().equals(agent)).count() == 2);
      assertThat(f.store.timers().pending(agent).await())
          .extracting(t -> t.id())
          .containsExactly(timer);
    }
  }

  private static boolean stepWaitsForTheLock(EngineFixture f) throws Exception {
    return f.count(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                + " AND query LIKE '%pincery_wake_step%'")
        > 0;
  }

  private static long timers(EngineFixture f, UUID agent) throws Exception {
    return f.count("SELECT count(*) FROM timers WHERE agent_id = '" + agent + "'");
  }
}
