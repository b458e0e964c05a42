package org.openpincery.model;

import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.util.UUID;

/**
 * An agent as the operator API shows it.
 *
 * @param budgetLimitUsd {@code null} when the budget is explicitly unlimited
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
    OffsetDateTime updatedAt) {}
