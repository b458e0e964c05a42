package org.openpincery.store;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.List;
import java.util.UUID;

/**
 * The periodic, incremental chain check (V19's {@code chain_checkpoints}): each agent's event chain
 * and each audit chain is verified from where the last pass stopped, with the same recomputation
 * and {@link ChainVerification#FIRST_BAD} as the full verifications ({@link
 * EventRepository#verifyChain}, {@link AuditRepository#verify}), at most a bounded number of
 * entries per chain per pass. A break is recorded once per chain and, in the same statement, queues
 * a {@code chain.broken} notification to each subscription of the chain's workspace that wants it.
 */
public final class ChainCheckRepository {

  /** Which chain. */
  public enum ChainType {
    AGENT("agent"),
    AUDIT("audit");

    private final String wire;

    ChainType(String wire) {
      this.wire = wire;
    }

    public String wire() {
      return wire;
    }
  }

  // Chains with entries past their checkpoint (or whose head moved without new entries), not
  // known broken; least recently checked first.
  private static final String AGENTS_TO_CHECK =
      """
      SELECT a.id
        FROM agents a
        LEFT JOIN chain_checkpoints c ON c.chain_type = 'agent' AND c.chain_id = a.id
       WHERE c.broken_seq IS NULL
         AND (a.event_seq <> coalesce(c.verified_seq, 0)
              OR (c.verified_seq > 0 AND a.hash_head <> c.verified_hash))
       ORDER BY c.checked_at NULLS FIRST
       LIMIT $1
      """;

  private static final String AUDIT_CHAINS_TO_CHECK =
      """
      SELECT h.workspace_id AS id
        FROM audit_chains h
        LEFT JOIN chain_checkpoints c ON c.chain_type = 'audit' AND c.chain_id = h.workspace_id
       WHERE c.broken_seq IS NULL
         AND (h.seq <> coalesce(c.verified_seq, 0)
              OR (c.verified_seq > 0 AND h.hash_head <> c.verified_hash))
       ORDER BY c.checked_at NULLS FIRST
       LIMIT $1
      """;

  // As EventRepository's VERIFY_CHAIN, over the entries after the checkpoint.
  private static final String CHECK_AGENT =
      check(
          """
          SELECT e.seq, e.hash, e.prev_hash,
                 pincery_event_hash(e.prev_hash, e.agent_id, e.seq, e.event_type, e.source,
                     e.wake_id, e.content, e.tool_name, e.tool_input, e.tool_output,
                     e.termination_reason, e.payload, e.created_at, e.id) AS recomputed
            FROM events e
           WHERE e.agent_id = $1
          """,
          """
          a.event_seq AS head_seq, a.hash_head AS head_hash, a.workspace_id
            FROM agents a
           WHERE a.id = $1
          """);

  // As AuditRepository's VERIFY, over the entries after the checkpoint. The installation's chain
  // (all zeros) belongs to the installation workspace for notifications.
  private static final String CHECK_AUDIT =
      check(
          """
          SELECT l.seq, l.hash, l.prev_hash,
                 pincery_audit_hash(l.prev_hash, l.workspace_id, l.seq, l.id, l.at,
                     l.actor_type, l.actor_id, l.actor_user_id, l.action, l.target_type,
                     l.target_id, l.outcome, l.status, l.address, l.request_id, l.detail)
                     AS recomputed
            FROM audit_log l
           WHERE l.workspace_id = $1
          """,
          """
          h.seq AS head_seq, h.hash_head AS head_hash,
                 CASE WHEN h.workspace_id = '00000000-0000-0000-0000-000000000000'::uuid
                      THEN (SELECT i.workspace_id FROM installation i)
                      ELSE h.workspace_id END AS workspace_id
            FROM audit_chains h
           WHERE h.workspace_id = $1
          """);

  /**
   * The check of one chain ($1 its id, $2 the most entries, $3 its type's wire name): the chain's
   * checkpoint {@code cp(seq, hash)} (zero and the zero hash before the first pass); the entries
   * after it, at most $2, each linked to its predecessor or, the first, to the checkpoint, as
   * {@link ChainVerification#FIRST_BAD} reads them; and one row with the range checked ({@code
   * from_seq, from_hash, checked, last_seq, last_hash}), the first bad place ({@code bad_seq,
   * problem}) and the chain's head.
   *
   * @param entries a query of all the chain's entries as {@code (seq, hash, prev_hash, recomputed)}
   * @param head the columns {@code head_seq, head_hash, workspace_id} and the FROM and WHERE that
   *     give the chain's one head row
   */
  private static String check(String entries, String head) {
    return """
        WITH cp AS (
            SELECT coalesce((SELECT verified_seq FROM chain_checkpoints
                              WHERE chain_type = $3 AND chain_id = $1), 0) AS seq,
                   coalesce((SELECT verified_hash FROM chain_checkpoints
                              WHERE chain_type = $3 AND chain_id = $1),
                            '\\x0000000000000000000000000000000000000000000000000000000000000000'::bytea)
                       AS hash
        ),
        chain AS (
            SELECT x.seq, x.hash, x.prev_hash, x.recomputed,
                   coalesce(lag(x.hash) OVER w, (SELECT hash FROM cp)) AS expected_prev,
                   coalesce(lag(x.seq) OVER w, (SELECT seq FROM cp)) AS previous_seq
              FROM (
        """
        + entries
        + """
                   ) x
             WHERE x.seq > (SELECT seq FROM cp) AND x.seq <= (SELECT seq FROM cp) + $2
            WINDOW w AS (ORDER BY x.seq)
        ), """
        + ChainVerification.FIRST_BAD
        + """
        SELECT (SELECT seq FROM cp) AS from_seq, (SELECT hash FROM cp) AS from_hash,
               (SELECT count(*) FROM chain) AS checked,
               (SELECT max(seq) FROM chain) AS last_seq,
               (SELECT c.hash FROM chain c ORDER BY c.seq DESC LIMIT 1) AS last_hash,
               (SELECT seq FROM first_bad) AS bad_seq,
               (SELECT problem FROM first_bad) AS problem,
        """
        + head;
  }

  private static final String ADVANCE =
      """
      INSERT INTO chain_checkpoints AS c (chain_type, chain_id, verified_seq, verified_hash)
      VALUES ($1, $2, $3, $4)
      ON CONFLICT (chain_type, chain_id) DO UPDATE
         SET verified_seq = EXCLUDED.verified_seq, verified_hash = EXCLUDED.verified_hash,
             checked_at = now()
       WHERE c.broken_seq IS NULL AND c.verified_seq <= EXCLUDED.verified_seq
      """;

  // Marks the chain broken once; only the statement that marks it queues the notifications (two
  // checkers finding the same break notify once).
  private static final String MARK_BROKEN =
      """
      WITH marked AS (
          INSERT INTO chain_checkpoints AS c (chain_type, chain_id, broken_seq, broken_problem,
                                              broken_at)
          VALUES ($1, $2, $3, $4, now())
          ON CONFLICT (chain_type, chain_id) DO UPDATE
             SET broken_seq = EXCLUDED.broken_seq, broken_problem = EXCLUDED.broken_problem,
                 broken_at = now(), checked_at = now()
           WHERE c.broken_seq IS NULL
          RETURNING 1
      )
      SELECT CASE WHEN EXISTS (SELECT 1 FROM marked) AND $5::uuid IS NOT NULL
                  THEN pincery_enqueue_notification($5, 'chain.broken', now(), $6)
                  WHEN EXISTS (SELECT 1 FROM marked) THEN 0
                  ELSE -1 END AS queued
      """;

  /**
   * What one check of one chain found.
   *
   * @param checked entries verified now
   * @param broken the first broken place, or null
   * @param newlyBroken whether this check recorded the break (a break is recorded once)
   * @param notified {@code chain.broken} notifications queued
   */
  public record Result(
      ChainType type,
      UUID chainId,
      UUID workspaceId,
      long checked,
      ChainVerification.Broken broken,
      boolean newlyBroken,
      int notified) {}

  private final Pool pool;

  ChainCheckRepository(Pool pool) {
    this.pool = pool;
  }

  /** Chains of {@code type} with entries not yet checked, least recently checked first. */
  public Future<List<UUID>> due(ChainType type, int limit) {
    return pool.preparedQuery(type == ChainType.AGENT ? AGENTS_TO_CHECK : AUDIT_CHAINS_TO_CHECK)
        .execute(Tuple.of(limit))
        .map(rows -> Rows.all(rows, r -> r.getUUID("id")));
  }

  /**
   * Verifies up to {@code maxEntries} entries of a chain after its checkpoint, then advances the
   * checkpoint or records the break (and queues its notifications).
   */
  public Future<Result> check(ChainType type, UUID chainId, int maxEntries) {
    return pool.preparedQuery(type == ChainType.AGENT ? CHECK_AGENT : CHECK_AUDIT)
        .execute(Tuple.of(chainId, maxEntries, type.wire()))
        .compose(
            rows -> {
              if (rows.size() == 0) {
                return Future.succeededFuture(
                    new Result(type, chainId, null, 0, null, false, 0)); // deleted meanwhile
              }
              Row row = rows.iterator().next();
              UUID workspace = row.getUUID("workspace_id");
              long checked = row.getLong("checked");
              ChainVerification.Broken broken = broken(row, checked);
              if (broken == null) {
                Long last = row.getLong("last_seq");
                if (last == null) {
                  return Future.succeededFuture(
                      new Result(type, chainId, workspace, 0, null, false, 0));
                }
                return pool.preparedQuery(ADVANCE)
                    .execute(Tuple.of(type.wire(), chainId, last, row.getBuffer("last_hash")))
                    .map(r -> new Result(type, chainId, workspace, checked, null, false, 0));
              }
              return recordBroken(type, chainId, workspace, broken);
            });
  }

  /**
   * Records that a chain is broken (the periodic check, or a full verification through the API that
   * found it) and, if this is the first record of a break of that chain, queues a {@code
   * chain.broken} notification to each subscription of {@code workspaceId} that wants it. A chain
   * recorded broken is not checked again by the periodic check.
   *
   * @param workspaceId whose subscriptions are told; null tells nobody
   */
  public Future<Result> recordBroken(
      ChainType type, UUID chainId, UUID workspaceId, ChainVerification.Broken broken) {
    JsonObject data =
        new JsonObject()
            .put("workspace_id", workspaceId == null ? null : workspaceId.toString())
            .put("chain", type.wire())
            .put(type == ChainType.AGENT ? "agent_id" : "audit_chain", chainId.toString())
            .put("first_bad_seq", broken.firstBadSeq())
            .put("problem", broken.problem());
    return pool.preparedQuery(MARK_BROKEN)
        .execute(
            Tuple.of(
                type.wire(), chainId, broken.firstBadSeq(), broken.problem(), workspaceId, data))
        .map(
            r -> {
              int queued = r.iterator().next().getInteger("queued");
              return new Result(
                  type,
                  chainId,
                  workspaceId,
                  broken.eventsChecked(),
                  broken,
                  queued >= 0,
                  Math.max(0, queued));
            });
  }

  // A broken link among the new entries; else, when they reach the head (or there are none), a
  // head that does not match the last verified entry.
  private static ChainVerification.Broken broken(Row row, long checked) {
    Long badSeq = row.getLong("bad_seq");
    if (badSeq != null) {
      return new ChainVerification.Broken(badSeq, row.getString("problem"), checked);
    }
    long fromSeq = row.getLong("from_seq");
    Long lastSeq = row.getLong("last_seq");
    long headSeq = row.getLong("head_seq");
    long verified = lastSeq == null ? fromSeq : lastSeq;
    Buffer verifiedHash = lastSeq == null ? row.getBuffer("from_hash") : row.getBuffer("last_hash");
    if (headSeq < verified) {
      return new ChainVerification.Broken(headSeq + 1, "head_mismatch", checked);
    }
    if (headSeq == verified && verified > 0 && !verifiedHash.equals(row.getBuffer("head_hash"))) {
      return new ChainVerification.Broken(verified + 1, "head_mismatch", checked);
    }
    if (lastSeq == null && headSeq > fromSeq) {
      return new ChainVerification.Broken(fromSeq + 1, "gap", checked);
    }
    return null;
  }
}
