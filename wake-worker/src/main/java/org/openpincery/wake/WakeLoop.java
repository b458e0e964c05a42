package org.openpincery.wake;

import io.vertx.core.Vertx;
import java.time.Clock;
import java.util.List;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.openpincery.model.NewEvent;
import org.openpincery.model.TerminationReason;
import org.openpincery.reasoner.CallOutcome;
import org.openpincery.reasoner.CallRecords;
import org.openpincery.reasoner.ChatClient;
import org.openpincery.reasoner.ChatRequest;
import org.openpincery.reasoner.ChatResponse;
import org.openpincery.reasoner.ReasonerConfig;
import org.openpincery.reasoner.prompt.PromptBuilder;
import org.openpincery.reasoner.prompt.Turn;
import org.openpincery.reasoner.tools.ToolCatalog;
import org.openpincery.store.ClaimResult;
import org.openpincery.store.HeartbeatResult;
import org.openpincery.store.Store;
import org.openpincery.store.WakeRepository;
import org.openpincery.store.WakeRepository.StepResult;
import org.openpincery.wake.tools.ToolExecutor;
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
  private final ToolRunner toolRunner;
  private final Clock clock;
  private final BooleanSupplier stopping;
  private final WakeMetrics metrics;
  private final BusyWakes busy = new BusyWakes();

  WakeLoop(
      Vertx vertx,
      Store store,
      ChatClient model,
      ReasonerConfig reasoner,
      WakeWorkerConfig config,
      ToolCatalog catalog,
      List<ToolExecutor> executors,
      Clock clock,
      BooleanSupplier stopping,
      WakeMetrics metrics) {
    this.vertx = vertx;
    this.store = store;
    this.model = model;
    this.reasoner = reasoner;
    this.config = config;
    this.catalog = catalog;
    this.toolRunner = new ToolRunner(catalog, executors, metrics);
    this.clock = clock;
    this.stopping = stopping;
    this.metrics = metrics;
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
    private ToolScope scope;
    private final Conversation conversation;
    private final WakeInput input;
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
      this.conversation = new Conversation(claimed.consumedSeq(), claimed.inboxSeq());
      this.step = new PendingStep(store, agentId, wakeId, config);
      this.input = new WakeInput(store, agentId, conversation);
    }

    Outcome run() {
      WakeRepository.WakeContext context = input.start(config.summaryLimit());
      prompts = new WakePrompt(context, reasoner, config, catalog, clock);
      scope = new ToolScope(agentId, context.name(), context.workspaceId(), wakeId, store, clock);
      long heartbeat =
          vertx.setPeriodic(Math.max(1000, config.lease().toMillis() / 3), id -> heartbeat());
      try {
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
          return end(TerminationReason.DISABLED);
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
        ToolRunner.Round round =
            load.whileWaiting(
                () -> toolRunner.run(text, response.toolCalls(), scope, step, this::commit));
        if (round == null) {
          return lost();
        }
        conversation.addOwn(round.exchange());
        invalidStreak = round.anyInvalid() ? invalidStreak + 1 : 0;
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
      return writeStep(reason) instanceof StepResult.Committed
          ? new Outcome(agentId, wakeId, reason, modelCalls)
          : lost();
    }

    // The step so far — its model call and events — in one transaction; with an end reason, the
    // end of the wake too.
    private StepResult writeStep(TerminationReason end) {
      // A wake that made no model call has nothing for maintenance to learn: it ends asleep.
      return step.write(end, conversation.seenSeq(), modelCalls > 0);
    }

    private Outcome lost() {
      LOG.warn("wake {} of agent {} lost its lease; it stops without writing", wakeId, agentId);
      return new Outcome(agentId, wakeId, TerminationReason.LEASE_LOST, modelCalls);
    }
  }
}
