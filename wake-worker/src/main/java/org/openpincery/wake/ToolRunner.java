package org.openpincery.wake;

import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.openpincery.model.Capability;
import org.openpincery.model.McpToolNames;
import org.openpincery.model.PermissionMode;
import org.openpincery.reasoner.ToolCall;
import org.openpincery.reasoner.prompt.Turn;
import org.openpincery.reasoner.tools.ToolCatalog;
import org.openpincery.store.DatabaseOutage;
import org.openpincery.store.WakeRepository.ApprovalChange;
import org.openpincery.wake.sandbox.Redactor;
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
 *
 * <p>Supervision (docs/supervision.md): the agent's permission mode decides each valid call by its
 * tool's capability class — it runs, it is refused ({@code tool_capability_denied}), or it waits
 * for a person ({@code approval_requested}, and the request committed with the step). After a call
 * that waits, the response's later calls are answered as not run: they may depend on it.
 */
final class ToolRunner {

  private static final Logger LOG = LoggerFactory.getLogger(ToolRunner.class);

  /**
   * One response's calls, run.
   *
   * @param exchange the calls with their results, as the model will see them
   * @param sleep one of them was {@code sleep}
   * @param anyInvalid one of them failed validation
   * @param awaiting the approvals requested (the wake ends {@code awaiting_approval})
   */
  record Round(
      Turn.ToolExchange exchange, boolean sleep, boolean anyInvalid, List<UUID> awaiting) {}

  /**
   * What the wake's calls are held to.
   *
   * @param mode the agent's permission mode, read when the wake started
   * @param redactor the workspace's secrets, opened at most once per wake
   */
  record Rules(PermissionMode mode, Supplier<Redactor> redactor) {}

  private final ToolCatalog catalog;
  private final List<ToolExecutor> executors;
  private final Map<String, ToolExecutor> tools = new HashMap<>();
  private final ToolPolicy policy;
  private final Clock clock;
  private final WakeMetrics metrics;

  ToolRunner(
      ToolCatalog catalog,
      List<ToolExecutor> executors,
      ToolPolicy policy,
      Clock clock,
      WakeMetrics metrics) {
    this.catalog = catalog;
    this.executors = List.copyOf(executors);
    executors.forEach(t -> tools.put(t.name(), t));
    this.policy = policy;
    this.clock = clock;
    this.metrics = metrics;
  }

  /**
   * A runner of one wake: this one's tools and {@code more} (the wake's remote MCP tools), with the
   * wake's catalogue and policy.
   */
  ToolRunner forWake(ToolCatalog wakeCatalog, List<ToolExecutor> more, ToolPolicy wakePolicy) {
    if (more.isEmpty() && wakeCatalog == catalog && wakePolicy == policy) {
      return this;
    }
    List<ToolExecutor> all = new ArrayList<>(executors);
    all.addAll(more);
    return new ToolRunner(wakeCatalog, all, wakePolicy, clock, metrics);
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
      BooleanSupplier commit,
      Rules rules) {
    boolean anyInvalid = false;
    boolean sleep = false;
    List<UUID> awaiting = new ArrayList<>();
    List<String> results = new ArrayList<>(calls.size());
    for (ToolCall call : calls) {
      ToolCatalog.Validation validation = catalog.validate(call);
      JsonObject shown =
          validation instanceof ToolCatalog.Validation.Valid v
              ? rules.redactor().get().redact(v.arguments())
              : null;
      step.add(WakeEvents.toolCall(call, validation, shown));
      ToolOutcome result;
      if (!awaiting.isEmpty()) {
        result =
            ToolOutcome.error(
                "not run: an earlier call of this response waits for approval "
                    + awaiting.getFirst()
                    + "; make this call again after the decision if it is still needed");
      } else {
        switch (validation) {
          case ToolCatalog.Validation.Invalid invalid -> {
            anyInvalid = true;
            result =
                ToolOutcome.error(
                    "invalid call of " + call.name() + ": " + invalid.reason() + "; nothing ran");
          }
          case ToolCatalog.Validation.Valid valid ->
              result =
                  runValid(call, valid.arguments(), shown, scope, step, commit, rules, awaiting);
        }
      }
      if (result == null) {
        return null;
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
    return new Round(new Turn.ToolExchange(text, calls, results), sleep, anyInvalid, awaiting);
  }

  // A valid call, as the agent's mode decides it: run, refused, or waiting for a person (its
  // request id added to awaiting). Null when the lease was lost.
  private ToolOutcome runValid(
      ToolCall call,
      JsonObject arguments,
      JsonObject shown,
      ToolScope scope,
      PendingStep step,
      BooleanSupplier commit,
      Rules rules,
      List<UUID> awaiting) {
    ToolExecutor executor = tools.get(call.name());
    if (executor == null) {
      return ToolOutcome.error(call.name() + " is not available in this worker");
    }
    Capability capability = policy.capability(call.name());
    return switch (rules.mode().verdict(capability)) {
      case REFUSED -> {
        step.add(WakeEvents.capabilityDenied(call, capability, rules.mode()));
        yield refused(call.name(), capability, rules.mode());
      }
      case NEEDS_APPROVAL -> {
        if (!shown.equals(arguments)) {
          yield ToolOutcome.error(
              "not run: the arguments hold the value of a credential; give secrets only as"
                  + " PLACEHOLDER:<credential name>");
        }
        UUID approval = request(call, arguments, capability, step);
        awaiting.add(approval);
        yield new ToolOutcome(
            "waiting for approval "
                + approval
                + ": this "
                + capability.wire()
                + " call runs only once an operator approves it. This wake ends now; you will be"
                + " woken with the decision and, if approved, its result.",
            false,
            List.of(),
            false,
            false,
            new JsonObject().put("approval_id", approval.toString()));
      }
      case RUN -> {
        if (executor.externalEffects() && !commit.getAsBoolean()) {
          yield null;
        }
        yield runGuarded(executor, executor.recordsArguments() ? shown : arguments, scope);
      }
    };
  }

  /**
   * Runs a call a person approved (its start already committed by {@code startApproved}), unless
   * the agent's mode now refuses its class. Records its effects; the caller records the result.
   */
  ToolOutcome runApproved(ToolCall call, JsonObject arguments, ToolScope scope, Rules rules) {
    ToolExecutor executor = tools.get(call.name());
    if (executor == null && McpToolNames.looksNamespaced(call.name())) {
      return ToolOutcome.error(
          call.name()
              + " is not offered in this wake: its MCP server is no longer granted to you, is"
              + " disabled, or could not be reached; it did not run");
    }
    if (executor == null) {
      return ToolOutcome.error(call.name() + " is not available in this worker; it did not run");
    }
    Capability capability = policy.capability(call.name());
    if (rules.mode().verdict(capability) == PermissionMode.Verdict.REFUSED) {
      return refused(call.name(), capability, rules.mode());
    }
    ToolOutcome result = runGuarded(executor, arguments, scope);
    metrics.toolCall(call.name(), true, result.ok(), result.detail());
    return result;
  }

  private static ToolOutcome refused(String tool, Capability capability, PermissionMode mode) {
    return ToolOutcome.error(
        "not run: "
            + tool
            + " is a "
            + capability.wire()
            + " tool and your permission mode is "
            + mode.wire()
            + ", in which only read_local tools run; an operator can change the mode");
  }

  // The request, committed with the step that records the call (never before it).
  private UUID request(
      ToolCall call, JsonObject arguments, Capability capability, PendingStep step) {
    UUID id = UUID.randomUUID();
    OffsetDateTime expires =
        OffsetDateTime.now(clock)
            .withOffsetSameInstant(ZoneOffset.UTC)
            .plus(policy.approvalTtl())
            .truncatedTo(ChronoUnit.MICROS);
    step.approval(
        new ApprovalChange.Request(
            id, call.id(), call.name(), capability.wire(), arguments, expires));
    step.add(WakeEvents.approvalRequested(call, id, capability, arguments, expires));
    return id;
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
