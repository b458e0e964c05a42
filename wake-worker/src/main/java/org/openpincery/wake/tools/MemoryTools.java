package org.openpincery.wake.tools;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.openpincery.memory.MemoryResults;
import org.openpincery.memory.SearchMode;
import org.openpincery.model.Capability;
import org.openpincery.model.EventType;
import org.openpincery.model.NewEvent;
import org.openpincery.store.MemoryHit;
import org.openpincery.store.MemoryQuery;
import org.openpincery.store.WakeRepository.StepEvent;

/**
 * The agent's memory tools (docs/memory.md): {@code search_memory} ({@code read_local}) searches
 * everything in its log that the memory index holds, ranked by words and meaning; {@code remember}
 * ({@code write_local}) keeps a fact as a {@code memory_remembered} event, written with the step
 * that records the call, so it is in the log and the hash chain like any other act and is indexed
 * the moment the step commits.
 */
final class MemoryTools {

  /** Hits {@code search_memory} returns when the call gives no {@code limit}. */
  static final int DEFAULT_LIMIT = 10;

  private MemoryTools() {}

  static List<ToolExecutor> all() {
    return List.of(
        StandardTools.tool("search_memory", Capability.READ_LOCAL, MemoryTools::search),
        new ToolExecutor() {
          @Override
          public String name() {
            return "remember";
          }

          @Override
          public Capability capability() {
            return Capability.WRITE_LOCAL;
          }

          // The fact is kept verbatim: it is given with the workspace's secrets redacted.
          @Override
          public boolean recordsArguments() {
            return true;
          }

          @Override
          public ToolOutcome run(ToolScope scope, JsonObject arguments) {
            return remember(scope, arguments);
          }
        });
  }

  /**
   * The hits as a JSON array of {@code {seq, event_type, created_at, snippet}}, best first; the
   * model sees it as a tool result, wrapped as untrusted text. Hybrid ranking; when the query's
   * embedding is off, late or failed, text ranking alone (the result's detail says why).
   */
  static ToolOutcome search(ToolScope scope, JsonObject args) {
    String query = args.getString("query", "").strip();
    if (query.isEmpty()) {
      return ToolOutcome.error("'query' must hold words to look for");
    }
    Instant since = null;
    if (args.containsKey("since")) {
      try {
        since = OffsetDateTime.parse(args.getString("since")).toInstant();
      } catch (DateTimeParseException e) {
        return ToolOutcome.error("'since' must be an RFC 3339 time such as 2026-01-31T09:00:00Z");
      }
    }
    Set<String> types = new LinkedHashSet<>();
    JsonArray given = args.getJsonArray("types");
    if (given != null) {
      given.forEach(t -> types.add(String.valueOf(t)));
    }
    int limit = args.getInteger("limit", DEFAULT_LIMIT);
    MemoryResults results =
        scope
            .memory()
            .search(
                scope.agentId(),
                new MemoryQuery(query, since, types, limit),
                SearchMode.HYBRID,
                scope.memory().queryTimeout())
            .await();
    JsonArray hits = new JsonArray();
    for (MemoryHit hit : results.hits()) {
      hits.add(
          new JsonObject()
              .put("seq", hit.seq())
              .put("event_type", hit.eventType())
              .put("created_at", hit.createdAt().toString())
              .put("snippet", hit.snippet()));
    }
    JsonObject detail =
        new JsonObject()
            .put("mode", results.mode().wire())
            .put("semantic", results.semanticUsed())
            .put("hits", hits.size());
    results.degraded().ifPresent(why -> detail.put("degraded", why));
    return ToolOutcome.ok(hits.encode()).withDetail(detail);
  }

  /** Keeps {@code text} (with its {@code tags}) as a {@code memory_remembered} event. */
  static ToolOutcome remember(ToolScope scope, JsonObject args) {
    String text = args.getString("text", "").strip();
    if (text.isEmpty()) {
      return ToolOutcome.error("'text' must hold the fact to remember");
    }
    Set<String> tags = new LinkedHashSet<>();
    JsonArray given = args.getJsonArray("tags");
    if (given != null) {
      given.forEach(
          t -> {
            String tag = String.valueOf(t).strip();
            if (!tag.isEmpty()) {
              tags.add(tag);
            }
          });
    }
    NewEvent remembered =
        NewEvent.of(EventType.MEMORY_REMEMBERED, "agent", text)
            .withPayload(new JsonObject().put("tags", new JsonArray(List.copyOf(tags))));
    return new ToolOutcome(
        "remembered (with this step); search_memory finds it from now on",
        true,
        List.of(StepEvent.own(remembered)),
        false,
        false);
  }
}
