package org.openpincery.wake.tools;

import java.time.Clock;
import java.time.Duration;
import java.util.UUID;
import org.openpincery.memory.MemorySearch;
import org.openpincery.store.Store;

/**
 * Who is calling a tool: the agent, its wake and workspace, and what tools may use.
 *
 * @param memory the agent's memory search (docs/memory.md), shared by the worker's wakes
 * @param memoryTimeout how long {@code search_memory} waits for its query's embedding ({@code
 *     MEMORY_QUERY_TIMEOUT_MS}) before it ranks by text alone
 */
public record ToolScope(
    UUID agentId,
    String agentName,
    UUID workspaceId,
    UUID wakeId,
    Store store,
    Clock clock,
    MemorySearch memory,
    Duration memoryTimeout) {}
