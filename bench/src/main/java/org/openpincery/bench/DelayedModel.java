package org.openpincery.bench;

import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.openpincery.testkit.ScriptedModelServer;

/**
 * The scripted model with a delay: each answer of {@link BenchEngine#answer} (tool call, then text;
 * maintenance's JSON) leaves after a time drawn uniformly from [delay − jitter, delay + jitter] ms,
 * counted per purpose to check the recorded latencies against.
 */
final class DelayedModel {

  private final int delay;
  private final int jitter;
  // [0] wake, [1] maintenance: calls answered, and their total delay in ms
  private final AtomicLong[] calls = {new AtomicLong(), new AtomicLong()};
  private final AtomicLong[] delayMillis = {new AtomicLong(), new AtomicLong()};

  DelayedModel(int delay, int jitter) {
    this.delay = delay;
    this.jitter = jitter;
  }

  ScriptedModelServer.Turn answer(JsonObject request) {
    long ms = delay + ThreadLocalRandom.current().nextLong(-jitter, jitter + 1L);
    int purpose = request.containsKey("tools") ? 0 : 1;
    calls[purpose].incrementAndGet();
    delayMillis[purpose].addAndGet(ms);
    ScriptedModelServer.Turn turn = BenchEngine.answer(request);
    return ms <= 0 ? turn : new ScriptedModelServer.Slow(ms, turn);
  }

  /**
   * The calls the platform recorded against what this model did, per purpose: the difference in
   * mean latency is what the platform counted as model time beyond the scripted delay.
   */
  List<String> check(Connection stats) throws SQLException {
    List<String> lines = new ArrayList<>();
    String[] purposes = {"wake", "maintenance"};
    for (int i = 0; i < purposes.length; i++) {
      try (var ps =
          stats.prepareStatement(
              "SELECT count(*), coalesce(avg(latency_ms), 0) FROM model_calls WHERE purpose = ?")) {
        ps.setString(1, purposes[i]);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          long served = calls[i].get();
          double scripted = served == 0 ? 0 : delayMillis[i].get() / (double) served;
          lines.add(
              String.format(
                  Locale.ROOT,
                  "  %s: %d recorded, mean latency_ms %.1f; %d answered by the model, mean"
                      + " scripted delay %.1f ms: %+.1f ms per call of transport and client"
                      + " queueing counted as model time",
                  purposes[i],
                  rs.getLong(1),
                  rs.getDouble(2),
                  served,
                  scripted,
                  rs.getDouble(2) - scripted));
        }
      }
    }
    return lines;
  }
}
