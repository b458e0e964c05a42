package org.openpincery.bench.peers;

import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.openpincery.db.DatabaseUrl;
import org.openpincery.db.SchemaMigrator;

/**
 * The peers benchmark's driver for this project ({@code pincery-bare}, {@code pincery-full}): the
 * line protocol of bench/peers (READY; {@code RUN closed <producers> <seconds>} / {@code RUN drain
 * <jobs> <seconds>} → one JSON line; QUIT or EOF). Stdout carries protocol lines only; logs go to
 * stderr.
 *
 * <p>Environment: {@code PEER_DATABASE_URL} (an empty database: the driver migrates it), {@code
 * PEER_SYSTEM}, {@code PEER_CONCURRENCY} (wakes and maintenance passes at once, default 32), {@code
 * PEER_AGENTS} (producer agents created at set-up, default 64), {@code PEER_DRAIN_JOBS} (drain
 * agents created at set-up, default 2000), {@code PEER_PRODUCER_POOL} (the producers' own pool,
 * default 64).
 */
public final class PinceryDriver {

  private static final int WARM_UP_JOBS = 300;

  private PinceryDriver() {}

  public static void main(String[] args) {
    PrintStream protocol =
        new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
    System.setOut(System.err); // the console log appender writes to System.out
    String system = env("PEER_SYSTEM", "pincery-bare");
    int status = 0;
    PinceryEngine engine = null;
    try {
      DatabaseUrl url = DatabaseUrl.parse(System.getenv("PEER_DATABASE_URL"));
      int concurrency = Integer.parseInt(env("PEER_CONCURRENCY", "32"));
      SchemaMigrator.migrate(url);
      engine =
          switch (system) {
            case "pincery-bare" -> new BareEngine(url, concurrency);
            case "pincery-full" -> FullEngine.open(url, concurrency);
            default -> throw new IllegalArgumentException("unknown PEER_SYSTEM " + system);
          };
      List<UUID> producers =
          engine.createAgents("producer", Integer.parseInt(env("PEER_AGENTS", "64")));
      List<UUID> drain =
          new ArrayList<>(
              engine.createAgents("drain", Integer.parseInt(env("PEER_DRAIN_JOBS", "2000"))));
      engine.startWorkers();
      JobRuns runs = new JobRuns(engine, system);
      // Warm-up, as the peer drivers do: a closed loop of 4 producers until 300 jobs or 5 s, then a
      // drain of 50.
      runs.closed(producers.subList(0, Math.min(4, producers.size())), 5, WARM_UP_JOBS);
      runs.drain(engine.createAgents("warm-up", 50));
      protocol.println("READY");
      BufferedReader in =
          new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      for (String line; (line = in.readLine()) != null; ) {
        String[] cmd = line.trim().split("\\s+");
        if (cmd[0].equals("QUIT")) {
          break;
        }
        if (cmd.length < 3 || !cmd[0].equals("RUN")) {
          throw new IllegalArgumentException("unknown command: " + line);
        }
        int n = Integer.parseInt(cmd[2]);
        JsonObject result =
            switch (cmd[1]) {
              case "closed" -> {
                if (n > producers.size()) {
                  producers.addAll(engine.createAgents("producer-more", n - producers.size()));
                }
                yield runs.closed(
                    producers.subList(0, n), Integer.parseInt(cmd[3]), Long.MAX_VALUE);
              }
              case "drain" -> {
                if (n > drain.size()) {
                  drain.addAll(engine.createAgents("drain-more", n - drain.size()));
                }
                List<UUID> these = new ArrayList<>(drain.subList(0, n));
                drain.subList(0, n).clear(); // each drain agent is used once
                yield runs.drain(these);
              }
              default -> throw new IllegalArgumentException("unknown mode: " + cmd[1]);
            };
        protocol.println(result.encode());
      }
    } catch (Exception e) {
      e.printStackTrace();
      protocol.println(new JsonObject().put("error", String.valueOf(e)).encode());
      status = 1;
    } finally {
      if (engine != null) {
        engine.close();
      }
    }
    System.exit(status);
  }

  private static String env(String name, String fallback) {
    String v = System.getenv(name);
    return v == null || v.isBlank() ? fallback : v;
  }
}
