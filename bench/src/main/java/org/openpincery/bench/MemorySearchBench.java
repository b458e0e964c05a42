package org.openpincery.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import org.openpincery.memory.Embedder;
import org.openpincery.memory.MemoryResults;
import org.openpincery.memory.MemorySearch;
import org.openpincery.memory.SearchMode;
import org.openpincery.store.MemoryHit;
import org.openpincery.store.MemoryQuery;
import org.openpincery.store.MemoryRepository;
import org.openpincery.store.Store;

/**
 * The memory bench's searches: latency of each mode through {@code MemorySearch} (and the two
 * halves of a semantic search apart), and recall@5 of each mode on the labelled set.
 */
final class MemorySearchBench {

  private MemorySearchBench() {}

  // --- search latency ---------------------------------------------------------------------------

  private static final String[] QUERIES = {
    "{item} {issue}",
    "what did {first} say about {topic}",
    "{company} invoice",
    "{first} {last}",
    "{service} on {host}",
    "order status {city}",
    "{topic}",
    "when is the meeting with {first}",
    "refund for the {item}",
    "{request}",
    "disk full",
    "\"{item}\" -{city}",
    // One term: full text or trigram similarity (a name, a host, an identifier).
    "{host}",
    "{last}",
    "{company}",
    "{ref:XX-####}",
  };

  static void latency(
      MemorySearch search,
      Store store,
      Embedder embedder,
      MemoryBench.Options o,
      List<UUID> agents,
      int embeddedAgents,
      MemoryCorpus corpus)
      throws Exception {
    Random random = new Random(o.seed() + 7);
    MemoryText text = new MemoryText(random);
    System.out.printf(
        Locale.ROOT,
        "## Search latency (%d queries per row, one at a time, limit 10; text over all %,d agents, semantic and hybrid over the %,d fully embedded agents, %,d events each)%n%n",
        o.queries(),
        agents.size(),
        embeddedAgents,
        corpus.eventsOf(0));
    System.out.println("| search | p50 ms | p99 ms | mean hits | degraded |");
    System.out.println("|---|---:|---:|---:|---:|");
    MemoryRepository memory = store.memory();
    for (SearchMode mode : SearchMode.values()) {
      int pool = mode == SearchMode.TEXT ? agents.size() : embeddedAgents;
      // Warm-up: the model's first runs, the plans, the caches.
      for (int i = 0; i < 20; i++) {
        int agent = random.nextInt(pool);
        search
            .search(memory, agents.get(agent), query(text, agent), mode, MemoryBench.EMBED_TIMEOUT)
            .await();
      }
      long[] nanos = new long[o.queries()];
      List<Long> oneTerm = new ArrayList<>();
      long oneTermHits = 0;
      long hits = 0;
      int degraded = 0;
      for (int i = 0; i < o.queries(); i++) {
        int agent = random.nextInt(pool);
        MemoryQuery q = query(text, agent);
        long t0 = System.nanoTime();
        MemoryResults r =
            search.search(memory, agents.get(agent), q, mode, MemoryBench.EMBED_TIMEOUT).await();
        nanos[i] = System.nanoTime() - t0;
        hits += r.hits().size();
        if (r.degraded().isPresent()) {
          degraded++;
        }
        if (!q.text().strip().contains(" ")) {
          oneTerm.add(nanos[i]);
          oneTermHits += r.hits().size();
        }
      }
      row(mode.wire() + " (MemorySearch)", nanos, hits, degraded);
      if (mode == SearchMode.TEXT && !oneTerm.isEmpty()) {
        row(
            "text, the one-term queries among them (also trigram)",
            oneTerm.stream().mapToLong(Long::longValue).toArray(),
            oneTermHits,
            0);
      }
    }
    // The two halves of a semantic search: the query's embedding, and the exact scan in SQL.
    long[] embedNanos = new long[o.queries()];
    long[] scanNanos = new long[o.queries()];
    long hits = 0;
    for (int i = 0; i < o.queries(); i++) {
      int agent = random.nextInt(embeddedAgents);
      MemoryQuery q = query(text, agent);
      long t0 = System.nanoTime();
      float[] vector = embedder.embed(q.text());
      embedNanos[i] = System.nanoTime() - t0;
      long t1 = System.nanoTime();
      hits += memory.searchSemantic(agents.get(agent), vector, embedder.model(), q).await().size();
      scanNanos[i] = System.nanoTime() - t1;
    }
    row("semantic, the query's embedding alone", embedNanos, -1, 0);
    row("semantic, the SQL scan alone (searchSemantic)", scanNanos, hits, 0);
    System.out.println();
  }

  private static void row(String what, long[] nanos, long hits, int degraded) {
    Arrays.sort(nanos);
    System.out.printf(
        Locale.ROOT,
        "| %s | %.1f | %.1f | %s | %d |%n",
        what,
        pct(nanos, 0.50),
        pct(nanos, 0.99),
        hits < 0 ? "" : String.format(Locale.ROOT, "%.2f", (double) hits / nanos.length),
        degraded);
  }

  // A query about what agent {@code agent}'s people talk about (its corpus's domain).
  private static MemoryQuery query(MemoryText text, int agent) {
    MemoryText.Domain domain = MemoryText.DOMAINS[agent % MemoryText.DOMAINS.length];
    String q = text.fill(text.pick(QUERIES), domain, new HashMap<>());
    return new MemoryQuery(q, null, Set.of(), 10);
  }

  private static double pct(long[] sorted, double p) {
    return sorted[(int) Math.min(sorted.length - 1, Math.floor(p * sorted.length))] / 1e6;
  }

  // --- quality ----------------------------------------------------------------------------------

  static void quality(
      MemorySearch search,
      Store store,
      List<UUID> agents,
      MemoryCorpus corpus,
      Map<MemoryFacts.Instance, Long> seqs)
      throws Exception {
    // kind -> mode -> [found, asked]
    Map<String, Map<SearchMode, int[]>> table = new LinkedHashMap<>();
    for (String kind :
        List.of(MemoryFacts.PARAPHRASE, MemoryFacts.IDENTIFIER, MemoryFacts.KEYWORDS, "all")) {
      Map<SearchMode, int[]> row = new LinkedHashMap<>();
      for (SearchMode mode : SearchMode.values()) {
        row.put(mode, new int[2]);
      }
      table.put(kind, row);
    }
    Map<SearchMode, List<String>> misses = new LinkedHashMap<>();
    for (SearchMode mode : SearchMode.values()) {
      misses.put(mode, new ArrayList<>());
    }
    for (MemoryCorpus.Planted p : corpus.planted()) {
      if (!p.fact().isFact()) {
        continue;
      }
      Long answer = seqs.get(p.fact());
      if (answer == null) {
        throw new IllegalStateException("fact " + p.fact().id() + " was not appended");
      }
      for (MemoryFacts.Question question : p.fact().questions()) {
        for (SearchMode mode : SearchMode.values()) {
          MemoryResults r =
              search
                  .search(
                      store.memory(),
                      agents.get(p.agent()),
                      new MemoryQuery(question.text(), null, Set.of(), 5),
                      mode,
                      MemoryBench.EMBED_TIMEOUT)
                  .await();
          if (mode != SearchMode.TEXT && !r.semanticUsed()) {
            // A question answered by text alone would not measure the mode it is counted for.
            throw new IllegalStateException(
                "semantic ranking did not take part: " + r.degraded().orElse("?"));
          }
          boolean found = r.hits().stream().mapToLong(MemoryHit::seq).anyMatch(s -> s == answer);
          for (String kind : List.of(question.kind(), "all")) {
            int[] cell = table.get(kind).get(mode);
            cell[1]++;
            if (found) {
              cell[0]++;
            }
          }
          if (!found) {
            misses
                .get(mode)
                .add("fact " + p.fact().id() + " " + question.kind() + ": " + question.text());
          }
        }
      }
    }
    System.out.println(
        "## Quality: recall@5 on the labelled set (each question asked on its fact's agent)");
    System.out.println();
    System.out.println("| questions | n | text | semantic | hybrid |");
    System.out.println("|---|---:|---:|---:|---:|");
    for (var row : table.entrySet()) {
      int n = row.getValue().get(SearchMode.TEXT)[1];
      if (n == 0) {
        continue;
      }
      StringBuilder line = new StringBuilder("| " + row.getKey() + " | " + n + " |");
      for (SearchMode mode : SearchMode.values()) {
        int[] cell = row.getValue().get(mode);
        line.append(
            String.format(Locale.ROOT, " %.2f (%d) |", (double) cell[0] / cell[1], cell[0]));
      }
      System.out.println(line);
    }
    System.out.println();
    for (var missed : misses.entrySet()) {
      System.out.println(
          "Missed by " + missed.getKey().wire() + " (" + missed.getValue().size() + "):");
      missed.getValue().forEach(m -> System.out.println("- " + m.replace("\n", " ")));
      System.out.println();
    }
    System.out.println();
  }
}
