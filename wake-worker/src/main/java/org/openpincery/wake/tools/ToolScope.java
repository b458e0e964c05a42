package org.openpincery.wake.tools;

import java.time.Clock;
import java.util.UUID;
import org.openpincery.store.Store;

/**
 * Who is calling a tool: the agent, its wake and workspace, and what tools may use.
 *
 * @param memory agents' memory (docs/memory.md), shared by the worker's wakes
 */
public record ToolScope(
    UUID agentId,
    String agentName,
    UUID workspaceId,
    UUID wakeId,
    Store store,
    Clock clock,
    MemoryAccess memory) {}
