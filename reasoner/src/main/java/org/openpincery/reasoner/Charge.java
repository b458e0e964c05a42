package org.openpincery.reasoner;

import java.math.BigDecimal;

/**
 * What a model call is charged: tokens in and out, dollars, and whether the tokens are an estimate.
 *
 * <p>Never nothing for an answered call. The provider's counts are used where they are usable; a
 * side it left out is taken from {@code total_tokens} when that determines it, and otherwise
 * estimated from the sizes of the request and the answer with the same generous rule as {@link
 * Pricing#worstCase}: one token per 3 characters, rounded up. A reported zero for a side that
 * plainly had text (every prompt has; an answer with content, tool calls or reasoning has) is taken
 * as not reported: some servers report 0 for a cached prompt.
 *
 * @param estimated true when any token count is an estimate rather than the provider's
 */
public record Charge(int inputTokens, int outputTokens, BigDecimal costUsd, boolean estimated) {

  /** A call that got no answer is not charged. */
  public static final Charge NONE = new Charge(0, 0, BigDecimal.ZERO, false);

  /** The charge of an answered call. */
  public static Charge of(ChatRequest request, ChatResponse response, Pricing pricing) {
    ReportedUsage u = response.usage();
    long answerChars = response.answerChars();
    Integer p = u.promptTokens() == null || u.promptTokens() == 0 ? null : u.promptTokens();
    Integer c =
        u.completionTokens() == null || (u.completionTokens() == 0 && answerChars > 0)
            ? null
            : u.completionTokens();
    Integer t = u.totalTokens() == null || u.totalTokens() == 0 ? null : u.totalTokens();
    if (p == null && c != null && t != null && t > c) {
      p = t - c;
    }
    if (c == null && p != null && t != null && t >= p && (t > p || answerChars == 0)) {
      c = t - p;
    }
    boolean estimated = false;
    if (p == null && c == null && t != null) {
      // Only a total: the answer's estimated share of it is output, the rest input.
      c = (int) Math.min(t, Pricing.tokens(answerChars));
      p = t - c > 0 ? t - c : null;
      estimated = true;
    }
    if (p == null) {
      p = Pricing.tokens(request.promptChars());
      estimated = true;
    }
    if (c == null) {
      c = Pricing.tokens(answerChars);
      estimated = true;
    }
    return new Charge(p, c, pricing.cost(new Usage(p, c)), estimated);
  }

  /**
   * An estimate from sizes alone: for an answer that came back but could not be read (the provider
   * did the work, and most likely billed it).
   */
  public static Charge estimate(ChatRequest request, long answerChars, Pricing pricing) {
    int p = Pricing.tokens(request.promptChars());
    int c = Pricing.tokens(answerChars);
    return new Charge(p, c, pricing.cost(new Usage(p, c)), true);
  }
}
