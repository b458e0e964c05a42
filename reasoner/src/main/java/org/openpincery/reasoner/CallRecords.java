package org.openpincery.reasoner;

import java.math.BigDecimal;
import org.openpincery.store.ModelCallRepository.ModelCall;

/** A model call as it is stored: request, response, tokens, cost at the given prices, outcome. */
public final class CallRecords {

  private CallRecords() {}

  public static ModelCall of(
      String purpose, ChatRequest request, CallOutcome outcome, Pricing pricing) {
    return switch (outcome) {
      case CallOutcome.Answered a -> {
        Usage usage = a.response().usage();
        yield new ModelCall(
            purpose,
            request.model(),
            request.toJson(),
            a.response().raw(),
            "ok",
            200,
            usage.promptTokens(),
            usage.completionTokens(),
            pricing.cost(usage),
            a.latency().toMillis());
      }
      case CallOutcome.Failed f ->
          new ModelCall(
              purpose,
              request.model(),
              request.toJson(),
              null,
              f.kind(),
              f.httpStatus(),
              0,
              0,
              BigDecimal.ZERO,
              f.latency().toMillis());
    };
  }
}
