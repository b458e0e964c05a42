package org.openpincery.memory.indexer;

import java.util.Map;
import java.util.Set;
import org.openpincery.memory.MemoryConfig;
import org.openpincery.work.WorkerProcess;

/**
 * The memory indexer as its own process: embeds new memory index entries and reports the index's
 * size and lag. Needs {@code DATABASE_URL}, migrated by {@code migrate}. Run one or more.
 */
public final class Main {

  private Main() {}

  public static void main(String[] args) {
    WorkerProcess.run(
        "memory-indexer",
        Set.of(),
        (env, vertx, store, registry) -> {
          MemoryConfig config = MemoryConfig.from(env);
          config.verifyModel();
          MemoryIndexerVerticle indexer = new MemoryIndexerVerticle(store, config, registry);
          return new WorkerProcess.Tier(
              indexer, indexer::running, Map.of("embeddings", config.embeddings() ? "on" : "off"));
        });
  }
}
