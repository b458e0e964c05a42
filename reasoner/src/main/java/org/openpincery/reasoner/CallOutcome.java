package org.openpincery.reasoner;

import java.time.Duration;

/** How a model call ended, after any retries. Failures are values: the wake decides what to do. */
public sealed interface CallOutcome {

  int attempts();

  Duration latency();

  record Answered(ChatResponse response, int attempts, Duration latency) implements CallOutcome {}

  /**
   * @param kind {@code timeout}, {@code transport}, {@code rate_limited}, {@code server_error},
   *     {@code client_error} (never retried) or {@code malformed}
   * @param httpStatus the last HTTP status, or 0 when there was none
   * @param answerChars the size of an unreadable answer ({@code malformed}), 0 otherwise: such an
   *     answer is charged an estimate
   */
  record Failed(
      String kind, String message, int httpStatus, int attempts, Duration latency, long answerChars)
      implements CallOutcome {

    public Failed(String kind, String message, int httpStatus, int attempts, Duration latency) {
      this(kind, message, httpStatus, attempts, latency, 0);
    }
  }
}
