package org.openpincery.store;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.math.BigDecimal;
import java.util.UUID;
import org.openpincery.model.StorableText;

/**
 * Every model request and response, with tokens, cost, latency and outcome, so any wake can be
 * inspected and replayed. Recording a call also settles its cost against the agent's budget, in the
 * same statement, and only while the wake still owns the agent.
 */
public final class ModelCallRepository {

  // Fenced by wake_id; the spend moves in the same transaction as the record, so the budget never
  // disagrees with the calls that were stored.
  private static final String RECORD_CALL =
      """
      WITH owner AS (
          SELECT id FROM agents
           WHERE id = $1 AND wake_id = $2 AND status <> 'asleep'
             FOR NO KEY UPDATE
      ), spend AS (
          UPDATE agents a SET budget_spent_usd = a.budget_spent_usd + $11
            FROM owner WHERE a.id = owner.id
          RETURNING a.budget_spent_usd
      )
      INSERT INTO model_calls (agent_id, wake_id, purpose, model, request, response, outcome,
                               http_status, input_tokens, output_tokens, cost_usd, latency_ms)
      SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12 FROM owner, spend
      RETURNING id
      """;

  private final Pool pool;

  ModelCallRepository(Pool pool) {
    this.pool = pool;
  }

  /** One call as it happened. {@code response} is null when there was none (timeout, transport). */
  public record ModelCall(
      String purpose,
      String model,
      JsonObject request,
      JsonObject response,
      String outcome,
      int httpStatus,
      int inputTokens,
      int outputTokens,
      BigDecimal costUsd,
      long latencyMillis) {

    /**
     * This call as PostgreSQL can store it: itself, or a copy whose request or response (whichever
     * holds text that jsonb refuses: U+0000, an unpaired surrogate) has every string and key {@link
     * StorableText#escape escaped} and {@code "pincery_escaped": true} added at its top level. The
     * raw answer of a provider is outside text; recording it never fails on it.
     */
    public ModelCall storable() {
      JsonObject req = storableJson(request);
      JsonObject res = storableJson(response);
      if (req == request && res == response) {
        return this;
      }
      return new ModelCall(
          purpose,
          model,
          req,
          res,
          outcome,
          httpStatus,
          inputTokens,
          outputTokens,
          costUsd,
          latencyMillis);
    }

    private static JsonObject storableJson(JsonObject json) {
      if (StorableText.isStorable(json)) {
        return json;
      }
      return ((JsonObject) StorableText.escapeJson(json)).put("pincery_escaped", true);
    }

    /** The call as the SQL function {@code pincery_insert_model_call} takes it. */
    JsonObject toJson() {
      return new JsonObject()
          .put("purpose", purpose)
          .put("model", model)
          .put("request", request)
          .put("response", response)
          .put("outcome", outcome)
          .put("http_status", httpStatus == 0 ? null : httpStatus)
          .put("input_tokens", inputTokens)
          .put("output_tokens", outputTokens)
          .put("cost_usd", costUsd.toPlainString())
          .put("latency_ms", Math.min(Integer.MAX_VALUE, latencyMillis));
    }
  }

  /** The outcome of recording: stored with its id, or the wake no longer owns the agent. */
  public sealed interface RecordResult {
    record Recorded(UUID callId) implements RecordResult {}

    record LeaseLost() implements RecordResult {}
  }

  public Future<RecordResult> record(UUID agentId, UUID wakeId, ModelCall unchecked) {
    ModelCall call = unchecked.storable();
    Tuple params =
        Tuple.tuple()
            .addUUID(agentId)
            .addUUID(wakeId)
            .addString(call.purpose())
            .addString(call.model())
            .addValue(call.request())
            .addValue(call.response())
            .addString(call.outcome())
            .addInteger(call.httpStatus() == 0 ? null : call.httpStatus())
            .addInteger(call.inputTokens())
            .addInteger(call.outputTokens())
            .addBigDecimal(call.costUsd())
            .addInteger((int) Math.min(Integer.MAX_VALUE, call.latencyMillis()));
    return pool.preparedQuery(RECORD_CALL)
        .execute(params)
        .map(
            rows ->
                Rows.<RecordResult>first(rows, row -> new RecordResult.Recorded(row.getUUID("id")))
                    .orElseGet(RecordResult.LeaseLost::new));
  }
}
