package org.openpincery.gateway;

import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.openpincery.model.EventType;
import org.openpincery.model.NewEvent;
import org.openpincery.model.TerminationReason;
import org.openpincery.store.ClaimResult;
import org.openpincery.store.WakeRepository.ApprovalChange;
import org.openpincery.store.WakeRepository.Step;
import org.openpincery.store.WakeRepository.StepEvent;

/**
 * Approval requests made the way a supervised wake makes them: the agent is claimed through the
 * real claim path, and one step records each gated call's request with its {@code
 * approval_requested} event and ends the wake with {@code awaiting_approval} (V18's wake step).
 */
final class GatedCalls {

  private GatedCalls() {}

  /** One gated call of {@code tool} with {@code arguments}; its approval id. */
  static UUID request(GatewayFixture api, UUID agent, String tool, JsonObject arguments) {
    return request(api, agent, Duration.ofHours(1), List.of(tool), arguments).getFirst();
  }

  /**
   * One wake that asks for an approval of each of {@code tools} (all with {@code arguments}), each
   * expiring {@code ttl} after the step; their approval ids, in order.
   */
  static List<UUID> request(
      GatewayFixture api, UUID agent, Duration ttl, List<String> tools, JsonObject arguments) {
    var claimed =
        (ClaimResult.Claimed)
            api.store.lifecycle().claim(agent, "test-wake", Duration.ofMinutes(1)).await();
    List<UUID> ids = new ArrayList<>();
    List<ApprovalChange> requests = new ArrayList<>();
    List<StepEvent> events = new ArrayList<>();
    for (String tool : tools) {
      UUID id = UUID.randomUUID();
      String callId = "call_" + id.toString().substring(0, 8);
      ids.add(id);
      requests.add(new ApprovalChange.Request(id, callId, tool, "external", arguments.copy(), ttl));
      events.add(
          StepEvent.own(
              NewEvent.of(EventType.APPROVAL_REQUESTED, "runtime", null)
                  .withPayload(
                      new JsonObject()
                          .put("approval_id", id.toString())
                          .put("call_id", callId)
                          .put("tool", tool)
                          .put("capability", "external")
                          .put("arguments", arguments.copy())
                          .put("approvers", "operator"))));
    }
    api.store
        .wakes()
        .step(
            new Step(
                agent,
                claimed.wakeId(),
                Duration.ofMinutes(1),
                null,
                events,
                TerminationReason.AWAITING_APPROVAL,
                claimed.inboxSeq(),
                Duration.ofMinutes(1),
                List.of(),
                false,
                requests,
                new JsonObject()
                    .put(
                        "approvals",
                        new io.vertx.core.json.JsonArray(
                            ids.stream().map(UUID::toString).toList()))))
        .await();
    return ids;
  }
}
