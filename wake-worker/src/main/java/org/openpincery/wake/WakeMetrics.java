package org.openpincery.wake;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import org.openpincery.model.TerminationReason;

/**
 * {@code pincery_tool_calls_total{tool, outcome}} — {@code ok}, {@code error}, {@code invalid}
 * (schema), {@code denied} (refused before running), {@code timeout}, {@code limit_killed} (a
 * resource limit's signal) — {@code pincery_wakes_ended_total{reason}}, and {@code
 * pincery_memory_recall_seconds{outcome, ranking}}: each wake's automatic recall (docs/memory.md),
 * with outcome {@code recalled}, {@code nothing} (no memory the prompt lacked), {@code late} or
 * {@code failed}, and ranking {@code hybrid}, {@code text} (the query's embedding was off, late or
 * failed) or {@code none}.
 */
final class WakeMetrics {

  private final MeterRegistry registry;

  WakeMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  void toolCall(String tool, boolean valid, boolean ok, JsonObject detail) {
    String outcome;
    if (!valid) {
      outcome = "invalid";
    } else if (detail.containsKey("denied")) {
      outcome = "denied";
    } else if (Boolean.TRUE.equals(detail.getBoolean("timed_out"))) {
      outcome = "timeout";
    } else if (detail.getInteger("exit_code", 0) > 128) {
      outcome = "limit_killed"; // killed by a signal: SIGKILL, SIGXCPU, SIGXFSZ, …
    } else {
      outcome = ok ? "ok" : "error";
    }
    Counter.builder("pincery_tool_calls")
        .description("Tool calls by tool and outcome")
        .tag("tool", tool)
        .tag("outcome", outcome)
        .register(registry)
        .increment();
  }

  void memoryRecall(String outcome, String ranking, Duration took) {
    Timer.builder("pincery_memory_recall")
        .description("Automatic memory recall at wake start, by outcome and ranking")
        .tag("outcome", outcome)
        .tag("ranking", ranking)
        .register(registry)
        .record(took);
  }

  void wakeEnded(TerminationReason reason) {
    Counter.builder("pincery_wakes_ended")
        .description("Wakes by the reason they ended")
        .tag("reason", reason.wire())
        .register(registry)
        .increment();
  }
}
