package org.openpincery.store;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
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
                               http_status, input_tokens, output_tokens, cost_usd, latency_ms,
                               estimated)
      SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13 FROM owner, spend
      RETURNING id
      """;

  // Newest first, keyset-paged on (created_at, id) (index model_calls_agent_created_idx, V6). An
  // unknown cursor matches no row, so it gives an empty page. Bodies are left out: a page stays
  // small however large the prompts were.
  private static final String PAGE_CALLS =
      """
      SELECT id, wake_id, purpose, model, outcome, http_status, input_tokens, output_tokens,
             cost_usd, estimated, latency_ms, created_at
        FROM model_calls m
       WHERE m.agent_id = $1
         AND ($4::uuid IS NULL OR m.wake_id = $4)
         AND ($2::uuid IS NULL
              OR (m.created_at, m.id) < (SELECT c.created_at, c.id FROM model_calls c
                                          WHERE c.id = $2 AND c.agent_id = $1))
       ORDER BY m.created_at DESC, m.id DESC
       LIMIT $3
      """;

  // One call with its bodies, for the control plane's "open this call". A wake's request is stored
  // without its tool specs, which are kept once per distinct set (V12): put back here.
  private static final String GET_CALL =
      """
      SELECT m.id, m.wake_id, m.purpose, m.model, m.outcome, m.http_status, m.input_tokens,
             m.output_tokens, m.cost_usd, m.estimated, m.latency_ms, m.created_at,
             CASE WHEN t.tools IS NULL THEN m.request
                  ELSE m.request || jsonb_build_object('tools', t.tools) END AS request,
             m.response
        FROM model_calls m
        LEFT JOIN model_call_tool_sets t ON t.digest = m.tools_digest
       WHERE m.agent_id = $1 AND m.id = $2
      """;

  private final Pool pool;

  ModelCallRepository(Pool pool) {
    this.pool = pool;
  }

  /**
   * One call as it happened. {@code response} is null when there was none (timeout, transport).
   * {@code estimated}: the tokens (and so the cost) are an estimate from sizes, because the
   * provider reported no usable usage.
   */
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
      long latencyMillis,
      boolean estimated) {

    /** A call whose tokens the provider reported. */
    public ModelCall(
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
      this(
          purpose,
          model,
          request,
          response,
          outcome,
          httpStatus,
          inputTokens,
          outputTokens,
          costUsd,
          latencyMillis,
          false);
    }

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
          latencyMillis,
          estimated);
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
          .put("latency_ms", Math.min(Integer.MAX_VALUE, latencyMillis))
          .put("estimated", estimated);
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
            .addInteger((int) Math.min(Integer.MAX_VALUE, call.latencyMillis()))
            .addBoolean(call.estimated());
    return pool.preparedQuery(RECORD_CALL)
        .execute(params)
        .map(
            rows ->
                Rows.<RecordResult>first(rows, row -> new RecordResult.Recorded(row.getUUID("id")))
                    .orElseGet(RecordResult.LeaseLost::new));
  }

  /**
   * A stored call as the API lists it, without its request and response bodies.
   *
   * @param costUsd dollars charged to the agent's budget
   * @param httpStatus null when there was no HTTP answer
   */
  public record CallSummary(
      UUID id,
      UUID wakeId,
      String purpose,
      String model,
      String outcome,
      Integer httpStatus,
      Integer inputTokens,
      Integer outputTokens,
      BigDecimal costUsd,
      boolean estimated,
      Integer latencyMillis,
      OffsetDateTime createdAt) {}

  /**
   * An agent's calls, newest first: at most {@code limit}, older than the call {@code before} when
   * it is given (an id from an earlier page; one that is not this agent's gives an empty page).
   */
  public Future<List<CallSummary>> page(UUID agentId, UUID before, int limit) {
    return page(agentId, before, limit, null);
  }

  /** The same, only the calls of the wake {@code wakeId} when it is not null. */
  public Future<List<CallSummary>> page(UUID agentId, UUID before, int limit, UUID wakeId) {
    return pool.preparedQuery(PAGE_CALLS)
        .execute(Tuple.of(agentId, before, limit, wakeId))
        .map(
            rows -> {
              List<CallSummary> out = new ArrayList<>(rows.size());
              for (Row r : rows) {
                out.add(summary(r));
              }
              return out;
            });
  }

  /**
   * A stored call with its bodies as they were sent and received.
   *
   * @param request the chat request (model, messages, tools)
   * @param response the provider's answer, or null when there was none
   */
  public record CallDetail(CallSummary summary, JsonObject request, JsonObject response) {}

  /** One call of the agent, or empty when it has no call with that id. */
  public Future<java.util.Optional<CallDetail>> get(UUID agentId, UUID callId) {
    return pool.preparedQuery(GET_CALL)
        .execute(Tuple.of(agentId, callId))
        .map(
            rows ->
                Rows.first(
                    rows,
                    r ->
                        new CallDetail(
                            summary(r),
                            (JsonObject) r.getJson("request"),
                            r.getValue("response") == null
                                ? null
                                : (JsonObject) r.getJson("response"))));
  }

  private static CallSummary summary(Row r) {
    return new CallSummary(
        r.getUUID("id"),
        r.getUUID("wake_id"),
        r.getString("purpose"),
        r.getString("model"),
        r.getString("outcome"),
        r.getInteger("http_status"),
        r.getInteger("input_tokens"),
        r.getInteger("output_tokens"),
        r.getBigDecimal("cost_usd"),
        r.getBoolean("estimated"),
        r.getInteger("latency_ms"),
        r.getOffsetDateTime("created_at"));
  }
}
