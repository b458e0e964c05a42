package org.openpincery.wake;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.openpincery.reasoner.ToolCall;
import org.openpincery.reasoner.prompt.Turn;
import org.openpincery.reasoner.tools.ToolCatalog;
import org.openpincery.store.DatabaseOutage;
import org.openpincery.wake.tools.ToolExecutor;
import org.openpincery.wake.tools.ToolOutcome;
import org.openpincery.wake.tools.ToolScope;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Validates and runs the tool calls of one model response (ARCHITECTURE.md §5), recording each
 * call, its effects and its result in the wake's {@link PendingStep}. An invalid call is answered
 * as such and nothing runs; a tool with external effects runs only after the step so far has
 * committed, so the log names the call before anything outside happens.
 */
final class ToolRunner {

  private static final Logger LOG = LoggerFactory.getLogger(ToolRunner.class);

  /**
   * One response's calls, run.
   *
   * @param exchange the calls with their results, as the model will see them
   * @param sleep one of them was {@code sleep}
   * @param anyInvalid one of them failed validation
   */
  record Round(Turn.ToolExchange exchange, boolean sleep, boolean anyInvalid) {}

  private final ToolCatalog catalog;
  private final Map<String, ToolExecutor> tools = new HashMap<>();
  private final WakeMetrics metrics;

  ToolRunner(ToolCatalog catalog, List<ToolExecutor> executors, WakeMetrics metrics) {
    this.catalog = catalog;
    executors.forEach(t -> tools.put(t.name(), t));
    this.metrics = metrics;
  }

  /**
   * Runs {@code calls} (said with {@code text}, possibly null) in order.
   *
   * @param commit commits the step so far; false when the wake has lost its lease
   * @return the round, or null when the lease was lost (nothing more may be written)
   */
  Round run(
      String text,
      List<ToolCall> calls,
      ToolScope scope,
      PendingStep step,
      BooleanSupplier commit) {
    boolean anyInvalid = false;
    boolean sleep = false;
    List<String> results = new ArrayList<>(calls.size());
    for (ToolCall call : calls) {
      ToolCatalog.Validation validation = catalog.validate(call);
      step.add(WakeEvents.toolCall(call, validation));
      ToolOutcome result;
      switch (validation) {
        case ToolCatalog.Validation.Invalid invalid -> {
          anyInvalid = true;
          result =
              ToolOutcome.error(
                  "invalid call of " + call.name() + ": " + invalid.reason() + "; nothing ran");
        }
        case ToolCatalog.Validation.Valid valid -> {
          ToolExecutor executor = tools.get(call.name());
          if (executor == null) {
            result = ToolOutcome.error(call.name() + " is not available in this worker");
          } else {
            if (executor.externalEffects() && !commit.getAsBoolean()) {
              return null;
            }
            result = runGuarded(executor, valid.arguments(), scope);
          }
        }
      }
      if (result.leaseLost()) {
        return null;
      }
      metrics.toolCall(
          call.name(),
          validation instanceof ToolCatalog.Validation.Valid,
          result.ok(),
          result.detail());
      step.addEffects(result.events(), result.timers());
      step.add(WakeEvents.toolResult(call, result));
      results.add(result.output());
      sleep |= result.endsWake();
    }
    return new Round(new Turn.ToolExchange(text, calls, results), sleep, anyInvalid);
  }

  // A tool that fails unexpectedly (its database read, say) is answered as failed and the wake
  // goes on; the exception goes to the log, not to the model.
  private static ToolOutcome runGuarded(
      ToolExecutor executor, JsonObject arguments, ToolScope scope) {
    UUID wakeId = scope.wakeId();
    try {
      return executor.run(scope, arguments);
    } catch (Exception e) {
      if (DatabaseOutage.is(e)) {
        LOG.warn("tool {} in wake {}: the database is unreachable", executor.name(), wakeId);
      } else {
        LOG.error("tool {} failed in wake {}", executor.name(), wakeId, e);
      }
      return ToolOutcome.error(executor.name() + " failed unexpectedly; nothing more is known");
    }
  }
}
