package org.openpincery.wake.tools;

import io.vertx.core.Future;
import java.time.Duration;
import java.util.UUID;
import org.openpincery.memory.MemoryResults;
import org.openpincery.memory.MemorySearch;
import org.openpincery.memory.SearchMode;
import org.openpincery.store.MemoryQuery;
import org.openpincery.store.MemoryRepository;

/**
 * Agents' memory as a wake worker reaches it (docs/memory.md): the search, whose query embedder
 * (its own small pool, never an event loop) the worker's wakes share, over the store's index.
 *
 * @param searcher ranks by text, meaning or both
 * @param index the memory index in the store
 * @param queryTimeout {@code MEMORY_QUERY_TIMEOUT_MS}: how long {@code search_memory} waits for its
 *     query's embedding before it ranks by text alone
 */
public record MemoryAccess(MemorySearch searcher, MemoryRepository index, Duration queryTimeout) {

  /**
   * Searches one agent's memory; a search that cannot start is a failed future, like one that fails
   * in the store.
   *
   * @param embedTimeout how long to wait for the query's embedding before ranking by text alone
   */
  public Future<MemoryResults> search(
      UUID agentId, MemoryQuery query, SearchMode mode, Duration embedTimeout) {
    return search(agentId, query, mode, embedTimeout, -1);
  }

  /**
   * As {@link #search(UUID, MemoryQuery, SearchMode, Duration)}, keeping only semantic hits at
   * least {@code minSimilarity} alike (cosine).
   */
  public Future<MemoryResults> search(
      UUID agentId,
      MemoryQuery query,
      SearchMode mode,
      Duration embedTimeout,
      double minSimilarity) {
    try {
      return searcher.search(index, agentId, query, mode, embedTimeout, minSimilarity);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }
}
