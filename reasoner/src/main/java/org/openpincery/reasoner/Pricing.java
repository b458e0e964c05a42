package org.openpincery.reasoner;

import java.math.BigDecimal;
import java.math.RoundingMode;

/** Dollars per million tokens, in and out; every model call is priced with it. */
public record Pricing(BigDecimal inputPerMTok, BigDecimal outputPerMTok) {

  private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);

  /** What a call with this usage cost. */
  public BigDecimal cost(Usage usage) {
    return inputPerMTok
        .multiply(BigDecimal.valueOf(usage.promptTokens()))
        .add(outputPerMTok.multiply(BigDecimal.valueOf(usage.completionTokens())))
        .divide(MILLION, 6, RoundingMode.UP);
  }

  /**
   * The most a call can cost: the prompt estimated generously from its size (one token per 3
   * characters, rounded up) plus the whole completion budget.
   */
  public BigDecimal worstCase(long promptChars, int maxTokens) {
    return cost(new Usage(tokens(promptChars), maxTokens));
  }

  /** The generous estimate of tokens in a text: one per 3 characters, rounded up. */
  public static int tokens(long chars) {
    return (int) Math.min(Integer.MAX_VALUE, (Math.max(0, chars) + 2) / 3);
  }
}
