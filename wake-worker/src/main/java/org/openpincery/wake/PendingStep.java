package org.openpincery.wake;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.openpincery.model.NewEvent;
import org.openpincery.model.TerminationReason;
import org.openpincery.store.ModelCallRepository.ModelCall;
import org.openpincery.store.Store;
import org.openpincery.store.WakeRepository;
import org.openpincery.store.WakeRepository.ApprovalChange;
import org.openpincery.store.WakeRepository.StepEvent;
import org.openpincery.store.WakeRepository.StepResult;
import org.openpincery.store.WakeRepository.TimerChange;

/**
 * What a wake's step has done and not yet committed — its model call, its events (to the agent
 * itself and to other agents) and its timer changes — written whole, fenced by the wake, in one
 * transaction ({@code pincery_wake_step}), or not at all (ARCHITECTURE.md §3.5).
 */
final class PendingStep {

  private final Store store;
  private final UUID agentId;
  private final UUID wakeId;
  private final WakeWorkerConfig config;
  private final List<StepEvent> events = new ArrayList<>();
  private final List<TimerChange> timers = new ArrayList<>();
  private final List<ApprovalChange> approvals = new ArrayList<>();
  private ModelCall call;

  PendingStep(Store store, UUID agentId, UUID wakeId, WakeWorkerConfig config) {
    this.store = store;
    this.agentId = agentId;
    this.wakeId = wakeId;
    this.config = config;
  }

  /** The step's model call (answered or not). */
  void call(ModelCall modelCall) {
    this.call = modelCall;
  }

  /** An event of the agent's own. */
  void add(NewEvent own) {
    events.add(StepEvent.own(own));
  }

  /** What a tool did: events (messages to other agents among them) and timer changes. */
  void addEffects(List<StepEvent> toolEvents, List<TimerChange> timerChanges) {
    events.addAll(toolEvents);
    timers.addAll(timerChanges);
  }

  /** An approval requested or settled with this step (V18). */
  void approval(ApprovalChange change) {
    approvals.add(change);
  }

  /**
   * Commits the step and, with an end reason, the end of the wake (consuming input up to {@code
   * seenSeq}): to maintenance, or with {@code maintain} false (a wake that made no model call)
   * straight to asleep. The step is empty afterwards either way.
   */
  StepResult write(TerminationReason end, long seenSeq, boolean maintain) {
    return write(end, seenSeq, maintain, null);
  }

  /** As {@link #write(TerminationReason, long, boolean)}, with facts for the wake_end payload. */
  StepResult write(TerminationReason end, long seenSeq, boolean maintain, JsonObject endDetail) {
    StepResult result =
        store
            .wakes()
            .step(
                new WakeRepository.Step(
                    agentId,
                    wakeId,
                    config.lease(),
                    call,
                    List.copyOf(events),
                    end,
                    end == null ? 0 : seenSeq,
                    config.maintenanceLease(),
                    List.copyOf(timers),
                    maintain,
                    List.copyOf(approvals),
                    end == null ? null : endDetail))
            .await();
    events.clear();
    timers.clear();
    approvals.clear();
    call = null;
    return result;
  }
}
