package org.openpincery.store;

import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;

/**
 * The memory index over agents' event logs (V21, docs/memory.md): full-text and trigram search,
 * semantic search over the embeddings the memory indexer adds, and the indexer's queue.
 *
 * <p>Entries are written by a trigger on {@code events} in the appending transaction, so an event
 * is text-searchable as soon as it is committed; only its embedding comes later.
 */
public final class MemoryRepository {

  // The query in the installation's language: an InitPlan, so the match is an index condition.
  private static final String TSQUERY =
      "websearch_to_tsquery((SELECT s.ts_config FROM memory_settings s), $2)";

  // Full-text matches (websearch syntax, the installation's language), ranked by the normalised
  // text rank plus the trigram word similarity. The snippet is a short body whole, else the best
  // fragment of it without markup. Every filter is a plain condition on a parameter (no "$n IS
  // NULL OR ..."), so that the generic plan PostgreSQL settles on after a few executions still
  // reads one agent's rows through the (agent_id, tsv) and (agent_id, body) indexes: with an OR on
  // a parameter it scanned the whole table.
  private static final String SEARCH_TEXT_SELECT =
      """
      SELECT m.seq, m.event_type, m.created_at,
             CASE WHEN length(m.body) <= 300 THEN m.body
                  ELSE ts_headline(m.ts_config, m.body, %1$s,
                                   'MaxWords=45, MinWords=20, MaxFragments=1,'
                                   ' StartSel="", StopSel=""') END AS snippet,
             ts_rank_cd(m.tsv, %1$s, 32) + word_similarity($2, m.body) AS score
        FROM memory_entries m
       WHERE m.agent_id = $1
         AND m.created_at >= coalesce($3::timestamptz, '-infinity')
         AND m.event_type = ANY ($4::text[])
      """
          .formatted(TSQUERY);

  private static final String SEARCH_WORDS =
      SEARCH_TEXT_SELECT + " AND m.tsv @@ " + TSQUERY + " ORDER BY score DESC, m.seq DESC LIMIT $5";

  // A query of one term (a name, an identifier, a misspelt word) also matches by trigram word
  // similarity; a query of several words by words only, so that "-word" and quoted phrases keep
  // their meaning.
  private static final String SEARCH_ONE_TERM =
      SEARCH_TEXT_SELECT
          + " AND (m.tsv @@ "
          + TSQUERY
          + " OR $2 <% m.body) ORDER BY score DESC, m.seq DESC LIMIT $5";

  // An exact scan: cosine similarity of unit vectors is their dot product. Only vectors of the
  // query's model count.
  private static final String SEARCH_SEMANTIC =
      """
      SELECT m.seq, m.event_type, m.created_at, left(m.body, 300) AS snippet,
             pincery_dot(m.embedding, $2::real[]) AS score
        FROM memory_entries m
       WHERE m.agent_id = $1
         AND m.embedding IS NOT NULL AND m.embedding_model = $6
         AND m.created_at >= coalesce($3::timestamptz, '-infinity')
         AND m.event_type = ANY ($4::text[])
       ORDER BY score DESC NULLS LAST, m.seq DESC
       LIMIT $5
      """;

  // With pgvector (V21 adds the column when the server has it): the HNSW index's order, continued
  // past filtered-out rows (iterative scan, pgvector 0.8), then sorted exactly.
  private static final String SEARCH_SEMANTIC_PGVECTOR =
      """
      SELECT * FROM (
          SELECT m.seq, m.event_type, m.created_at, left(m.body, 300) AS snippet,
                 1 - (m.embedding_vec <=> $2::real[]::vector) AS score
            FROM memory_entries m
           WHERE m.agent_id = $1
             AND m.embedding_vec IS NOT NULL AND m.embedding_model = $6
             AND m.created_at >= coalesce($3::timestamptz, '-infinity')
             AND m.event_type = ANY ($4::text[])
           ORDER BY m.embedding_vec <=> $2::real[]::vector
           LIMIT $5) hits
       ORDER BY score DESC, seq DESC
      """;

  // Whether V21 found pgvector: the column exists, and the extension's version.
  private static final String VECTOR_SUPPORT =
      """
      SELECT (SELECT e.extversion FROM pg_extension e WHERE e.extname = 'vector') AS version,
             EXISTS (SELECT 1 FROM pg_attribute a
                      WHERE a.attrelid = 'memory_entries'::regclass
                        AND a.attname = 'embedding_vec' AND NOT a.attisdropped) AS has_column
      """;

  /** The dimensions of V21's pgvector column (all-MiniLM-L6-v2). */
  static final int PGVECTOR_DIMENSIONS = 384;

  private static final String STATS =
      """
      SELECT (SELECT CASE WHEN c.reltuples >= 100000 THEN c.reltuples::bigint
                          ELSE (SELECT count(*) FROM memory_entries) END
                FROM pg_class c WHERE c.oid = 'memory_entries'::regclass) AS entries,
             count(*) AS unembedded,
             coalesce(extract(epoch FROM clock_timestamp() - min(m.indexed_at)), 0)::float8
               AS lag_seconds,
             pg_total_relation_size('memory_entries') AS bytes
        FROM memory_entries m
       WHERE m.embedded_at IS NULL
      """;

  private static final String CLAIM_UNEMBEDDED =
      """
      SELECT m.agent_id, m.seq, m.body
        FROM memory_entries m
       WHERE m.embedded_at IS NULL
       ORDER BY m.indexed_at
       LIMIT $1
         FOR UPDATE SKIP LOCKED
      """;

  private static final String STORE_EMBEDDING =
      """
      UPDATE memory_entries
         SET embedding = $3::real[], embedding_model = $4, embedded_at = clock_timestamp()
       WHERE agent_id = $1 AND seq = $2
      """;

  private static final String SET_TEXT_SEARCH_CONFIG =
      """
      WITH cfg AS (SELECT c.oid::regconfig AS v FROM pg_ts_config c WHERE c.cfgname = $1),
           settings AS (
               UPDATE memory_settings s SET ts_config = cfg.v FROM cfg
                WHERE s.ts_config <> cfg.v
               RETURNING s.ts_config)
      SELECT (SELECT count(*) FROM cfg) AS known, (SELECT count(*) FROM settings) AS changed
      """;

  private static final String REINDEX_TEXT =
      "UPDATE memory_entries m SET ts_config = s.ts_config FROM memory_settings s"
          + " WHERE m.ts_config <> s.ts_config";

  private final Pool pool;
  private final VectorSupport vectors;

  MemoryRepository(Pool pool, VectorSupport vectors) {
    this.pool = pool;
    this.vectors = vectors;
  }

  /**
   * Searches one agent's memory by its words and, for a one-term query, by trigram similarity
   * (names, identifiers, misspellings), best first. An agent that is not visible (row-level
   * security) has no hits.
   */
  public Future<List<MemoryHit>> searchText(UUID agentId, MemoryQuery query) {
    return pool.preparedQuery(oneTerm(query.text()) ? SEARCH_ONE_TERM : SEARCH_WORDS)
        .execute(filters(Tuple.of(agentId, query.text()), query))
        .map(rows -> Rows.all(rows, MemoryRepository::hit));
  }

  /**
   * Searches one agent's memory by meaning: the entries embedded with {@code model} nearest to
   * {@code unitVector} by cosine similarity, best first.
   *
   * @param unitVector the query's embedding, unit length, of the model's dimensions
   */
  public Future<List<MemoryHit>> searchSemantic(
      UUID agentId, float[] unitVector, String model, MemoryQuery query) {
    Tuple tuple =
        filters(Tuple.tuple().addUUID(agentId).addArrayOfFloat(boxed(unitVector)), query)
            .addString(model);
    return vectors
        .probe(pool)
        .compose(
            pgvector -> {
              if (pgvector.isEmpty() || unitVector.length != PGVECTOR_DIMENSIONS) {
                return pool.preparedQuery(SEARCH_SEMANTIC).execute(tuple);
              }
              return pool.withTransaction(
                  conn ->
                      (pgvector.get().iterativeScan()
                              ? conn.query("SET LOCAL hnsw.iterative_scan = relaxed_order")
                                  .execute()
                                  .mapEmpty()
                              : Future.<Void>succeededFuture())
                          .compose(
                              v -> conn.preparedQuery(SEARCH_SEMANTIC_PGVECTOR).execute(tuple)));
            })
        .map(rows -> Rows.all(rows, MemoryRepository::hit));
  }

  /**
   * Whether semantic search runs on pgvector's HNSW index (the server had pgvector when V21 ran),
   * and its version; empty for the exact scan.
   */
  public Future<java.util.Optional<String>> pgvector() {
    return vectors.probe(pool).map(p -> p.map(Pgvector::version));
  }

  /** The index's size and the embedding lag, in one round trip. */
  public Future<MemoryIndexStats> stats() {
    return pool.query(STATS)
        .execute()
        .map(
            rows -> {
              Row row = rows.iterator().next();
              return new MemoryIndexStats(
                  row.getLong("entries"),
                  row.getLong("unembedded"),
                  row.getDouble("lag_seconds"),
                  row.getLong("bytes"));
            });
  }

  /**
   * Embeds up to {@code limit} entries still without an embedding, oldest first: claims them with
   * {@code FOR UPDATE SKIP LOCKED} (so several indexers share the queue and never embed one entry
   * twice at once), asks {@code embed} for their vectors, and stores them in the same transaction.
   * If {@code embed} fails, nothing is stored and the entries stay queued.
   *
   * @param embed the bodies' unit vectors, one per body in order; runs off the event loop
   * @return how many entries were embedded (fewer than {@code limit} means the queue is drained)
   */
  public Future<Integer> embedPending(
      int limit, String model, Function<List<String>, Future<List<float[]>>> embed) {
    return pool.withTransaction(
        conn ->
            conn.preparedQuery(CLAIM_UNEMBEDDED)
                .execute(Tuple.of(limit))
                .compose(
                    rows -> {
                      List<Row> claimed = Rows.all(rows, r -> r);
                      if (claimed.isEmpty()) {
                        return Future.succeededFuture(0);
                      }
                      List<String> bodies = new ArrayList<>(claimed.size());
                      claimed.forEach(r -> bodies.add(r.getString("body")));
                      return embed
                          .apply(bodies)
                          .compose(vectors -> store(conn, claimed, vectors, model));
                    }));
  }

  private static Future<Integer> store(
      SqlClient conn, List<Row> claimed, List<float[]> vectors, String model) {
    if (vectors.size() != claimed.size()) {
      return Future.failedFuture(
          new IllegalStateException(
              "the embedder answered " + vectors.size() + " vectors for " + claimed.size()));
    }
    List<Tuple> batch = new ArrayList<>(claimed.size());
    for (int i = 0; i < claimed.size(); i++) {
      Row row = claimed.get(i);
      batch.add(
          Tuple.tuple()
              .addUUID(row.getUUID("agent_id"))
              .addLong(row.getLong("seq"))
              .addArrayOfFloat(boxed(vectors.get(i)))
              .addString(model));
    }
    return conn.preparedQuery(STORE_EMBEDDING).executeBatch(batch).map(claimed.size());
  }

  /**
   * Sets the installation's text search configuration (the language words are stemmed in) and, when
   * it changed, re-derives every entry's text vector with it.
   *
   * @param config a text search configuration's name ({@code english}, {@code german}, {@code
   *     simple}, …)
   * @return whether it changed
   * @throws IllegalArgumentException (failed future) when the server has no such configuration
   */
  public Future<Boolean> useTextSearchConfig(String config) {
    return pool.withTransaction(
        conn ->
            conn.preparedQuery(SET_TEXT_SEARCH_CONFIG)
                .execute(Tuple.of(config))
                .compose(
                    rows -> {
                      Row row = rows.iterator().next();
                      if (row.getLong("known") == 0) {
                        return Future.failedFuture(
                            new IllegalArgumentException(
                                "PostgreSQL has no text search configuration '" + config + "'"));
                      }
                      if (row.getLong("changed") == 0) {
                        return Future.succeededFuture(false);
                      }
                      return conn.query(REINDEX_TEXT).execute().map(true);
                    }));
  }

  /**
   * Re-derives the index from the event log, seq 1 onward: entries are replaced and their
   * embeddings dropped, for the indexer to compute again.
   *
   * @param agentId one agent, or {@code null} for every agent
   * @return the number of entries written
   */
  public Future<Long> rebuild(UUID agentId) {
    return pool.preparedQuery("SELECT pincery_memory_rebuild($1) AS n")
        .execute(Tuple.of(agentId))
        .map(rows -> rows.iterator().next().getLong("n"));
  }

  /** Whether a query is a single term (no white space): a name or an identifier. */
  static boolean oneTerm(String text) {
    return text.strip().codePoints().noneMatch(Character::isWhitespace);
  }

  private static Tuple filters(Tuple tuple, MemoryQuery query) {
    return tuple
        .addOffsetDateTime(
            query.since() == null ? null : OffsetDateTime.ofInstant(query.since(), ZoneOffset.UTC))
        .addArrayOfString(
            (query.types().isEmpty() ? MemoryQuery.INDEXED_TYPES : query.types())
                .toArray(String[]::new))
        .addInteger(query.limit());
  }

  private static MemoryHit hit(Row row) {
    String snippet = row.getString("snippet");
    if (snippet.length() > MemoryHit.MAX_SNIPPET_CHARS) {
      int end = MemoryHit.MAX_SNIPPET_CHARS;
      if (Character.isHighSurrogate(snippet.charAt(end - 1))) {
        end--;
      }
      snippet = snippet.substring(0, end);
    }
    Double score = row.getDouble("score");
    return new MemoryHit(
        row.getLong("seq"),
        row.getString("event_type"),
        row.getOffsetDateTime("created_at").toInstant(),
        snippet.strip(),
        score == null ? 0 : score);
  }

  private static Float[] boxed(float[] vector) {
    Float[] out = new Float[vector.length];
    for (int i = 0; i < vector.length; i++) {
      out[i] = vector[i];
    }
    return out;
  }

  /** pgvector as V21 found it: its version, and whether it scans iteratively (0.8 and later). */
  record Pgvector(String version, boolean iterativeScan) {}

  /**
   * What the database offers for vectors, read once per {@link Store} (the schema does not change
   * under a running process; a failed read is tried again).
   */
  static final class VectorSupport {
    private final java.util.concurrent.atomic.AtomicReference<Future<java.util.Optional<Pgvector>>>
        probed = new java.util.concurrent.atomic.AtomicReference<>();

    Future<java.util.Optional<Pgvector>> probe(Pool pool) {
      Future<java.util.Optional<Pgvector>> known = probed.get();
      if (known != null && !known.failed()) {
        return known;
      }
      Future<java.util.Optional<Pgvector>> read =
          pool.query(VECTOR_SUPPORT)
              .execute()
              .map(
                  rows -> {
                    Row row = rows.iterator().next();
                    String version = row.getString("version");
                    if (version == null || !row.getBoolean("has_column")) {
                      return java.util.Optional.<Pgvector>empty();
                    }
                    return java.util.Optional.of(new Pgvector(version, atLeast(version, 0, 8)));
                  });
      probed.set(read);
      return read;
    }

    static boolean atLeast(String version, int major, int minor) {
      String[] parts = version.split("\\.");
      try {
        int ma = Integer.parseInt(parts[0]);
        int mi = parts.length > 1 ? Integer.parseInt(parts[1]) : 0;
        return ma > major || (ma == major && mi >= minor);
      } catch (NumberFormatException e) {
        return false;
      }
    }
  }
}
