package org.openpincery.wake;

import java.math.BigDecimal;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.openpincery.model.PermissionMode;
import org.openpincery.reasoner.ChatRequest;
import org.openpincery.reasoner.ChatResponse;
import org.openpincery.reasoner.ReasonerConfig;
import org.openpincery.reasoner.ToolSpec;
import org.openpincery.reasoner.prompt.PromptBuilder;
import org.openpincery.reasoner.prompt.WakeSecrets;
import org.openpincery.reasoner.tools.ToolCatalog;
import org.openpincery.store.WakeRepository.WakeContext;

/**
 * What one wake shows the model and what it may spend on it: each step's request (system template,
 * identity, work list, recent summaries, recalled memories, the conversation within the prompt
 * budget, the tools), the canary check on the answer (ARCHITECTURE.md §3.6), and the budget check
 * against a call's worst case before it is made.
 */
final class WakePrompt {

  static final String SYSTEM_TEMPLATE =
      """
      You are a continuous agent of Open Pincery: your identity and work list persist between \
      wakes. You wake when something arrives (a message from a person or another agent, a webhook, \
      a timer you set) and sleep again when you are done. Act with your tools. When there is \
      nothing more to do now, call the sleep tool or answer with plain text.""";

  private final WakeContext context;
  private final ReasonerConfig reasoner;
  private final WakeWorkerConfig config;
  private final ToolCatalog catalog;
  private final String system;
  private final Clock clock;
  private final String memories;
  private final WakeSecrets secrets = WakeSecrets.random();
  private BigDecimal budgetLimit;
  private BigDecimal budgetSpent;

  WakePrompt(
      WakeContext context,
      ReasonerConfig reasoner,
      WakeWorkerConfig config,
      ToolCatalog catalog,
      ToolPolicy policy,
      Clock clock) {
    this(context, reasoner, config, catalog, policy, clock, "", "");
  }

  /**
   * @param mcpNote for the system message: the remote MCP servers this wake could not reach
   *     (docs/mcp.md), or empty
   * @param memories the memories recalled for this wake ({@link MemoryRecall}), or empty
   */
  WakePrompt(
      WakeContext context,
      ReasonerConfig reasoner,
      WakeWorkerConfig config,
      ToolCatalog catalog,
      ToolPolicy policy,
      Clock clock,
      String mcpNote,
      String memories) {
    this.system =
        SYSTEM_TEMPLATE
            + "\n\n"
            + modeRule(context.permissionMode(), catalog, policy)
            + mcpNote
            + awaiting(context.awaitingApproval());
    this.context = context;
    this.reasoner = reasoner;
    this.config = config;
    this.catalog = catalog;
    this.clock = clock;
    this.memories = memories;
    this.budgetLimit = context.budgetLimitUsd();
    this.budgetSpent = context.budgetSpentUsd();
  }

  /** The prompt of the next step over the conversation so far. */
  PromptBuilder.Prompt prompt(Conversation conversation) {
    return PromptBuilder.assemble(
        new PromptBuilder.Context(
            system,
            clock.instant(),
            context.identity() == null ? defaultIdentity() : context.identity(),
            context.workList() == null ? "(empty)" : context.workList(),
            context.recentSummaries(),
            memories),
        conversation.turns(),
        secrets,
        config.maxPromptChars());
  }

  /** The step's request for {@code prompt}. */
  ChatRequest request(PromptBuilder.Prompt prompt) {
    return new ChatRequest(
        reasoner.model(), prompt.messages(), catalog.specs(), reasoner.maxTokens(), "wake");
  }

  /** Whether the budget left covers the request's worst case (always, with no limit). */
  boolean affordable(ChatRequest request) {
    if (budgetLimit == null) {
      return true;
    }
    BigDecimal worst = reasoner.pricing().worstCase(request.promptChars(), request.maxTokens());
    return worst.compareTo(budgetLimit.subtract(budgetSpent)) <= 0;
  }

  /** The budget as a committed step left it (null limit = unlimited). */
  void budget(BigDecimal limitUsd, BigDecimal spentUsd) {
    this.budgetLimit = limitUsd;
    this.budgetSpent = spentUsd;
  }

  /** Whether the answer repeats the wake's canary, in its text or any tool call. */
  boolean leaked(ChatResponse response) {
    if (secrets.leakedIn(response.content())) {
      return true;
    }
    return response.toolCalls().stream()
        .anyMatch(c -> secrets.leakedIn(c.arguments()) || secrets.leakedIn(c.name()));
  }

  // What the agent's permission mode means for its tools, in the system message: the model learns
  // which calls will wait or be refused before it makes them.
  static String modeRule(PermissionMode mode, ToolCatalog catalog, ToolPolicy policy) {
    List<String> waiting = new ArrayList<>();
    List<String> refused = new ArrayList<>();
    for (ToolSpec spec : catalog.specs()) {
      switch (policy.verdict(mode, spec.name())) {
        case NEEDS_APPROVAL -> waiting.add(spec.name());
        case REFUSED -> refused.add(spec.name());
        case RUN -> {}
      }
    }
    StringBuilder rule =
        new StringBuilder("Your permission mode is ").append(mode.wire()).append('.');
    if (!refused.isEmpty()) {
      rule.append(" These tools are refused in it: ")
          .append(String.join(", ", refused))
          .append('.');
    }
    if (!waiting.isEmpty()) {
      rule.append(" Calls of ")
          .append(String.join(", ", waiting))
          .append(
              " wait for a person's approval: the wake ends when you make one, and you are woken"
                  + " with the decision.");
    }
    if (refused.isEmpty() && waiting.isEmpty()) {
      rule.append(" Your tools run without asking.");
    }
    return rule.toString();
  }

  // The calls still waiting for a person, so that the model does not ask for them again.
  private static String awaiting(List<String> calls) {
    return calls.isEmpty()
        ? ""
        : " Waiting for a person's decision: "
            + String.join("; ", calls)
            + ". Do not make these calls again; you will be woken with each decision.";
  }

  private String defaultIdentity() {
    return "You are " + context.name() + ", a new agent. Nothing is known about you yet.";
  }
}
