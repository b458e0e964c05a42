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
    OffsetDateTime deletedAt) {

  public boolean deleted() {
    return deletedAt != null;
  }
}
