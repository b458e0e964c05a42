package org.openpincery.bench;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openpincery.config.DatabaseConfig;
import org.openpincery.config.Env;
import org.openpincery.db.DatabaseUrl;
import org.openpincery.db.SchemaMigrator;
import org.openpincery.memory.Embedder;
import org.openpincery.memory.MemoryConfig;
import org.openpincery.memory.MemoryResults;
import org.openpincery.memory.MemorySearch;
import org.openpincery.memory.QueryEmbedder;
import org.openpincery.memory.SearchMode;
import org.openpincery.store.MemoryHit;
import org.openpincery.store.MemoryQuery;
import org.openpincery.store.MemoryRepository;
import org.openpincery.store.Store;

/**
 * Memory (issue 16) at scale: a log of {@code --events} events over {@code --agents} agents of
 * varied, realistic text ({@link MemoryCorpus}), appended through the product's append function
 * with the memory trigger indexing every event in the appending transaction.
 *
 * <p>Reports: append throughput with the index against the same appends without it (the trigger
 * disabled, on a sample of {@code --baseline} events); the memory indexer's embedding throughput on
 * the first {@code --embed} events (whole agents; embedding 1,000,000 events with MiniLM takes
 * about half an hour on two cores, so the sample is an option); the index's size (table and each
 * index); search latency p50/p99 for text, semantic and hybrid over {@code --queries} queries each
 * (text on any agent, semantic and hybrid on agents whose events are all embedded); and recall@5 of
 * each mode on the labelled set ({@link MemoryFacts}: 40 planted facts, 80 questions).
 *
 * <p>Usage: {@code ./pincery bench memory [--events N] [--agents N] [--embed N] [--queries N]
 * [--baseline N] [--batch N] [--callers N] [--fact-agents N] [--seed N]} (defaults 1000000, 1000,
 * 20000, 500, 100000, 20, 4, 16).
 */
public final class MemoryBench {

  private static final Duration EMBED_TIMEOUT = Duration.ofSeconds(30);

  private MemoryBench() {}

  record Options(
      long events,
      int agents,
      long embed,
      int queries,
      long baseline,
      int batch,
      int callers,
      int factAgents,
      long seed) {

    static Options parse(String[] args) {
      Map<String, String> given = new HashMap<>();
      for (int i = 0; i < args.length; i++) {
        if (!args[i].startsWith("--") || i + 1 >= args.length) {
          throw new IllegalArgumentException(
              "usage: ./pincery bench memory [--events N] [--agents N] [--embed N] [--queries N] [--baseline N] [--batch N] [--callers N] [--fact-agents N] [--seed N]");
        }
        given.put(args[i].substring(2), args[++i].replace("_", "").replace(",", ""));
      }
      Options o =
          new Options(
              Long.parseLong(given.getOrDefault("events", "1000000")),
              Integer.parseInt(given.getOrDefault("agents", "1000")),
              Long.parseLong(given.getOrDefault("embed", "20000")),
              Integer.parseInt(given.getOrDefault("queries", "500")),
              Long.parseLong(given.getOrDefault("baseline", "100000")),
              Integer.parseInt(given.getOrDefault("batch", "20")),
              Integer.parseInt(given.getOrDefault("callers", "4")),
              Integer.parseInt(given.getOrDefault("fact-agents", "20")),
              Long.parseLong(given.getOrDefault("seed", "16")));
      if (o.factAgents < 1 || o.factAgents > o.agents) {
        throw new IllegalArgumentException("--fact-agents must be 1 to --agents");
      }
      // Each fact agent holds its facts and two decoys of each at distinct positions.
      int needed = 3 * ((MemoryFacts.count() + o.factAgents - 1) / o.factAgents) + 2;
      if (o.events / o.agents < needed) {
        throw new IllegalArgumentException(
            "too few events per agent for the labelled set: need at least " + needed);
      }
      return o;
    }
  }

  public static void main(String[] args) throws Exception {
    org.openpincery.config.Logging.configure(Env.of(System.getenv()));
    Options o = Options.parse(args);
    try (BenchDatabase server = BenchDatabase.start()) {
      System.out.printf(
          Locale.ROOT,
          "PostgreSQL %s (fsync, synchronous_commit on), %d cores, load average %s; %,d events over %,d agents, %d events per transaction, %d callers, seed %d%n%n",
          server.version(),
          Runtime.getRuntime().availableProcessors(),
          loadAverage(),
          o.events,
          o.agents,
          o.batch,
          o.callers,
          o.seed);
      if (o.baseline > 0) {
        baseline(server, o);
      }
      DatabaseUrl url = server.freshDatabase("pincery_memory_bench");
      SchemaMigrator.migrate(url);
      Vertx vertx = Vertx.vertx();
      Store store = Store.open(vertx, new DatabaseConfig(url, 8, "memory-bench"));
      try {
        run(url, store, vertx, o);
        System.out.println("Load average at the end: " + loadAverage());
      } finally {
        store.closeAsync().await(30, TimeUnit.SECONDS);
        vertx.close().await(30, TimeUnit.SECONDS);
      }
    }
  }

  // The append's cost of the index: the same sample appended to two fresh databases, the first
  // with the memory trigger disabled.
  // The append's cost of the index: the same sample appended to fresh databases with the memory
  // trigger disabled and enabled, in transactions of --batch events and of one event (as most of
  // the product's appends are: a message, a wake's step), the latter on a fifth of the sample.
  private static void baseline(BenchDatabase server, Options o) throws Exception {
    System.out.println("## Appending with and without the memory index (fresh databases)");
    System.out.println();
    System.out.println("| events per transaction | events | memory index | events/s | seconds |");
    System.out.println("|---:|---:|---|---:|---:|");
    for (int batch : o.batch == 1 ? new int[] {1} : new int[] {1, o.batch}) {
      long events = Math.min(batch == 1 ? o.baseline / 5 : o.baseline, o.events);
      MemoryCorpus sample = new MemoryCorpus(o.seed, o.agents, events, 0);
      for (boolean indexed : new boolean[] {false, true}) {
        DatabaseUrl url = server.freshDatabase("pincery_memory_baseline");
        SchemaMigrator.migrate(url);
        if (!indexed) {
          exec(url, "ALTER TABLE events DISABLE TRIGGER events_memory_index");
        }
        Vertx vertx = Vertx.vertx();
        Store store = Store.open(vertx, new DatabaseConfig(url, 4, "memory-bench-baseline"));
        try {
          List<UUID> agents = createAgents(store, o.agents);
          MemoryFill.Result r =
              MemoryFill.run(url, sample, agents, 0, o.agents, o.callers, batch, new AtomicLong());
          System.out.printf(
              Locale.ROOT,
              "| %d | %,d | %s | %,.0f | %.1f |%n",
              batch,
              r.events(),
              indexed ? "on (V21 trigger)" : "off (trigger disabled)",
              r.perSecond(),
              r.seconds());
        } finally {
          store.closeAsync().await(30, TimeUnit.SECONDS);
          vertx.close().await(30, TimeUnit.SECONDS);
        }
      }
    }
    server.freshDatabase("pincery_memory_baseline"); // empty again: frees the disk
    System.out.println();
  }

  private static void run(DatabaseUrl url, Store store, Vertx vertx, Options o) throws Exception {
    MemoryCorpus corpus = new MemoryCorpus(o.seed, o.agents, o.events, o.factAgents);
    List<UUID> agents = createAgents(store, o.agents);
    int perAgent = (int) (o.events / o.agents);
    // The embedded sample is whole agents, appended first, so the indexer (oldest first) embeds
    // exactly them; the labelled set's agents are among them.
    int embeddedAgents =
        (int) Math.min(o.agents, Math.max(o.factAgents, (o.embed + perAgent - 1) / perAgent));

    System.out.println("## Append with the memory index (the full log)");
    System.out.println();
    AtomicLong progress = new AtomicLong();
    MemoryFill.Result first =
        MemoryFill.run(url, corpus, agents, 0, embeddedAgents, o.callers, o.batch, progress);
    MemoryFill.Result rest =
        MemoryFill.run(url, corpus, agents, embeddedAgents, o.agents, o.callers, o.batch, progress);
    long appended = first.events() + rest.events();
    double seconds = first.seconds() + rest.seconds();
    long entries = scalar(url, "SELECT count(*) FROM memory_entries");
    System.out.printf(
        Locale.ROOT,
        "%,d events appended in %.1f s: **%,.0f events/s** (%,d of them indexed: %,d memory entries; the rest are tool calls)%n",
        appended,
        seconds,
        appended / seconds,
        entries,
        entries);
    long t0 = System.nanoTime();
    exec(url, "VACUUM (ANALYZE) memory_entries");
    System.out.printf(
        Locale.ROOT,
        "VACUUM (ANALYZE) memory_entries afterwards (as autovacuum would): %.1f s%n%n",
        (System.nanoTime() - t0) / 1e9);
    Map<MemoryFacts.Instance, Long> seqs = new HashMap<>(first.plantedSeqs());
    seqs.putAll(rest.plantedSeqs());
    mix(url, appended);

    sizes(url, "## Index size after the text index (no embeddings yet)");

    Embedder embedder = MemoryEmbedding.load();
    StringBuilder ids = new StringBuilder();
    for (UUID id : agents.subList(0, embeddedAgents)) {
      ids.append(ids.isEmpty() ? "" : ",").append('\'').append(id).append('\'');
    }
    long target =
        scalar(url, "SELECT count(*) FROM memory_entries WHERE agent_id IN (" + ids + ")");
    MemoryEmbedding.Result embedded = MemoryEmbedding.embedOldest(store, embedder, target);
    long missing =
        scalar(
            url,
            "SELECT count(*) FROM memory_entries WHERE embedding IS NULL AND agent_id IN ("
                + ids
                + ")");
    if (missing > 0) {
      throw new IllegalStateException(
          missing + " entries of the sample's agents were not embedded");
    }
    System.out.println("## Embedding (the memory indexer's batch: store.memory().embedPending)");
    System.out.println();
    System.out.printf(
        Locale.ROOT,
        "%,d entries (every entry of the first %,d agents) embedded with %s, %d per transaction, the model on one thread: %.1f s, **%,.0f entries/s** (%.1f s of it in the model, the rest claiming and storing). %,d entries left unembedded (not measured).%n%n",
        embedded.entries(),
        embeddedAgents,
        embedded.model(),
        embedded.batch(),
        embedded.seconds(),
        embedded.perSecond(),
        embedded.modelSeconds(),
        scalar(url, "SELECT count(*) FROM memory_entries WHERE embedding IS NULL"));
    exec(url, "VACUUM (ANALYZE) memory_entries");
    sizes(url, "## Index size with the sample's embeddings");

    try (QueryEmbedder queries = QueryEmbedder.create(vertx, MemoryConfig.from(Env.of(Map.of())))) {
      MemorySearch search = new MemorySearch(queries);
      latency(search, store, embedder, o, agents, embeddedAgents, corpus);
      quality(search, store, agents, corpus, seqs);
    }
  }

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

  private static void latency(
      MemorySearch search,
      Store store,
      Embedder embedder,
      Options o,
      List<UUID> agents,
      int embeddedAgents,
      MemoryCorpus corpus)
      throws Exception {
    Random random = new Random(o.seed + 7);
    MemoryText text = new MemoryText(random);
    System.out.printf(
        Locale.ROOT,
        "## Search latency (%d queries per row, one at a time, limit 10; text over all %,d agents, semantic and hybrid over the %,d fully embedded agents, %,d events each)%n%n",
        o.queries,
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
        search.search(memory, agents.get(agent), query(text, agent), mode, EMBED_TIMEOUT).await();
      }
      long[] nanos = new long[o.queries];
      List<Long> oneTerm = new ArrayList<>();
      long oneTermHits = 0;
      long hits = 0;
      int degraded = 0;
      for (int i = 0; i < o.queries; i++) {
        int agent = random.nextInt(pool);
        MemoryQuery q = query(text, agent);
        long t0 = System.nanoTime();
        MemoryResults r = search.search(memory, agents.get(agent), q, mode, EMBED_TIMEOUT).await();
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
    long[] embedNanos = new long[o.queries];
    long[] scanNanos = new long[o.queries];
    long hits = 0;
    for (int i = 0; i < o.queries; i++) {
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

  private static void quality(
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
    List<String> misses = new ArrayList<>();
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
                      EMBED_TIMEOUT)
                  .await();
          boolean found = r.hits().stream().mapToLong(MemoryHit::seq).anyMatch(s -> s == answer);
          for (String kind : List.of(question.kind(), "all")) {
            int[] cell = table.get(kind).get(mode);
            cell[1]++;
            if (found) {
              cell[0]++;
            }
          }
          if (!found && mode == SearchMode.HYBRID) {
            misses.add("fact " + p.fact().id() + " " + question.kind() + ": " + question.text());
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
    System.out.println("Missed by hybrid (" + misses.size() + "):");
    misses.forEach(m -> System.out.println("- " + m.replace("\n", " ")));
    System.out.println();
  }

  // The log's event types, their share, and the mean length of an index entry's text.
  private static void mix(DatabaseUrl url, long events) throws SQLException {
    System.out.println("| event type | events | share | indexed | mean indexed chars |");
    System.out.println("|---|---:|---:|---:|---:|");
    try (Connection c = connect(url);
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT e.event_type, e.n, coalesce(m.n, 0), m.chars FROM"
                    + " (SELECT event_type, count(*) AS n FROM events GROUP BY 1) e LEFT JOIN"
                    + " (SELECT event_type, count(*) AS n, avg(length(body)) AS chars"
                    + " FROM memory_entries GROUP BY 1) m USING (event_type) ORDER BY 2 DESC")) {
      while (rs.next()) {
        long n = rs.getLong(2);
        System.out.printf(
            Locale.ROOT,
            "| %s | %,d | %.1f %% | %,d | %s |%n",
            rs.getString(1),
            n,
            100.0 * n / events,
            rs.getLong(3),
            rs.getObject(4) == null ? "" : String.format(Locale.ROOT, "%.0f", rs.getDouble(4)));
      }
    }
    System.out.println();
  }

  // --- size -------------------------------------------------------------------------------------

  private static void sizes(DatabaseUrl url, String title) throws Exception {
    System.out.println(title);
    System.out.println();
    System.out.println("| relation | size | bytes per entry |");
    System.out.println("|---|---:|---:|");
    long entries = Math.max(1, scalar(url, "SELECT count(*) FROM memory_entries"));
    try (Connection c = connect(url);
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT 'memory_entries (table)', pg_relation_size('memory_entries')"
                    + " UNION ALL SELECT 'memory_entries (TOAST)', coalesce(pg_total_relation_size(reltoastrelid), 0) FROM pg_class WHERE oid = 'memory_entries'::regclass"
                    + " UNION ALL (SELECT indexrelid::regclass::text, pg_relation_size(indexrelid) FROM pg_index WHERE indrelid = 'memory_entries'::regclass ORDER BY 1)"
                    + " UNION ALL SELECT 'memory_entries, total', pg_total_relation_size('memory_entries')"
                    + " UNION ALL SELECT 'events, total (for comparison)', pg_total_relation_size('events')")) {
      while (rs.next()) {
        long bytes = rs.getLong(2);
        System.out.printf(
            Locale.ROOT,
            "| %s | %s | %,.0f |%n",
            rs.getString(1),
            human(bytes),
            (double) bytes / entries);
      }
    }
    System.out.println();
  }

  private static String human(long bytes) {
    if (bytes >= 1L << 30) {
      return String.format(Locale.ROOT, "%.2f GiB", bytes / (double) (1L << 30));
    }
    if (bytes >= 1L << 20) {
      return String.format(Locale.ROOT, "%.1f MiB", bytes / (double) (1L << 20));
    }
    return String.format(Locale.ROOT, "%.0f kiB", bytes / 1024.0);
  }

  // --- plumbing ---------------------------------------------------------------------------------

  static List<UUID> createAgents(Store store, int count) {
    UUID workspace = store.agents().createWorkspace("memory-bench").await();
    List<UUID> ids = new ArrayList<>(count);
    for (int from = 0; from < count; from += 100) {
      List<Future<UUID>> created = new ArrayList<>();
      for (int i = from; i < Math.min(count, from + 100); i++) {
        created.add(store.agents().createAgent(workspace, "m" + i, "A memory bench agent.", null));
      }
      for (Future<UUID> f : created) {
        ids.add(f.await());
      }
    }
    return ids;
  }

  // The machine's 1, 5 and 15 minute load averages: the bench shares its cores with whatever runs.
  private static String loadAverage() {
    try {
      String[] parts =
          java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).split(" ");
      return parts[0] + " " + parts[1] + " " + parts[2];
    } catch (java.io.IOException e) {
      return "unknown";
    }
  }

  static long scalar(DatabaseUrl url, String sql) throws SQLException {
    try (Connection c = connect(url);
        ResultSet rs = c.createStatement().executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  static void exec(DatabaseUrl url, String sql) throws SQLException {
    try (Connection c = connect(url)) {
      c.createStatement().execute(sql);
    }
  }

  static Connection connect(DatabaseUrl url) throws SQLException {
    return DriverManager.getConnection(url.jdbcUrl(), url.user(), url.password());
  }
}
