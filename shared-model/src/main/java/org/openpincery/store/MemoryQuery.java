package org.openpincery.store;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;
import org.openpincery.model.EventType;

/**
 * What to look for in an agent's memory (docs/memory.md).
 *
 * @param text the query: words, a phrase in quotes, {@code -word} to exclude, {@code or} (web
 *     search syntax of PostgreSQL's {@code websearch_to_tsquery}), or a name or identifier matched
 *     by trigram similarity; 1 to {@value #MAX_TEXT_CHARS} characters
 * @param since only events at or after this instant, or {@code null} for the whole log
 * @param types only these event types (wire names), or empty for every indexed type
 * @param limit how many hits at most, 1 to {@value #MAX_LIMIT}
 */
public record MemoryQuery(String text, Instant since, Set<String> types, int limit) {

  /**
   * The event types the memory index holds (V21's trigger and {@code pincery_memory_text}; a test
   * keeps them equal), as wire names: a {@code types} filter naming another type is a mistake.
   */
  public static final List<String> INDEXED_TYPES =
      Stream.of(
              EventType.MESSAGE_RECEIVED,
              EventType.AGENT_MESSAGE_RECEIVED,
              EventType.WEBHOOK_RECEIVED,
              EventType.TIMER_FIRED,
              EventType.ASSISTANT_MESSAGE,
              EventType.MESSAGE_SENT,
              EventType.TOOL_RESULT,
              EventType.MAINTENANCE_COMPLETED,
              EventType.MEMORY_REMEMBERED)
          .map(EventType::wire)
          .toList();

  /** The longest query text accepted. */
  public static final int MAX_TEXT_CHARS = 500;

  /** The most hits one search returns. */
  public static final int MAX_LIMIT = 50;

  public MemoryQuery {
    Objects.requireNonNull(text, "text");
    if (text.isBlank() || text.length() > MAX_TEXT_CHARS) {
      throw new IllegalArgumentException(
          "a memory query is 1 to " + MAX_TEXT_CHARS + " characters, not blank");
    }
    if (limit < 1 || limit > MAX_LIMIT) {
      throw new IllegalArgumentException("limit must be 1 to " + MAX_LIMIT + ", was " + limit);
    }
    types = Set.copyOf(types);
  }

  /** The same query with another limit (a ranking that fuses lists asks each for more). */
  public MemoryQuery withLimit(int newLimit) {
    return new MemoryQuery(text, since, types, Math.min(newLimit, MAX_LIMIT));
  }
}
