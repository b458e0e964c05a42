package org.openpincery.reasoner;

import org.openpincery.store.ModelCallRepository.ModelCall;

/**
 * A model call as it is stored: request, response, tokens, cost at the given prices, outcome, and
 * whether the tokens are an estimate. An answered call is never free ({@link Charge}); an answer
 * that came back (2xx) but could not be read is charged an estimate from the request's and the
 * body's sizes; a call that got no answer (timeout, transport, 4xx, 5xx) costs nothing.
 */
public final class CallRecords {

  private CallRecords() {}

  public static ModelCall of(
      String purpose, ChatRequest request, CallOutcome outcome, Pricing pricing) {
    return switch (outcome) {
      case CallOutcome.Answered a -> {
        Charge charge = Charge.of(request, a.response(), pricing);
        yield record(purpose, request, a.response().raw(), "ok", 200, charge, a);
      }
      case CallOutcome.Failed f -> {
        boolean answered = f.kind().equals("malformed") && f.httpStatus() / 100 == 2;
        Charge charge = answered ? Charge.estimate(request, f.answerChars(), pricing) : Charge.NONE;
        yield record(purpose, request, null, f.kind(), f.httpStatus(), charge, f);
      }
    };
  }

  private static ModelCall record(
      String purpose,
      ChatRequest request,
      io.vertx.core.json.JsonObject response,
      String outcome,
      int status,
      Charge charge,
      CallOutcome call) {
    return new ModelCall(
        purpose,
        request.model(),
        request.toJson(),
        response,
        outcome,
        status,
        charge.inputTokens(),
        charge.outputTokens(),
        charge.costUsd(),
        call.latency().toMillis(),
        charge.estimated());
  }
}
