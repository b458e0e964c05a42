package org.openpincery.gateway;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.openpincery.memory.MemoryResults;
import org.openpincery.memory.MemorySearch;
import org.openpincery.memory.SearchMode;
import org.openpincery.model.StorableText;
import org.openpincery.store.MemoryHit;
import org.openpincery.store.MemoryQuery;

/**
 * Searching an agent's memory (issue 16, docs/memory.md): the index the store keeps over its event
 * log, by words (full text and trigram), by meaning (embeddings) or both fused.
 */
final class MemoryHandlers {

  static final int DEFAULT_LIMIT = 10;

  /**
   * The event types the memory index holds: a {@code types} filter naming another type is a
   * mistake, refused rather than answered with nothing.
   */
  static final Set<String> INDEXED_TYPES = Set.copyOf(MemoryQuery.INDEXED_TYPES);

  private final EventHandlers owners;
  private final MemorySearch searches;
  private final Duration embedTimeout;

  /**
   * @param owners checks that the agent is the caller's workspace's (else 404)
   * @param searches runs each search over the request's workspace-scoped memory repository
   *     (row-level security confines it to the caller's workspace), with one query embedder for all
   *     requests
   * @param embedTimeout how long a query's embedding may take before the search goes on without
   *     semantic ranking ({@code MEMORY_QUERY_TIMEOUT_MS})
   */
  MemoryHandlers(EventHandlers owners, MemorySearch searches, Duration embedTimeout) {
    this.owners = owners;
    this.searches = searches;
    this.embedTimeout = embedTimeout;
  }

  /**
   * GET /api/agents/:id/memory/search?q&mode&since&types&limit: the agent's events that match
   * {@code q}, best first, as {@code {query, mode, semantic, degraded, hits: [{seq, event_type,
   * created_at, snippet, score}]}}. {@code semantic} says whether embeddings took part in the
   * ranking; {@code degraded} says why not when the mode asked for them (null otherwise). A snippet
   * is untrusted text (what people, webhooks, tools or the model wrote). 400 {@code
   * invalid_request} for a missing, blank or over-long {@code q} (or one holding U+0000 or an
   * unpaired surrogate) and a bad {@code mode}, {@code since}, {@code types} or {@code limit}; 404
   * for an agent of another workspace.
   */
  void search(RoutingContext ctx) {
    UUID id = AgentHandlers.agentId(ctx);
    MemoryQuery query = query(ctx);
    SearchMode mode = mode(ctx);
    owners
        .ownedBy(ctx, id)
        .compose(v -> searches.search(Scopes.of(ctx).memory(), id, query, mode, embedTimeout))
        .onSuccess(results -> Responses.json(ctx, 200, json(query, results)))
        .onFailure(ctx::fail);
  }

  /**
   * POST /api/agents/:id/memory/rebuild: re-derives the agent's memory index from its event log,
   * seq 1 onward (after a restore, or to have every entry embedded again); answers {@code
   * {"entries": n}}, the entries written. Their embeddings are computed again by the memory
   * indexer; text search works at once. 404 for an agent of another workspace.
   */
  void rebuild(RoutingContext ctx) {
    UUID id = AgentHandlers.agentId(ctx);
    owners
        .ownedBy(ctx, id)
        .compose(v -> Scopes.of(ctx).memory().rebuild(id))
        .onSuccess(n -> Responses.json(ctx, 200, new JsonObject().put("entries", n)))
        .onFailure(ctx::fail);
  }

  private static MemoryQuery query(RoutingContext ctx) {
    String text = ctx.request().getParam("q");
    if (text == null || text.isBlank()) {
      throw ApiError.badRequest("'q' is required: the words or phrase to look for");
    }
    if (text.length() > MemoryQuery.MAX_TEXT_CHARS) {
      throw ApiError.badRequest("'q' is at most " + MemoryQuery.MAX_TEXT_CHARS + " characters");
    }
    // PostgreSQL cannot take it as text: refused here rather than failing the query.
    StorableText.problem(text)
        .ifPresent(
            problem -> {
              throw ApiError.badRequest("'q' contains " + problem + ", which cannot be searched");
            });
    int limit = EventHandlers.intParam(ctx, "limit", DEFAULT_LIMIT, 1, MemoryQuery.MAX_LIMIT);
    return new MemoryQuery(text, since(ctx), types(ctx), limit);
  }

  private static SearchMode mode(RoutingContext ctx) {
    String raw = ctx.request().getParam("mode");
    if (raw == null) {
      return SearchMode.HYBRID;
    }
    return SearchMode.fromWire(raw)
        .orElseThrow(
            () -> ApiError.badRequest("'mode' must be one of hybrid, text, semantic; got " + raw));
  }

  private static Instant since(RoutingContext ctx) {
    String raw = ctx.request().getParam("since");
    if (raw == null) {
      return null;
    }
    try {
      return OffsetDateTime.parse(raw).toInstant();
    } catch (DateTimeParseException e) {
      throw ApiError.badRequest(
          "'since' must be an ISO-8601 time with an offset, such as 2026-01-31T12:00:00Z");
    }
  }

  private static Set<String> types(RoutingContext ctx) {
    List<String> params = ctx.queryParam("types");
    Set<String> types = new LinkedHashSet<>();
    for (String param : params) {
      for (String type : param.split(",", -1)) {
        String t = type.strip();
        if (!INDEXED_TYPES.contains(t)) {
          throw ApiError.badRequest(
              "'types' is a comma-separated list of indexed event types ("
                  + String.join(", ", INDEXED_TYPES.stream().sorted().toList())
                  + "); '"
                  + t
                  + "' is not one");
        }
        types.add(t);
      }
    }
    return types;
  }

  private static JsonObject json(MemoryQuery query, MemoryResults results) {
    JsonArray hits = new JsonArray();
    for (MemoryHit hit : results.hits()) {
      hits.add(
          new JsonObject()
              .put("seq", hit.seq())
              .put("event_type", hit.eventType())
              .put("created_at", hit.createdAt().toString())
              .put("snippet", hit.snippet())
              .put("score", hit.score()));
    }
    return new JsonObject()
        .put("query", query.text())
        .put("mode", results.mode().wire())
        .put("semantic", results.semanticUsed())
        .put("degraded", results.degraded().orElse(null))
        .put("hits", hits);
  }
}
