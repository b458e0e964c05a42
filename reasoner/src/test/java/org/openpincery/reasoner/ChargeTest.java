package org.openpincery.reasoner;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A call is charged what the provider reported, and an estimate where it reported nothing. */
class ChargeTest {

  private static final Pricing PRICING = new Pricing(new BigDecimal("3"), new BigDecimal("15"));
  // 300 characters of request: 100 tokens by the generous estimate.
  private static final ChatRequest REQUEST = request();

  private static ChatRequest request() {
    ChatRequest probe = new ChatRequest("m", List.of(ChatMessage.user("")), List.of(), 16, "wake");
    int pad = 300 - (int) probe.promptChars();
    return new ChatRequest("m", List.of(ChatMessage.user("x".repeat(pad))), List.of(), 16, "wake");
  }

  private static ChatResponse answer(String text, ReportedUsage usage) {
    return new ChatResponse(text, List.of(), "stop", usage, null);
  }

  private static Charge charge(String text, ReportedUsage usage) {
    return Charge.of(REQUEST, answer(text, usage), PRICING);
  }

  @Test
  void reportedUsageIsChargedAsReported() {
    assertThat(REQUEST.promptChars()).isEqualTo(300);
    Charge c = charge("hello", ReportedUsage.of(1000, 200));
    assertThat(c).isEqualTo(new Charge(1000, 200, PRICING.cost(new Usage(1000, 200)), false));
    assertThat(c.costUsd()).isEqualByComparingTo("0.006");
  }

  @Test
  void noUsageIsChargedAnEstimateFromTheSizes() {
    // 300 chars of request → 100 tokens; 7 chars of answer → 3 tokens (rounded up).
    for (ReportedUsage none :
        List.of(
            ReportedUsage.NONE,
            new ReportedUsage(0, 0, 0),
            new ReportedUsage(0, null, null),
            new ReportedUsage(null, 0, 0))) {
      Charge c = charge("1234567", none);
      assertThat(c.inputTokens()).as("%s", none).isEqualTo(100);
      assertThat(c.outputTokens()).as("%s", none).isEqualTo(3);
      assertThat(c.estimated()).as("%s", none).isTrue();
      assertThat(c.costUsd()).as("%s", none).isEqualByComparingTo(PRICING.cost(new Usage(100, 3)));
      assertThat(c.costUsd().signum()).isPositive();
    }
  }

  @Test
  void theTotalFillsAMissingSideWhenItDeterminesIt() {
    assertThat(charge("hi", new ReportedUsage(null, 7, 19)))
        .isEqualTo(new Charge(12, 7, PRICING.cost(new Usage(12, 7)), false));
    assertThat(charge("hi", new ReportedUsage(12, null, 19)))
        .isEqualTo(new Charge(12, 7, PRICING.cost(new Usage(12, 7)), false));
    // A total alone is split by the answer's estimated share.
    assertThat(charge("123456", new ReportedUsage(null, null, 50)))
        .isEqualTo(new Charge(48, 2, PRICING.cost(new Usage(48, 2)), true));
    // One side alone: the other is estimated.
    assertThat(charge("123456", new ReportedUsage(40, null, null)))
        .isEqualTo(new Charge(40, 2, PRICING.cost(new Usage(40, 2)), true));
  }

  @Test
  void aReportedZeroIsBelievedOnlyWhereNothingWasGenerated() {
    assertThat(charge("", ReportedUsage.of(80, 0)))
        .isEqualTo(new Charge(80, 0, PRICING.cost(new Usage(80, 0)), false));
    assertThat(charge("some text", ReportedUsage.of(80, 0)).estimated()).isTrue();
  }

  @Test
  void anUnreadableAnswerIsChargedFromItsSize() {
    Charge c = Charge.estimate(REQUEST, 30, PRICING);
    assertThat(c).isEqualTo(new Charge(100, 10, PRICING.cost(new Usage(100, 10)), true));
  }
}
