package org.openpincery.memory;

import io.vertx.core.Future;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.openpincery.store.MemoryHit;
import org.openpincery.store.MemoryQuery;
import org.openpincery.store.MemoryRepository;

/**
 * Searches an agent's memory by text, by meaning, or both (docs/memory.md). Hybrid ranking is
 * reciprocal rank fusion (Cormack, Clarke and Büttcher, SIGIR 2009): each hit scores {@code Σ 1 /
 * (k + rank)} over the lists it is in, with {@code k} = {@value #RRF_K} as in the paper, so neither
 * ranking's raw scores need calibrating against the other.
 *
 * <p>When the query cannot be embedded in time (or embeddings are off), a semantic or hybrid search
 * ranks by text alone and says why in {@link MemoryResults#degraded()}: a search never fails for
 * want of the model.
 */
public final class MemorySearch {

  /** Reciprocal rank fusion's constant. */
  public static final int RRF_K = 60;

  /** Each list a hybrid search fuses holds this many times the hits asked for (at least 20). */
  static final int FUSION_DEPTH = 3;

  private final QueryEmbedder embedder;

  public MemorySearch(QueryEmbedder embedder) {
    this.embedder = embedder;
  }

  /**
   * Searches one agent's memory.
   *
   * @param memory the repository to search through (a workspace-scoped one for operators)
   * @param embedTimeout how long to wait for the query's embedding before ranking by text alone
   */
  public Future<MemoryResults> search(
      MemoryRepository memory,
      UUID agentId,
      MemoryQuery query,
      SearchMode mode,
      Duration embedTimeout) {
    return search(memory, agentId, query, mode, embedTimeout, -1);
  }

  /**
   * As {@link #search(MemoryRepository, UUID, MemoryQuery, SearchMode, Duration)}, keeping only
   * semantic hits at least {@code minSimilarity} alike (cosine, -1 to 1): semantic search always
   * has a nearest neighbour, however far, and a caller that puts hits in front of a model unasked
   * wants only those that are near.
   */
  public Future<MemoryResults> search(
      MemoryRepository memory,
      UUID agentId,
      MemoryQuery query,
      SearchMode mode,
      Duration embedTimeout,
      double minSimilarity) {
    if (mode == SearchMode.TEXT) {
      return memory
          .searchText(agentId, query)
          .map(hits -> new MemoryResults(hits, mode, false, Optional.empty()));
    }
    MemoryQuery deep =
        mode == SearchMode.HYBRID
            ? query.withLimit(Math.max(20, query.limit() * FUSION_DEPTH))
            : query;
    Future<List<MemoryHit>> text =
        mode == SearchMode.HYBRID ? memory.searchText(agentId, deep) : null;
    return embedder
        .embed(meaningOf(query.text()), embedTimeout)
        .compose(
            embedded -> {
              if (embedded.isEmpty()) {
                String why =
                    embedder.unavailable().orElse("the query could not be embedded in time");
                Future<List<MemoryHit>> fallback =
                    text != null ? text : memory.searchText(agentId, query);
                return fallback.map(
                    hits ->
                        new MemoryResults(
                            hits.subList(0, Math.min(hits.size(), query.limit())),
                            mode,
                            false,
                            Optional.of(why)));
              }
              QueryEmbedder.Embedded vector = embedded.get();
              Future<List<MemoryHit>> semantic =
                  memory
                      .searchSemantic(agentId, vector.vector(), vector.model(), deep)
                      .map(hits -> hits.stream().filter(h -> h.score() >= minSimilarity).toList());
              if (text == null) {
                return semantic.map(hits -> new MemoryResults(hits, mode, true, Optional.empty()));
              }
              return Future.all(text, semantic)
                  .map(
                      both ->
                          new MemoryResults(
                              fuse(List.of(text.result(), semantic.result()), query.limit()),
                              mode,
                              true,
                              Optional.empty()));
            });
  }

  /**
   * What the embedder reads of a query: its words without web search operators — no {@code or}
   * between words, no quotes, no {@code -excluded} words — since the model would read them as
   * words. A query that is nothing but operators is read as it is.
   */
  static String meaningOf(String query) {
    StringBuilder out = new StringBuilder();
    for (String token : query.replace('"', ' ').strip().split("\\s+")) {
      if (token.isEmpty() || token.equalsIgnoreCase("or") || token.startsWith("-")) {
        continue;
      }
      out.append(out.isEmpty() ? "" : " ").append(token);
    }
    return out.isEmpty() ? query : out.toString();
  }

  /**
   * Reciprocal rank fusion of ranked lists: a hit's score is the sum over the lists it appears in
   * of {@code 1 / (RRF_K + rank)}, rank counted from 1. The snippet is the first list's that has
   * the hit (the text list's shows the match). Ties go to the newer event.
   */
  static List<MemoryHit> fuse(List<List<MemoryHit>> lists, int limit) {
    Map<Long, MemoryHit> bySeq = new LinkedHashMap<>();
    Map<Long, Double> scores = new LinkedHashMap<>();
    for (List<MemoryHit> list : lists) {
      for (int i = 0; i < list.size(); i++) {
        MemoryHit hit = list.get(i);
        bySeq.putIfAbsent(hit.seq(), hit);
        scores.merge(hit.seq(), 1.0 / (RRF_K + i + 1), Double::sum);
      }
    }
    List<MemoryHit> fused = new ArrayList<>(bySeq.size());
    bySeq.forEach((seq, hit) -> fused.add(hit.withScore(scores.get(seq))));
    fused.sort(
        Comparator.comparingDouble(MemoryHit::score)
            .reversed()
            .thenComparing(Comparator.comparingLong(MemoryHit::seq).reversed()));
    return fused.subList(0, Math.min(limit, fused.size()));
  }
}
