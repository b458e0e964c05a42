package org.openpincery.store;

/** The result of re-computing an agent's hash chain. */
public sealed interface ChainVerification {

  /**
   * The SQL common table expression {@code first_bad(seq, problem)} that follows a {@code
   * chain(seq, hash, prev_hash, recomputed, expected_prev, previous_seq)} expression in both
   * chains' verifications (agents' events, workspaces' audit trail): the first broken link in seq
   * order — for a gap the first missing seq, else the entry itself — and which problem it has.
   */
  String FIRST_BAD =
      """
      first_bad AS (
          SELECT CASE WHEN c.seq <> c.previous_seq + 1 THEN c.previous_seq + 1 ELSE c.seq END AS seq,
                 CASE WHEN c.seq <> c.previous_seq + 1 THEN 'gap'
                      WHEN c.prev_hash <> c.expected_prev THEN 'prev_hash_mismatch'
                      ELSE 'hash_mismatch' END AS problem
            FROM chain c
           WHERE c.seq <> c.previous_seq + 1 OR c.prev_hash <> c.expected_prev
              OR c.hash <> c.recomputed
           ORDER BY c.seq
           LIMIT 1
      )
      """;

  /** Every event links to its predecessor and hashes to what is stored. */
  record Valid(long eventsChecked) implements ChainVerification {}

  /**
   * The first place the chain does not hold.
   *
   * @param firstBadSeq the seq of the first event that is missing, altered or mislinked
   * @param problem {@code gap}, {@code prev_hash_mismatch}, {@code hash_mismatch} or {@code
   *     head_mismatch}
   */
  record Broken(long firstBadSeq, String problem, long eventsChecked)
      implements ChainVerification {}
}
