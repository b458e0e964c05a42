-- Model calls whose provider reported no usable usage are charged an estimate (one token per 3
-- characters of request and answer, rounded up) instead of nothing; the row says so. Existing
-- rows were all charged from reported usage (or not at all), hence the default.
ALTER TABLE model_calls
    ADD COLUMN estimated boolean NOT NULL DEFAULT false;

-- For GET /api/agents/:id/model-calls: an agent's calls newest first, keyset-paged on
-- (created_at, id). model_calls_agent_wake_idx (V1) orders by wake first, so it cannot serve this.
CREATE INDEX model_calls_agent_created_idx ON model_calls (agent_id, created_at DESC, id DESC);

-- As V4, and stores p_call->'estimated' (absent: false).
-- p_call: {purpose, model, request, response, outcome, http_status, input_tokens, output_tokens,
--          cost_usd, latency_ms, estimated}
CREATE OR REPLACE FUNCTION pincery_insert_model_call(p_agent_id uuid, p_wake_id uuid, p_call jsonb)
RETURNS numeric
LANGUAGE plpgsql AS $$
DECLARE
    v_cost numeric(18,6) := coalesce((p_call->>'cost_usd')::numeric, 0);
BEGIN
    INSERT INTO model_calls (agent_id, wake_id, purpose, model, request, response, outcome,
                             http_status, input_tokens, output_tokens, cost_usd, latency_ms,
                             estimated)
    VALUES (p_agent_id, p_wake_id, p_call->>'purpose', p_call->>'model', p_call->'request',
            CASE WHEN jsonb_typeof(p_call->'response') = 'object' THEN p_call->'response' END,
            p_call->>'outcome', (p_call->>'http_status')::integer,
            (p_call->>'input_tokens')::integer, (p_call->>'output_tokens')::integer, v_cost,
            (p_call->>'latency_ms')::integer,
            coalesce(jsonb_typeof(p_call->'estimated') = 'boolean'
                     AND (p_call->>'estimated')::boolean, false));
    RETURN v_cost;
END;
$$;
