package org.openpincery.store;

/**
 * The memory index's size and how far embeddings lag behind it (the {@code pincery_memory_*}
 * metrics).
 *
 * @param entries indexed events (exact below 100,000, else PostgreSQL's estimate)
 * @param unembedded entries the memory indexer has not embedded yet
 * @param lagSeconds age of the oldest entry still waiting for its embedding, 0 when none waits
 * @param bytes size of the index table with its indexes and TOAST, in bytes
 */
public record MemoryIndexStats(long entries, long unembedded, double lagSeconds, long bytes) {}
