package org.openpincery.bench;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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
import org.openpincery.memory.MemorySearch;
import org.openpincery.memory.QueryEmbedder;
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
 * 20000, 500, 100000, 20, 4, 20, 16). The labelled set's facts go to the first {@code
 * --fact-agents} agents, which are always among the embedded ones.
 */
public final class MemoryBench {

  static final Duration EMBED_TIMEOUT = Duration.ofSeconds(30);

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
      Set<String> known =
          Set.of(
              "events",
              "agents",
              "embed",
              "queries",
              "baseline",
              "batch",
              "callers",
              "fact-agents",
              "seed");
      for (String key : given.keySet()) {
        if (!known.contains(key)) {
          throw new IllegalArgumentException("unknown option --" + key + "; known: " + known);
        }
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
    // A line a minute on stderr while the log fills, so a long run shows it is alive.
    long fillStart = System.nanoTime();
    var ticker = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
    ticker.scheduleAtFixedRate(
        () ->
            System.err.printf(
                Locale.ROOT,
                "memory bench: %,d of %,d events appended after %.0f s%n",
                progress.get(),
                o.events,
                (System.nanoTime() - fillStart) / 1e9),
        60,
        60,
        TimeUnit.SECONDS);
    MemoryFill.Result first;
    MemoryFill.Result rest;
    try {
      first = MemoryFill.run(url, corpus, agents, 0, embeddedAgents, o.callers, o.batch, progress);
      rest =
          MemoryFill.run(
              url, corpus, agents, embeddedAgents, o.agents, o.callers, o.batch, progress);
    } finally {
      ticker.shutdownNow();
    }
    long appended = first.events() + rest.events();
    double seconds = first.seconds() + rest.seconds();
    long entries = scalar(url, "SELECT count(*) FROM memory_entries");
    System.out.printf(
        Locale.ROOT,
        "%,d events appended in %.1f s: **%,.0f events/s**, %,d memory entries (the events not indexed are tool calls)%n",
        appended,
        seconds,
        appended / seconds,
        entries);
    long t0 = System.nanoTime();
    exec(url, "VACUUM (ANALYZE) memory_entries");
    System.out.printf(
        Locale.ROOT,
        "VACUUM (ANALYZE) memory_entries afterwards (as autovacuum would): %.1f s%n%n",
        (System.nanoTime() - t0) / 1e9);
    Map<MemoryFacts.Instance, Long> seqs = new HashMap<>(first.plantedSeqs());
    seqs.putAll(rest.plantedSeqs());
    MemoryIndexReport.mix(url, appended);

    MemoryIndexReport.sizes(url, "## Index size after the text index (no embeddings yet)");

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
    MemoryIndexReport.sizes(url, "## Index size with the sample's embeddings");
    System.out.println(
        "Semantic search: "
            + (scalar(url, "SELECT count(*) FROM pg_extension WHERE extname = 'vector'") > 0
                ? "pgvector (HNSW index)"
                : "exact scan (this server has no pgvector)"));
    System.out.println();

    try (QueryEmbedder queries = QueryEmbedder.create(vertx, MemoryConfig.from(Env.of(Map.of())))) {
      MemorySearch search = new MemorySearch(queries);
      MemorySearchBench.latency(search, store, embedder, o, agents, embeddedAgents, corpus);
      MemorySearchBench.quality(search, store, agents, corpus, seqs);
    }
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
