package org.openpincery.store;

import java.util.UUID;

/**
 * What the reaper did with a lease that expired: a wake ended ({@code awake}), a maintenance pass
 * put back in the queue ({@code maintenance_requeued}), or one ended after three takes ({@code
 * maintenance}).
 *
 * @param pendingWork whether the agent has work waiting (a wake notification was sent)
 */
public record Reaped(UUID agentId, UUID wakeId, String phase, boolean pendingWork) {

  /** The pass went back to the queue for another maintenance worker. */
  public boolean requeued() {
    return phase.equals("maintenance_requeued");
  }
}
