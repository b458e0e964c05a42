package org.openpincery.model;

import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The seed's semantic stop ("no kill switch"): a person's message that says only "stop" stops the
 * agent, one that says only "carry on" resumes it. The gateway marks such a message with payload
 * {@code control}; the V18 trigger {@code events_semantic_stop} applies it in the transaction that
 * records the message. Anything else is an ordinary message.
 */
public enum SemanticStop {
  STOP("stop"),
  CARRY_ON("carry_on");

  private static final Set<String> STOP_PHRASES =
      Set.of("stop", "halt", "pause", "stop now", "please stop");
  private static final Set<String> CARRY_ON_PHRASES =
      Set.of("carry on", "continue", "resume", "go on", "please continue", "carry on please");

  private final String wire;

  SemanticStop(String wire) {
    this.wire = wire;
  }

  /** The payload's {@code control} value. */
  public String wire() {
    return wire;
  }

  /**
   * The control a message's whole text says, if any: compared trimmed, lower-cased, with inner
   * whitespace collapsed and trailing {@code .} and {@code !} removed.
   */
  public static Optional<SemanticStop> of(String content) {
    if (content == null || content.length() > 40) {
      return Optional.empty();
    }
    String said =
        content.strip().toLowerCase(Locale.ROOT).replaceAll("\\s+", " ").replaceAll("[.!]+$", "");
    if (STOP_PHRASES.contains(said)) {
      return Optional.of(STOP);
    }
    if (CARRY_ON_PHRASES.contains(said)) {
      return Optional.of(CARRY_ON);
    }
    return Optional.empty();
  }
}
