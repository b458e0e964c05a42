package org.openpincery.wake;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.UUID;
import org.openpincery.config.Env;
import org.openpincery.memory.MemoryConfig;
import org.openpincery.wake.mcp.McpSettings;

/**
 * Settings of a wake worker.
 *
 * @param owner who holds the leases this worker takes (host, pid and a random part)
 * @param concurrency {@code WAKE_CONCURRENCY}: wakes run at once
 * @param cpuConcurrency {@code WAKE_CPU_CONCURRENCY}: of those, how many may be busy (building a
 *     prompt, committing a step — anything but waiting on the model or a tool) before the worker
 *     claims no new wake; default {@code concurrency} (no further limit), and the number of cores
 *     where every tier shares one process (standalone). A model that answers at once then makes
 *     wakes queue as pending agents (which fold more input each) instead of taking every core from
 *     the API; a slow model, whose wakes mostly wait, is not held back
 * @param poll {@code WAKE_POLL_MILLIS}: how often pending work is looked for without a notification
 * @param lease {@code WAKE_LEASE_SECONDS}: a wake's lease; every step and a timer extend it
 * @param maintenanceLease {@code MAINTENANCE_LEASE_SECONDS}: time given to maintenance after a wake
 * @param iterationCap {@code ITERATION_CAP}: model calls per wake
 * @param toolCallCap {@code TOOL_CALL_CAP}: tool calls per wake
 * @param truncatedAnswerCap {@code TRUNCATED_ANSWER_CAP}: text answers cut short (a finish reason
 *     other than {@code stop}, such as {@code length} or {@code content_filter}) that end the wake
 *     with {@code truncated_answer_cap}; until then each is asked to go on
 * @param invalidResponseCap {@code INVALID_RESPONSE_CAP}: consecutive responses with an invalid
 *     tool call that end the wake
 * @param maxPromptChars {@code MAX_PROMPT_CHARS}: the prompt's character budget
 * @param summaryLimit {@code WAKE_SUMMARY_LIMIT}: recent wake summaries shown in the prompt
 * @param shutdownGrace {@code WAKE_SHUTDOWN_GRACE_SECONDS}: how long a stopping worker lets running
 *     wakes reach a step boundary and end with {@code shutdown}
 * @param supervision {@code TOOL_CAPABILITIES}, {@code TOOL_CALL_LIMITS}, {@code
 *     APPROVAL_TTL_SECONDS}: tool classes, per-tool limits and how long approvals wait
 * @param mcp {@code MCP_LIST_TIMEOUT_SECONDS}, {@code MCP_CALL_TIMEOUT_SECONDS}, {@code
 *     MCP_OUTPUT_CAP_BYTES}, {@code MCP_ALLOW_HTTP}: remote MCP servers' tools (docs/mcp.md)
 * @param memory {@code MEMORY_EMBEDDINGS}, {@code MEMORY_QUERY_TIMEOUT_MS}, …: the memory search
 *     behind {@code search_memory} and automatic recall (docs/memory.md)
 * @param recall {@code MEMORY_RECALL_LIMIT}, {@code MEMORY_RECALL_CHARS}, {@code
 *     MEMORY_RECALL_TIMEOUT_MS}: the memories recalled into each wake's prompt
 */
public record WakeWorkerConfig(
    String owner,
    int concurrency,
    int cpuConcurrency,
    Duration poll,
    Duration lease,
    Duration maintenanceLease,
    int iterationCap,
    int toolCallCap,
    int truncatedAnswerCap,
    int invalidResponseCap,
    int maxPromptChars,
    int summaryLimit,
    Duration shutdownGrace,
    ToolPolicy.Settings supervision,
    McpSettings mcp,
    MemoryConfig memory,
    MemoryRecall.Settings recall) {

  /** The settings of a wake worker with a process of its own. */
  public static WakeWorkerConfig from(Env env) {
    return from(env, 0);
  }

  /**
   * The settings, with {@code defaultCpuConcurrency} as the default of {@code WAKE_CPU_CONCURRENCY}
   * (0: the same as {@code WAKE_CONCURRENCY}).
   */
  public static WakeWorkerConfig from(Env env, int defaultCpuConcurrency) {
    int concurrency = env.integer("WAKE_CONCURRENCY", 32, 1, 4096);
    return new WakeWorkerConfig(
        owner("wake"),
        concurrency,
        env.integer(
            "WAKE_CPU_CONCURRENCY",
            defaultCpuConcurrency > 0 ? defaultCpuConcurrency : concurrency,
            1,
            4096),
        Duration.ofMillis(env.integer("WAKE_POLL_MILLIS", 1000, 10, 60_000)),
        env.seconds("WAKE_LEASE_SECONDS", Duration.ofSeconds(30), 3, 3600),
        env.seconds("MAINTENANCE_LEASE_SECONDS", Duration.ofSeconds(30), 3, 3600),
        env.integer("ITERATION_CAP", 50, 1, 1000),
        env.integer("TOOL_CALL_CAP", 32, 1, 1000),
        env.integer("TRUNCATED_ANSWER_CAP", 2, 1, 100),
        env.integer("INVALID_RESPONSE_CAP", 3, 1, 100),
        env.integer("MAX_PROMPT_CHARS", 120_000, 2_000, 10_000_000),
        env.integer("WAKE_SUMMARY_LIMIT", 20, 0, 1000),
        env.seconds("WAKE_SHUTDOWN_GRACE_SECONDS", Duration.ofSeconds(10), 0, 600),
        ToolPolicy.Settings.from(env),
        McpSettings.from(env),
        MemoryConfig.from(env),
        MemoryRecall.Settings.from(env));
  }

  /** A lease owner name that says which process holds a lease. */
  public static String owner(String tier) {
    return tier
        + "@"
        + ManagementFactory.getRuntimeMXBean().getName()
        + "/"
        + UUID.randomUUID().toString().substring(0, 8);
  }
}
