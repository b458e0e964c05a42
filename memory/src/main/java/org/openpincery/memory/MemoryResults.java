package org.openpincery.memory;

import java.util.List;
import java.util.Optional;
import org.openpincery.store.MemoryHit;

/**
 * A memory search's answer.
 *
 * @param hits best first; scores are the mode's (fused ranks for hybrid)
 * @param mode the mode asked for
 * @param semanticUsed whether embeddings took part in the ranking
 * @param degraded why they did not although the mode asked for them ({@code "embeddings are off"},
 *     {@code "the query could not be embedded in time"}, …), empty otherwise
 */
public record MemoryResults(
    List<MemoryHit> hits, SearchMode mode, boolean semanticUsed, Optional<String> degraded) {

  public MemoryResults {
    hits = List.copyOf(hits);
  }
}
