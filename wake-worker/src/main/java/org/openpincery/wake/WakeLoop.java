package org.openpincery.wake;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.openpincery.model.NewEvent;
import org.openpincery.model.StoredEvent;
import org.openpincery.model.TerminationReason;
import org.openpincery.reasoner.CallOutcome;
import org.openpincery.reasoner.CallRecords;
import org.openpincery.reasoner.ChatClient;
import org.openpincery.reasoner.ChatRequest;
import org.openpincery.reasoner.ChatResponse;
import org.openpincery.reasoner.ReasonerConfig;
import org.openpincery.reasoner.ToolCall;
import org.openpincery.reasoner.prompt.PromptBuilder;
import org.openpincery.reasoner.prompt.Turn;
import org.openpincery.reasoner.tools.ToolCatalog;
import org.openpincery.store.ClaimResult;
import org.openpincery.store.HeartbeatResult;
import org.openpincery.store.Store;
import org.openpincery.store.WakeRepository;
import org.openpincery.store.WakeRepository.ApprovalChange;
import org.openpincery.store.WakeRepository.StepResult;
import org.openpincery.wake.mcp.McpToolbox;
import org.openpincery.wake.sandbox.Redactor;
import org.openpincery.wake.sandbox.WorkspaceSecrets;
import org.openpincery.wake.tools.MemoryAccess;
import org.openpincery.wake.tools.ToolExecutor;
import org.openpincery.wake.tools.ToolOutcome;
import org.openpincery.wake.tools.ToolScope;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one wake to its end (ARCHITECTURE.md §5), on a virtual thread. Each step: fold in new inbox
 * events as labelled untrusted input → stop at a boundary (lease lost, shutdown, disabled, caps) →
 * budget check against the call's worst case → model call → canary check → validate and run tool
 * calls → commit the step (model call, events, messages to other agents, heartbeat) in one
 * transaction fenced by the wake, or end the wake in that same transaction.
 *
 * <p>Nothing is written once the wake has lost its lease: every write is fenced, and a lost fence
 * stops the loop at once.
 */
final class WakeLoop {

  private static final Logger LOG = LoggerFactory.getLogger(WakeLoop.class);

  /** How a wake ended. */
  record Outcome(UUID agentId, UUID wakeId, TerminationReason reason, int modelCalls) {}

  private final Vertx vertx;
  private final Store store;
  private final ChatClient model;
  private final ReasonerConfig reasoner;
  private final WakeWorkerConfig config;
  private final ToolCatalog catalog;
  private final ToolPolicy policy;
  private final ToolRunner toolRunner;
  private final WorkspaceSecrets secrets;
  private final Clock clock;
  private final BooleanSupplier stopping;
  private final WakeMetrics metrics;
  private final MemoryAccess memory;
  private final MemoryRecall recall;
  private final BusyWakes busy = new BusyWakes();

  WakeLoop(
      Vertx vertx,
      Store store,
      ChatClient model,
      ReasonerConfig reasoner,
      WakeWorkerConfig config,
      ToolCatalog catalog,
      List<ToolExecutor> executors,
      WorkspaceSecrets secrets,
      Clock clock,
      BooleanSupplier stopping,
      WakeMetrics metrics,
      MemoryAccess memory) {
    this.vertx = vertx;
    this.store = store;
    this.model = model;
    this.reasoner = reasoner;
    this.config = config;
    this.catalog = catalog;
    this.policy = new ToolPolicy(executors, config.supervision());
    this.toolRunner = new ToolRunner(catalog, executors, policy, clock, metrics);
    this.secrets = secrets;
    this.clock = clock;
    this.stopping = stopping;
    this.metrics = metrics;
    this.memory = memory;
    this.recall = new MemoryRecall(memory, config.recall(), metrics);
  }

  /** The wakes busy now, which {@code WAKE_CPU_CONCURRENCY} limits. */
  BusyWakes busy() {
    return busy;
  }

  Outcome run(ClaimResult.Claimed claimed) {
    BusyWakes.Member member = busy.member();
    try {
      return new Wake(claimed, member).run();
    } finally {
      member.ended();
    }
  }

  /** The state of one running wake. */
  private final class Wake {
    private final UUID agentId;
    private final UUID wakeId;
    private final PendingStep step;
    private WakePrompt prompts;
    private ToolRunner runner = toolRunner;
    private ToolPolicy wakePolicy = policy;
    private McpToolbox mcp = McpToolbox.empty();
    private ToolScope scope;
    private ToolRunner.Rules rules;
    private Redactor redactor;
    private final Map<String, Integer> callsPerTool = new HashMap<>();
    private final Conversation conversation;
    private final WakeInput input;
    private final long consumedAtClaim;
    private volatile boolean enabled = true;
    private volatile boolean leaseLost;
    private int modelCalls;
    private int toolCallsRun;
    private int invalidStreak;
    private int truncatedAnswers;
    private final BusyWakes.Member load;

    Wake(ClaimResult.Claimed claimed, BusyWakes.Member load) {
      this.load = load;
      this.agentId = claimed.agentId();
      this.wakeId = claimed.wakeId();
      this.consumedAtClaim = claimed.consumedSeq();
      this.conversation = new Conversation(claimed.consumedSeq(), claimed.inboxSeq());
      this.step = new PendingStep(store, agentId, wakeId, config);
      this.input = new WakeInput(store, agentId, conversation);
    }

    Outcome run() {
      WakeRepository.WakeContext context = input.start(config.summaryLimit());
      scope =
          new ToolScope(
              agentId, context.name(), context.workspaceId(), wakeId, store, clock, memory);
      rules = new ToolRunner.Rules(context.permissionMode(), this::redactor);
      long heartbeat =
          vertx.setPeriodic(Math.max(1000, config.lease().toMillis() / 3), id -> heartbeat());
      try {
        // This wake's tools: the standard ones and the agent's granted remote MCP tools, listed
        // now (docs/mcp.md).
        if (context.mcpGranted()) {
          mcp =
              load.whileWaiting(
                  () ->
                      McpToolbox.open(
                          store, agentId, config.mcp(), () -> secrets.open(scope), this::redactor));
        }
        ToolCatalog wakeCatalog = catalog;
        if (!mcp.specs().isEmpty()) {
          List<String> skipped = new java.util.ArrayList<>();
          wakeCatalog = catalog.plus(mcp.specs(), skipped);
          if (!skipped.isEmpty()) {
            LOG.warn(
                "wake {}: MCP tools left out (name taken or schema unreadable): {}",
                wakeId,
                skipped);
          }
          wakePolicy = policy.with(mcp.capabilities());
          runner = toolRunner.forWake(wakeCatalog, mcp.executors(), wakePolicy);
        }
        String memories =
            load.whileWaiting(
                () ->
                    recall.recall(
                        agentId,
                        new MemoryRecall.InPrompt(
                            input.firstPage(),
                            context.interrupted() ? consumedAtClaim : Long.MAX_VALUE,
                            context.recentSummaries())));
        prompts =
            new WakePrompt(
                context,
                reasoner,
                config,
                wakeCatalog,
                wakePolicy,
                clock,
                mcp.systemNote(),
                memories);
        Outcome outcome = loop();
        metrics.wakeEnded(outcome.reason());
        LOG.info(
            "wake {} of agent {} ended: {} ({} model call(s), {} tool call(s))",
            wakeId,
            agentId,
            outcome.reason(),
            modelCalls,
            toolCallsRun);
        return outcome;
      } finally {
        vertx.cancelTimer(heartbeat);
        mcp.close();
      }
    }

    // Keeps the lease alive during long model calls and tools; also notices an operator's disable
    // and new input between steps.
    private void heartbeat() {
      store
          .lifecycle()
          .heartbeat(agentId, wakeId, config.lease())
          .onSuccess(
              r -> {
                switch (r) {
                  case HeartbeatResult.LeaseLost l -> leaseLost = true;
                  case HeartbeatResult.Extended e -> {
                    enabled = enabled && e.enabled();
                    conversation.observeInboxHead(e.inboxSeq());
                  }
                }
              })
          .onFailure(err -> LOG.warn("heartbeat of wake {} failed: {}", wakeId, err.toString()));
    }

    private Outcome loop() {
      while (true) {
        input.foldNext();
        if (leaseLost) {
          return lost();
        }
        if (stopping.getAsBoolean()) {
          return end(TerminationReason.SHUTDOWN);
        }
        if (!enabled) {
          return end(disabledReason());
        }
        List<StoredEvent> decisions = input.takeDecisions();
        if (!decisions.isEmpty() && !settle(decisions)) {
          return lost();
        }
        if (modelCalls >= config.iterationCap()) {
          return end(TerminationReason.ITERATION_CAP);
        }
        PromptBuilder.Prompt prompt = prompts.prompt(conversation);
        ChatRequest request = prompts.request(prompt);
        if (!prompts.affordable(request)) {
          return end(TerminationReason.BUDGET_EXHAUSTED);
        }
        modelCalls++;
        CallOutcome outcome = load.whileWaiting(() -> model.complete(request).await());
        step.call(CallRecords.of("wake", request, outcome, reasoner.pricing()));
        if (!(outcome instanceof CallOutcome.Answered answered)) {
          CallOutcome.Failed failed = (CallOutcome.Failed) outcome;
          LOG.warn(
              "model call of wake {} failed after {} attempt(s): {} {}",
              wakeId,
              failed.attempts(),
              failed.kind(),
              failed.message());
          return end(TerminationReason.LLM_ERROR);
        }
        // Only an answered call has shown its input: a failed one leaves it pending.
        conversation.markShown(prompt.firstKeptTurn());
        ChatResponse response = answered.response();
        if (prompts.leaked(response)) {
          LOG.warn("wake {}: the canary appeared in model output; ending the wake", wakeId);
          return end(TerminationReason.PROMPT_INJECTION_SUSPECTED);
        }
        String text = response.content();
        boolean hasText = text != null && !text.isBlank();
        if (hasText) {
          step.add(NewEvent.assistantMessage(text));
        }
        if (response.toolCalls().isEmpty()) {
          if (hasText) {
            conversation.addOwn(new Turn.AssistantText(text));
          }
          if ("stop".equals(response.finishReason())) {
            return end(TerminationReason.COMPLETED);
          }
          // Cut short (length, content filter, a provider's error): the model goes on in the next
          // step, a bounded number of times per wake, since each such call is paid.
          if (++truncatedAnswers >= config.truncatedAnswerCap()) {
            LOG.warn(
                "wake {}: {} answers cut short (last finish_reason {})",
                wakeId,
                truncatedAnswers,
                response.finishReason());
            return end(TerminationReason.TRUNCATED_ANSWER_CAP);
          }
          if (!commit()) {
            return lost();
          }
          continue;
        }
        if (toolCallsRun + response.toolCalls().size() > config.toolCallCap()) {
          return end(TerminationReason.TOOL_CALL_CAP);
        }
        toolCallsRun += response.toolCalls().size();
        for (ToolCall call : response.toolCalls()) {
          int calls = callsPerTool.merge(call.name(), 1, Integer::sum);
          int limit = wakePolicy.limit(call.name());
          if (limit > 0 && calls > limit) {
            LOG.warn("wake {}: {} called more than {} time(s)", wakeId, call.name(), limit);
            return end(
                TerminationReason.TOOL_CALL_LIMIT,
                new JsonObject().put("tool", call.name()).put("limit", limit));
          }
        }
        ToolRunner.Round round =
            load.whileWaiting(
                () -> runner.run(text, response.toolCalls(), scope, step, this::commit, rules));
        if (round == null) {
          return lost();
        }
        conversation.addOwn(round.exchange());
        invalidStreak = round.anyInvalid() ? invalidStreak + 1 : 0;
        if (!round.awaiting().isEmpty()) {
          JsonArray ids = new JsonArray();
          round.awaiting().forEach(id -> ids.add(id.toString()));
          return end(TerminationReason.AWAITING_APPROVAL, new JsonObject().put("approvals", ids));
        }
        if (round.sleep()) {
          return end(TerminationReason.SLEEP);
        }
        if (invalidStreak >= config.invalidResponseCap()) {
          LOG.warn(
              "wake {}: {} consecutive responses with invalid tool calls", wakeId, invalidStreak);
          return end(TerminationReason.LLM_ERROR);
        }
        if (!commit()) {
          return lost();
        }
      }
    }

    private boolean commit() {
      return switch (writeStep(null)) {
        case StepResult.LeaseLost l -> {
          leaseLost = true;
          yield false;
        }
        case StepResult.Committed c -> {
          conversation.observeInboxHead(c.inboxSeq());
          enabled = enabled && c.enabled();
          prompts.budget(c.budgetLimitUsd(), c.budgetSpentUsd());
          yield true;
        }
      };
    }

    private Outcome end(TerminationReason reason) {
      return end(reason, null);
    }

    private Outcome end(TerminationReason reason, JsonObject detail) {
      return writeStep(reason, detail) instanceof StepResult.Committed
          ? new Outcome(agentId, wakeId, reason, modelCalls)
          : lost();
    }

    private StepResult writeStep(TerminationReason end) {
      return writeStep(end, null);
    }

    // The step so far — its model call and events — in one transaction; with an end reason, the
    // end of the wake too (with facts for its wake_end).
    private StepResult writeStep(TerminationReason end, JsonObject detail) {
      // A wake that made no model call has nothing for maintenance to learn: it ends asleep.
      return step.write(end, conversation.seenSeq(), modelCalls > 0, detail);
    }

    // Disabled while awake: by a person's "stop" (semantic stop), or by an operator.
    private TerminationReason disabledReason() {
      return store.wakes().disabledReason(agentId).await().filter("stopped"::equals).isPresent()
          ? TerminationReason.STOPPED
          : TerminationReason.DISABLED;
    }

    // The workspace's secrets for redaction, opened once per wake, when a call first needs them.
    private Redactor redactor() {
      if (redactor == null) {
        redactor = new Redactor(secrets.open(scope));
      }
      return redactor;
    }

    /**
     * Settles the decisions folded in (docs/supervision.md): an approved call runs once — its start
     * committed before it runs, so no wake ever runs it again — and its result is recorded; a
     * denial or an expiry is answered as not run; a call whose earlier run was cut off by a dead
     * worker is answered as interrupted, never run again. The model sees each as its own call with
     * that result. A decision settled by an earlier wake whose result this model has not seen is
     * shown again from the log. Commits the step; false when the lease was lost.
     */
    private boolean settle(List<StoredEvent> decisions) {
      for (StoredEvent decided : decisions) {
        UUID id;
        try {
          id = UUID.fromString(decided.payload().getString("approval_id", ""));
        } catch (IllegalArgumentException e) {
          continue;
        }
        var found = store.wakes().approvalToSettle(agentId, id, decided.seq()).await();
        if (found.isEmpty()) {
          continue;
        }
        WakeRepository.ApprovalToSettle approval = found.get();
        ToolCall call =
            new ToolCall(approval.callId(), approval.toolName(), approval.arguments().encode());
        String output;
        if (approval.settled()) {
          output =
              approval.output() != null
                  ? approval.output()
                  : "error: this call was settled (" + approval.execution() + ") earlier";
        } else {
          ToolOutcome result = settled(approval, call);
          if (result == null) {
            return false;
          }
          output = result.output();
        }
        conversation.addOwn(new Turn.ToolExchange(null, List.of(call), List.of(output)));
      }
      return commit();
    }

    // One decided approval's result, recorded in the step with its settlement; null when the
    // lease was lost.
    private ToolOutcome settled(WakeRepository.ApprovalToSettle approval, ToolCall call) {
      String execution = "answered";
      ToolOutcome result;
      switch (approval.status()) {
        case "approved" -> {
          if (approval.execution() == null) {
            if (!store.wakes().startApproved(agentId, wakeId, approval.id()).await()) {
              // Not ours to run (the lease is gone, or a wake started it meanwhile).
              return leaseLost ? null : ToolOutcome.error("this approved call was not run here");
            }
            execution = "executed";
            result =
                load.whileWaiting(
                    () -> runner.runApproved(call, approval.arguments(), scope, rules));
            if (result.leaseLost()) {
              return null;
            }
            step.addEffects(result.events(), result.timers());
          } else {
            execution = "interrupted";
            result =
                ToolOutcome.error(
                    "the approved call was started by an earlier wake that stopped before its"
                        + " result was recorded; it is not run again. Check whether it took effect"
                        + " before calling it again.");
          }
        }
        case "denied" ->
            result =
                ToolOutcome.error(
                    "an operator denied this call; it did not run"
                        + (approval.note() == null || approval.note().isBlank()
                            ? ""
                            : ". Their note: " + approval.note()));
        default ->
            result =
                ToolOutcome.error(
                    "nobody approved this call before its request expired at "
                        + approval.expiresAt()
                        + "; it did not run");
      }
      result = result.withDetail(new JsonObject().put("approval_id", approval.id().toString()));
      step.add(WakeEvents.toolResult(call, result));
      step.approval(new ApprovalChange.Settle(approval.id(), execution, result.ok()));
      return result;
    }

    private Outcome lost() {
      LOG.warn("wake {} of agent {} lost its lease; it stops without writing", wakeId, agentId);
      return new Outcome(agentId, wakeId, TerminationReason.LEASE_LOST, modelCalls);
    }
  }
}
