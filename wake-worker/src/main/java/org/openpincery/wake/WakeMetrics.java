package org.openpincery.wake;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.json.JsonObject;
import org.openpincery.model.TerminationReason;

/**
 * {@code pincery_tool_calls_total{tool, outcome}} — {@code ok}, {@code error}, {@code invalid}
 * (schema), {@code denied} (refused before running), {@code timeout}, {@code limit_killed} (a
 * resource limit's signal) — and {@code pincery_wakes_ended_total{reason}}.
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

  void wakeEnded(TerminationReason reason) {
    Counter.builder("pincery_wakes_ended")
        .description("Wakes by the reason they ended")
        .tag("reason", reason.wire())
        .register(registry)
        .increment();
  }
}
