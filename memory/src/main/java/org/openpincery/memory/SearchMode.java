package org.openpincery.memory;

import java.util.Arrays;
import java.util.Optional;

/** How a memory search ranks (docs/memory.md). */
public enum SearchMode {
  /** Full-text (the installation's language) and trigram similarity of names and identifiers. */
  TEXT("text"),
  /** Cosine similarity of the query's embedding to the events' embeddings. */
  SEMANTIC("semantic"),
  /** Both, fused by reciprocal rank fusion; the default. */
  HYBRID("hybrid");

  private final String wire;

  SearchMode(String wire) {
    this.wire = wire;
  }

  /** The name in the API, the CLI and the tools. */
  public String wire() {
    return wire;
  }

  public static Optional<SearchMode> fromWire(String wire) {
    return Arrays.stream(values()).filter(m -> m.wire.equals(wire)).findFirst();
  }

  @Override
  public String toString() {
    return wire;
  }
}
