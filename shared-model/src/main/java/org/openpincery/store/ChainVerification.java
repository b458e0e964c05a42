package org.openpincery.store;

/** The result of re-computing an agent's hash chain. */
public sealed interface ChainVerification {

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
