package org.openpincery.store;

import java.util.UUID;

/**
 * A wake or maintenance pass ended by the reaper because its lease expired.
 *
 * @param phase {@code awake} or {@code maintenance}
 * @param pendingWork whether the agent has work waiting (a wake notification was sent)
 */
public record Reaped(UUID agentId, UUID wakeId, String phase, boolean pendingWork) {}
