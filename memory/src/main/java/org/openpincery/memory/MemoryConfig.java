package org.openpincery.memory;

import java.time.Duration;
import org.openpincery.config.ConfigException;
import org.openpincery.config.Env;

/**
 * Memory settings shared by the tiers that search or index (docs/configuration.md, docs/memory.md).
 *
 * @param embeddings {@code MEMORY_EMBEDDINGS} ({@code on}, the default, or {@code off}): whether
 *     the local embedding model is verified and used; off, searches rank by text only and the
 *     indexer embeds nothing
 * @param queryTimeout {@code MEMORY_QUERY_TIMEOUT_MS} (default 2000, 50 to 60000): how long an
 *     operator's search waits for its query's embedding before it ranks by text alone
 * @param textSearchConfig {@code MEMORY_TEXT_SEARCH_CONFIG} (default {@code english}): the
 *     PostgreSQL text search configuration (language) entries are indexed and searched in; the
 *     memory indexer applies it at start-up
 * @param indexBatch {@code MEMORY_INDEX_BATCH} (default 32, 1 to 512): entries the indexer embeds
 *     per transaction
 */
public record MemoryConfig(
    boolean embeddings, Duration queryTimeout, String textSearchConfig, int indexBatch) {

  /** The defaults. */
  public static final MemoryConfig DEFAULTS =
      new MemoryConfig(true, Duration.ofMillis(2000), "english", 32);

  /**
   * Verifies the embedding model's files by their SHA-256 when embeddings are on: a start-up check,
   * so a tier never runs a model that is not the one it was built with.
   *
   * @throws ConfigException naming {@code MEMORY_EMBEDDINGS} when a file is missing or differs
   */
  public void verifyModel() {
    if (!embeddings) {
      return;
    }
    try {
      MiniLmEmbedder.verify();
    } catch (MiniLmEmbedder.ModelIntegrityException e) {
      throw new ConfigException(
          "MEMORY_EMBEDDINGS",
          e.getMessage()
              + "; rebuild or reinstall the release, or set MEMORY_EMBEDDINGS=off to search by text"
              + " only");
    }
  }

  public static MemoryConfig from(Env env) {
    String embeddings = env.string("MEMORY_EMBEDDINGS", "on").strip().toLowerCase();
    if (!embeddings.equals("on") && !embeddings.equals("off")) {
      throw new ConfigException("MEMORY_EMBEDDINGS", "must be on or off, not '" + embeddings + "'");
    }
    String textSearch = env.string("MEMORY_TEXT_SEARCH_CONFIG", "english").strip();
    if (!textSearch.matches("[a-z_][a-z0-9_]{0,62}")) {
      throw new ConfigException(
          "MEMORY_TEXT_SEARCH_CONFIG",
          "must name a PostgreSQL text search configuration such as english, german or simple,"
              + " not '"
              + textSearch
              + "'");
    }
    return new MemoryConfig(
        embeddings.equals("on"),
        Duration.ofMillis(env.integer("MEMORY_QUERY_TIMEOUT_MS", 2000, 50, 60_000)),
        textSearch,
        env.integer("MEMORY_INDEX_BATCH", 32, 1, 512));
  }
}
