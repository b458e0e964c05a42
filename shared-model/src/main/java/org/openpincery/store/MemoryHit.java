package org.openpincery.store;

import java.time.Instant;

/**
 * One event found in an agent's memory.
 *
 * @param seq the event's position in the agent's log
 * @param eventType its type's wire name
 * @param createdAt when it was appended
 * @param snippet plain text from the event around the match, at most {@value #MAX_SNIPPET_CHARS}
 *     characters; untrusted (it is what people, webhooks, tools or the model wrote)
 * @param score the ranking's score, higher is better; comparable only within one result list
 */
public record MemoryHit(
    long seq, String eventType, Instant createdAt, String snippet, double score) {

  /** The longest snippet a hit carries. */
  public static final int MAX_SNIPPET_CHARS = 300;

  /** This hit with another score (a fused ranking's). */
  public MemoryHit withScore(double newScore) {
    return new MemoryHit(seq, eventType, createdAt, snippet, newScore);
  }
}
