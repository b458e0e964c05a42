package org.openpincery.model;

import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.util.UUID;

/**
 * An agent as the operator API shows it.
 *
 * @param budgetLimitUsd {@code null} when the budget is explicitly unlimited
 * @param deletedAt when the agent was (soft-)deleted, else {@code null}; a deleted agent keeps its
 *     log and projections, is disabled with reason {@code deleted}, and takes no new input
 * @param permissionMode what the agent may do without a person (V18)
 */
public record AgentView(
    UUID id,
    UUID workspaceId,
    String name,
    AgentStatus status,
    boolean enabled,
    String disabledReason,
    BigDecimal budgetLimitUsd,
    BigDecimal budgetSpentUsd,
    long eventSeq,
    long inboxSeq,
    long consumedSeq,
    OffsetDateTime createdAt,
    OffsetDateTime updatedAt,
    OffsetDateTime deletedAt,
    PermissionMode permissionMode) {

  /** The reason a semantic stop (a person's message "stop") disables an agent with (V18). */
  public static final String STOPPED = "stopped";

  public boolean deleted() {
    return deletedAt != null;
  }

  /** Stopped by a person's "stop" until a "carry on" (see {@link SemanticStop}). */
  public boolean stopped() {
    return STOPPED.equals(disabledReason);
  }
}
