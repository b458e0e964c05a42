package org.openpincery.standalone.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openpincery.standalone.chaos.ChaosCluster.Tier;
import org.openpincery.testkit.ScriptedModelServer;

/**
 * Nothing is lost when processes die: PostgreSQL, one gateway, one webhook ingress, two schedulers,
 * one maintenance worker and three wake workers as separate JVMs, agents driven with messages,
 * signed webhooks, agent-to-agent messages and timers, while a wake worker, the maintenance worker
 * or a scheduler is {@code kill -9}ed every few seconds and started again, and PostgreSQL itself is
 * restarted once. Afterwards the event logs and {@code model_calls} alone must show that every
 * input reached the model, no wake wrote after losing its lease, no two wakes of an agent
 * overlapped, nothing is stuck, every chain verifies and every timer fired once.
 *
 * <p>The short form runs in {@code ./pincery test}; {@code ./pincery chaos [minutes] [agents]} runs
 * the same scenario longer ({@code CHAOS_SECONDS}, {@code CHAOS_AGENTS}, {@code
 * CHAOS_KILL_EVERY_SECONDS}, {@code CHAOS_SEED}). Figures go to {@code
 * standalone/target/chaos-report.txt}; docs/reliability.md explains them.
 */
class MultiProcessChaosTest {

  /** The run's size, from the environment for the long form. */
  record Settings(int trafficSeconds, int agents, int rounds, int killEverySeconds, long seed) {
    static Settings fromEnvironment() {
      int seconds = number("CHAOS_SECONDS", 40);
      return new Settings(
          seconds,
          number("CHAOS_AGENTS", 100),
          Math.max(1, seconds / 40),
          number("CHAOS_KILL_EVERY_SECONDS", 3),
          number("CHAOS_SEED", 11));
    }

    private static int number(String name, int fallback) {
      String v = System.getenv(name);
      return v == null || v.isBlank() ? fallback : Integer.parseInt(v.trim());
    }
  }

  record Agent(int index, String id, String name, String secret) {}

  record Kill(String tier, String kind, long pid, long killedAt, long readyAt) {}

  static final int WAKE_LEASE_SECONDS = 8;
  private static final int MAINTENANCE_LEASE_SECONDS = 20;
  static final int REAP_SECONDS = 2;
  private static final int OUTAGE_SECONDS = 3;

  @TempDir Path work;

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

  @Test
  void nothingIsLostWhileWorkersSchedulersAndTheDatabaseAreKilled() throws Exception {
    Settings s = Settings.fromEnvironment();
    long began = System.currentTimeMillis();
    ChaosModel brain = new ChaosModel(s.seed());
    try (ScriptedModelServer model = brain.start();
        ChaosCluster cluster = new ChaosCluster(work)) {
      Map<String, String> common = new HashMap<>();
      common.put("LLM_API_BASE_URL", model.baseUrl());
      common.put("LLM_API_KEY", "chaos-key");
      common.put("LLM_MODEL", "scripted");
      common.put("LLM_TIMEOUT_SECONDS", "10");
      common.put("DATABASE_POOL_SIZE", "6");
      common.put("WAKE_POLL_MILLIS", "500");
      common.put("MAINTENANCE_POLL_MILLIS", "500");
      common.put("WAKE_LEASE_SECONDS", "" + WAKE_LEASE_SECONDS);
      common.put("MAINTENANCE_LEASE_SECONDS", "" + MAINTENANCE_LEASE_SECONDS);
      common.put("SCHEDULER_REAP_INTERVAL_SECONDS", "" + REAP_SECONDS);
      common.put("SCHEDULER_SWEEP_INTERVAL_SECONDS", "2");
      common.put("OPEN_PINCERY_SANDBOX", "auto");
      Map<String, String> gatewayEnv = new HashMap<>(common);
      gatewayEnv.put("OPEN_PINCERY_BOOTSTRAP_TOKEN", ChaosCluster.BOOTSTRAP);
      gatewayEnv.put("OPEN_PINCERY_RATE_LIMIT_AUTHENTICATED", "0");
      gatewayEnv.put("OPEN_PINCERY_RATE_LIMIT_UNAUTHENTICATED", "0");
      gatewayEnv.put("OPEN_PINCERY_HOST", "127.0.0.1");
      Map<String, String> webhookEnv = new HashMap<>(common);
      webhookEnv.put("OPEN_PINCERY_WEBHOOK_RATE_LIMIT", "0");
      webhookEnv.put("OPEN_PINCERY_WEBHOOK_HOST", "127.0.0.1");
      Map<String, String> workerEnv = new HashMap<>(common);
      workerEnv.put("OPEN_PINCERY_HOST", "127.0.0.1");

      Tier gateway = cluster.add("gateway", "gateway", gatewayEnv);
      Tier webhooks = cluster.add("webhook-ingress", "webhook-ingress", webhookEnv);
      List<Tier> victims = new ArrayList<>();
      victims.add(cluster.add("scheduler-1", "scheduler", workerEnv));
      victims.add(cluster.add("scheduler-2", "scheduler", workerEnv));
      victims.add(cluster.add("maintenance-1", "maintenance-worker", workerEnv));
      for (int i = 1; i <= 3; i++) {
        victims.add(cluster.add("wake-" + i, "wake-worker", workerEnv));
      }
      // Memory (issue 16): the indexer embeds while it is killed with the others.
      Map<String, String> indexerEnv = new HashMap<>(workerEnv);
      indexerEnv.put("MEMORY_INDEX_BATCH", "8");
      victims.add(cluster.add("memory-indexer-1", "memory-indexer", indexerEnv));
      awaitAllReady(cluster, Duration.ofSeconds(240));
      long startedUp = System.currentTimeMillis();

      String session =
          post(gateway.port, "/api/bootstrap", ChaosCluster.BOOTSTRAP, null)
              .getString("session_token");
      List<Agent> agents = new ArrayList<>();
      for (int i = 0; i < s.agents(); i++) {
        JsonObject created =
            post(gateway.port, "/api/agents", session, new JsonObject().put("name", "chaos-" + i));
        agents.add(
            new Agent(
                i, created.getString("id"), "chaos-" + i, created.getString("webhook_secret")));
      }

      // Traffic: per agent and round, a plain message, a webhook, a timer to set and a message to
      // relay to the next agent, each at a random moment of the traffic window.
      ChaosTraffic traffic = new ChaosTraffic(gateway.port, webhooks.port, session);
      Random random = new Random(s.seed());
      long windowMillis = s.trafficSeconds() * 1000L;
      ScheduledExecutorService clock = Executors.newScheduledThreadPool(2);
      List<CompletableFuture<Integer>> sends = new ArrayList<>();
      List<String> messageContents = new ArrayList<>();
      List<String> webhookTokens = new ArrayList<>();
      List<String> timerNotes = new ArrayList<>();
      Map<String, Agent> relayTargets = new HashMap<>();
      for (Agent a : agents) {
        Agent next = agents.get((a.index() + 1) % agents.size());
        for (int r = 0; r < s.rounds(); r++) {
          String tag = "a" + a.index() + "-" + r;
          String plain = "msg-" + tag + " hello";
          String timer = "set-timer tm-" + tag + " " + (2 + random.nextInt(3));
          String relay = "relay rel-" + tag + " to " + next.name();
          messageContents.addAll(List.of(plain, timer, relay));
          webhookTokens.add("whk-" + tag);
          timerNotes.add("tm-" + tag);
          relayTargets.put("rel-" + tag, next);
          sends.add(
              later(
                  clock, random, windowMillis, () -> traffic.message(a.id(), "m1-" + tag, plain)));
          sends.add(
              later(
                  clock, random, windowMillis, () -> traffic.message(a.id(), "m2-" + tag, timer)));
          sends.add(
              later(
                  clock, random, windowMillis, () -> traffic.message(a.id(), "m3-" + tag, relay)));
          sends.add(
              later(
                  clock,
                  random,
                  windowMillis,
                  () -> traffic.webhook(a.id(), a.secret(), "w-" + tag, "whk-" + tag)));
        }
      }
      long trafficStart = System.currentTimeMillis();
      long trafficEnd = trafficStart + windowMillis;

      // Chaos: one kill at a time (kill -9, start again, wait until /ready), and once, halfway,
      // a PostgreSQL restart; all on one thread so they never overlap.
      List<Kill> kills = new CopyOnWriteArrayList<>();
      List<Throwable> monkeyFailures = new CopyOnWriteArrayList<>();
      long[] outage = new long[4]; // stop began, PostgreSQL up, gateway+ingress ready, all ready
      boolean[] pgDown = new boolean[1];
      ScheduledExecutorService monkey = Executors.newSingleThreadScheduledExecutor();
      Random chaos = new Random(s.seed() + 1);
      monkey.scheduleWithFixedDelay(
          () -> {
            if (System.currentTimeMillis() > trafficEnd || pgDown[0]) {
              return;
            }
            try {
              Tier victim = victims.get(chaos.nextInt(victims.size()));
              long pid = victim.process.pid();
              long killedAt = System.currentTimeMillis();
              cluster.kill(victim);
              cluster.start(victim);
              await()
                  .atMost(Duration.ofSeconds(120))
                  .pollInterval(Duration.ofMillis(100))
                  .until(() -> cluster.ready(victim));
              kills.add(
                  new Kill(victim.name, victim.tier, pid, killedAt, System.currentTimeMillis()));
            } catch (Throwable e) {
              monkeyFailures.add(e);
            }
          },
          s.killEverySeconds(),
          s.killEverySeconds(),
          TimeUnit.SECONDS);
      // PostgreSQL goes away for OUTAGE_SECONDS; kills wait meanwhile (a tier cannot become
      // ready without its database).
      monkey.schedule(
          () -> {
            try {
              pgDown[0] = true;
              outage[0] = System.currentTimeMillis();
              cluster.stopPostgres();
              monkey.schedule(
                  () -> {
                    try {
                      cluster.startPostgres();
                      outage[1] = System.currentTimeMillis();
                      await()
                          .atMost(Duration.ofSeconds(120))
                          .pollInterval(Duration.ofMillis(100))
                          .until(() -> cluster.ready(gateway) && cluster.ready(webhooks));
                      outage[2] = System.currentTimeMillis();
                      awaitAllReady(cluster, Duration.ofSeconds(120));
                      outage[3] = System.currentTimeMillis();
                    } catch (Throwable e) {
                      monkeyFailures.add(e);
                    } finally {
                      pgDown[0] = false;
                    }
                  },
                  OUTAGE_SECONDS,
                  TimeUnit.SECONDS);
            } catch (Throwable e) {
              monkeyFailures.add(e);
            }
          },
          windowMillis / 2,
          TimeUnit.MILLISECONDS);

      CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new))
          .get(s.trafficSeconds() + 300L, TimeUnit.SECONDS);
      clock.shutdown();
      monkey.shutdown();
      assertThat(monkey.awaitTermination(300, TimeUnit.SECONDS)).isTrue();
      long trafficDone = System.currentTimeMillis();
      assertThat(monkeyFailures).as("kills and restarts").isEmpty();
      awaitAllReady(cluster, Duration.ofSeconds(120));

      // Quiescence: every agent asleep with nothing pending and no timer left to fire. Bounded by
      // the leases, the reaper and the drain of what is left.
      // Not reached in time: the assertions below name what is stuck.
      try (Connection c = cluster.connect()) {
        await()
            .atMost(Duration.ofSeconds(180L + s.trafficSeconds()))
            .pollInterval(Duration.ofMillis(500))
            .until(
                () ->
                    ChaosAudit.stuckAgents(c).isEmpty()
                        && ChaosAudit.count(
                                c,
                                "SELECT count(*) FROM timers WHERE fired_at IS NULL"
                                    + " AND cancelled_at IS NULL")
                            == 0
                        && ChaosAudit.count(
                                c, "SELECT count(*) FROM memory_entries WHERE embedded_at IS NULL")
                            == 0);
      } catch (org.awaitility.core.ConditionTimeoutException e) {
        System.out.println("quiescence not reached: " + e.getMessage());
      }
      long quiet = System.currentTimeMillis();

      try (Connection c = cluster.connect()) {
        ChaosReport.Report report = new ChaosReport.Report();
        report.line("settings", s.toString());
        report.line(
            "startup of 9 tier JVMs until all /ready (s)", ChaosReport.secs(startedUp - began));
        report.line("traffic window (s)", ChaosReport.secs(trafficDone - trafficStart));
        report.line("quiescence after traffic (s)", ChaosReport.secs(quiet - trafficDone));
        report.line("whole run (s)", ChaosReport.secs(quiet - began));

        // 1. Every acknowledged message and webhook is in the log exactly once.
        Map<String, Long> messages = ChaosAudit.occurrences(c, "message_received", "content");
        Map<String, Long> hooks =
            ChaosAudit.occurrences(c, "webhook_received", "payload->'body'->>'token'");
        List<String> notOnce = new ArrayList<>();
        messageContents.forEach(m -> once(notOnce, "message " + m, messages.get(m)));
        webhookTokens.forEach(w -> once(notOnce, "webhook " + w, hooks.get(w)));
        List<Integer> finals = sends.stream().map(CompletableFuture::join).toList();
        report.line("messages acknowledged", "" + messageContents.size());
        report.line("webhooks acknowledged", "" + webhookTokens.size());

        // 2. Relays and timers the model asked for exist.
        Map<String, Long> relayed = ChaosAudit.occurrences(c, "agent_message_received", "content");
        List<String> lostRelays =
            relayTargets.keySet().stream()
                .filter(t -> relayed.getOrDefault("relayed " + t, 0L) < 1)
                .sorted()
                .toList();
        long duplicateRelays =
            relayTargets.keySet().stream()
                .filter(t -> relayed.getOrDefault("relayed " + t, 0L) > 1)
                .count();
        Map<String, Long> timersByNote = new HashMap<>();
        ChaosAudit.strings(c, "SELECT note FROM timers")
            .forEach(n -> timersByNote.merge(n, 1L, Long::sum));
        List<String> timersNeverSet =
            timerNotes.stream().filter(n -> !timersByNote.containsKey(n)).sorted().toList();
        long notesSetTwice = timersByNote.values().stream().filter(v -> v > 1).count();
        List<String> timersNotOnce = ChaosAudit.timersNotFiredOnce(c);
        report.line(
            "agent-to-agent messages delivered",
            "" + relayed.values().stream().mapToLong(Long::longValue).sum());
        report.line("relays delivered more than once", "" + duplicateRelays);
        report.line(
            "timers set / fired",
            timersByNote.values().stream().mapToLong(Long::longValue).sum()
                + " / "
                + ChaosAudit.count(
                    c, "SELECT count(*) FROM events WHERE event_type = 'timer_fired'"));
        report.line("timer notes set by two wakes", "" + notesSetTwice);

        // 3. Every waking event reached a recorded wake model call (and the model's own record).
        List<ChaosAudit.Unseen> unseen = ChaosAudit.unseenInputs(c);
        List<String> unseenByModel = new ArrayList<>();
        for (String m : messageContents) {
          String token = m.replaceAll("^.*?((?:msg|tm|rel)-a\\d+-\\d+).*$", "$1");
          if (!brain.seen.contains(token)) {
            unseenByModel.add(token);
          }
        }
        webhookTokens.stream().filter(w -> !brain.seen.contains(w)).forEach(unseenByModel::add);
        long deliveries =
            ChaosAudit.count(
                c,
                "SELECT count(*) FROM events WHERE event_type IN ('message_received',"
                    + " 'webhook_received', 'agent_message_received', 'timer_fired')");
        report.line("waking events (deliveries)", "" + deliveries);
        report.line("lost (waking events no wake model call shows)", "" + unseen.size());
        report.line(
            "model calls wake / maintenance",
            ChaosAudit.count(c, "SELECT count(*) FROM model_calls WHERE purpose = 'wake'")
                + " / "
                + ChaosAudit.count(
                    c, "SELECT count(*) FROM model_calls WHERE purpose = 'maintenance'"));
        report.line(
            "model requests answered wake / maintenance",
            brain.wakeRequests.get() + " / " + brain.maintenanceRequests.get());

        // 4. Fencing, overlaps, stuck agents.
        List<String> eventsAfter = ChaosAudit.eventsAfterAbandon(c);
        List<String> callsAfter = ChaosAudit.modelCallsAfterAbandon(c);
        ChaosAudit.Wakes wakes = ChaosAudit.wakes(c);
        List<String> stuck = ChaosAudit.stuckAgents(c);
        report.line("wakes started / ended", wakes.started() + " / " + wakes.ended());
        report.line(
            "wakes abandoned (lease lost) awake / in maintenance",
            wakes.abandonedAwake() + " / " + wakes.abandonedMaintenance());
        report.line(
            "writes after lease loss (events + model calls)",
            "" + (eventsAfter.size() + callsAfter.size()));
        report.line("overlapping wakes", "" + wakes.overlaps().size());
        report.line("stuck agents", "" + (stuck.size() + wakes.leftOpen().size()));

        // 5. Chains.
        List<String> broken = new ArrayList<>();
        for (Agent a : agents) {
          JsonObject v = get(gateway.port, "/api/agents/" + a.id() + "/events/verify", session);
          if (!v.getBoolean("valid", false)) {
            broken.add(a.name() + ": " + v.encode());
          }
        }
        report.line(
            "hash chains verified / broken",
            (agents.size() - broken.size()) + " / " + broken.size());

        // 6. Memory: an entry for every indexed event (written by its append), every one embedded
        // in the end although indexers were killed mid-batch.
        long indexable =
            ChaosAudit.count(
                c,
                "SELECT count(*) FROM events e WHERE pincery_memory_text(e.event_type, e.content,"
                    + " e.tool_name, e.tool_output) IS NOT NULL");
        long entries = ChaosAudit.count(c, "SELECT count(*) FROM memory_entries");
        long unembedded =
            ChaosAudit.count(
                c,
                "SELECT count(*) FROM memory_entries WHERE embedded_at IS NULL"
                    + " OR cardinality(embedding) <> 384");
        report.line("memory index entries / indexable events", entries + " / " + indexable);
        report.line("memory index entries not embedded at the end", "" + unembedded);

        // 7. Statuses, kills, recovery.
        List<ChaosAudit.Orphan> orphans = wakes.orphans();
        ChaosReport.http(report, traffic, outage);
        ChaosReport.kills(report, kills, orphans, outage);
        Map<String, Long> errors = cluster.errorLines();
        report.line("ERROR log lines by tier", errors.toString());
        report.write(Path.of("target", "chaos-report.txt"));
        // Kills and a database restart are expected here: no tier may log them as errors (stack
        // traces at ERROR would hide real ones). Logs: target/chaos-logs/.
        assertThat(errors.values().stream().mapToLong(Long::longValue).sum())
            .as("ERROR log lines by tier: %s", errors)
            .isZero();

        List<ChaosTraffic.Answer> unexpected =
            traffic.answers.stream()
                .filter(
                    a ->
                        a.status() != -1
                            && a.status() != 503
                            && (a.status() < 200 || a.status() >= 300))
                .toList();
        List<ChaosTraffic.Answer> fiveXxAfterBack =
            traffic.answers.stream()
                .filter(a -> a.status() >= 500 && a.sentAtMillis() > outage[2])
                .toList();

        assertThat(finals)
            .as("every request acknowledged in the end")
            .allMatch(st -> st >= 200 && st < 300);
        assertThat(unexpected)
            .as("answers other than 2xx and a 503 while the database is away")
            .isEmpty();
        assertThat(fiveXxAfterBack)
            .as("5xx to requests sent after the database came back")
            .isEmpty();
        assertThat(notOnce).as("acknowledged inputs not in the log exactly once").isEmpty();
        assertThat(unseen).as("waking events never shown to the model").isEmpty();
        assertThat(unseenByModel).as("inputs the scripted model never received").isEmpty();
        assertThat(lostRelays).as("relays never delivered").isEmpty();
        assertThat(duplicateRelays)
            .as("relays delivered twice (an interrupted wake's acts repeated)")
            .isZero();
        assertThat(notesSetTwice)
            .as("timers set twice (an interrupted wake's acts repeated)")
            .isZero();
        assertThat(timersNeverSet).as("timers never set").isEmpty();
        assertThat(timersNotOnce).as("timers not fired exactly once").isEmpty();
        assertThat(eventsAfter).as("events written after the wake's lease was lost").isEmpty();
        assertThat(callsAfter).as("model calls recorded after the wake's lease was lost").isEmpty();
        assertThat(wakes.overlaps()).as("overlapping wakes").isEmpty();
        assertThat(wakes.leftOpen()).as("wakes never ended").isEmpty();
        assertThat(stuck).as("agents stuck or with unshown input").isEmpty();
        assertThat(broken).as("broken hash chains").isEmpty();
        assertThat(entries)
            .as("memory index entries (one per indexable event)")
            .isEqualTo(indexable);
        assertThat(unembedded).as("memory index entries never embedded").isZero();
        assertThat(kills).as("kills").isNotEmpty();
        assertThat(outage[3]).as("PostgreSQL restarted and every tier ready again").isPositive();
      }
    }
  }

  private static void once(List<String> out, String what, Long n) {
    if (n == null || n != 1) {
      out.add(what + ": " + (n == null ? 0 : n));
    }
  }

  private static CompletableFuture<Integer> later(
      ScheduledExecutorService clock,
      Random random,
      long windowMillis,
      java.util.function.Supplier<CompletableFuture<Integer>> send) {
    CompletableFuture<Integer> done = new CompletableFuture<>();
    clock.schedule(
        () -> {
          try {
            send.get()
                .whenComplete(
                    (v, e) -> {
                      if (e != null) {
                        done.completeExceptionally(e);
                      } else {
                        done.complete(v);
                      }
                    });
          } catch (RuntimeException e) {
            done.completeExceptionally(e); // else the scheduler swallows it and the run waits
          }
        },
        (long) (random.nextDouble() * windowMillis),
        TimeUnit.MILLISECONDS);
    return done;
  }

  private void awaitAllReady(ChaosCluster cluster, Duration bound) {
    await()
        .atMost(bound)
        .pollInterval(Duration.ofMillis(250))
        .until(() -> cluster.tiers.values().stream().allMatch(cluster::ready));
  }

  private JsonObject post(int port, String path, String token, JsonObject body) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + token)
                .header("content-type", "application/json")
                .POST(
                    body == null
                        ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body.encode()))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as("POST " + path + ": " + r.body()).isLessThan(300);
    return new JsonObject(r.body());
  }

  private JsonObject get(int port, String path, String token) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + token)
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as("GET " + path + ": " + r.body()).isEqualTo(200);
    return new JsonObject(r.body());
  }
}
