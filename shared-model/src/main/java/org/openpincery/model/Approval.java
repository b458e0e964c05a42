package org.openpincery.model;

import io.vertx.core.json.JsonObject;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;

/**
 * A request to run one gated tool call, and what became of it (table {@code approvals}, V18), as
 * the operator API shows it.
 *
 * @param agentName the agent's name now (a deleted agent's too)
 * @param callId the model's id of the gated tool call, unique within its wake
 * @param arguments the arguments the call was validated with and runs with if approved, exactly
 * @param status {@code pending}, {@code approved}, {@code denied} or {@code expired}
 * @param decidedBy the user who approved or denied it; null while pending and for an expiry
 * @param decidedAt when it was decided or recorded expired; null while pending
 * @param note the decider's note (at most 2000 characters), or null
 * @param execution what the agent's next wake did with the decision: null (not yet), {@code
 *     running}, {@code executed}, {@code interrupted} or {@code answered}
 * @param settledAt when the execution was settled (null while null or running)
 * @param resultOk whether the settled call's result was a success; null until settled
 */
public record Approval(
    UUID id,
    UUID workspaceId,
    UUID agentId,
    String agentName,
    UUID wakeId,
    String callId,
    String tool,
    Capability capability,
    JsonObject arguments,
    String status,
    OffsetDateTime requestedAt,
    OffsetDateTime expiresAt,
    UUID decidedBy,
    OffsetDateTime decidedAt,
    String note,
    String execution,
    OffsetDateTime settledAt,
    Boolean resultOk) {

  /** The statuses, as the {@code approvals_status_known} constraint names them. */
  public static final List<String> STATUSES = List.of("pending", "approved", "denied", "expired");

  /** The longest note a decision takes ({@code approvals_note_length}). */
  public static final int MAX_NOTE_CHARS = 2000;

  public boolean pending() {
    return "pending".equals(status);
  }
}
