-- The tool specs sent with a wake's model calls are the same for every call of every wake while
-- the installation runs one release: ~4 KB of the ~5 KB request of a fresh wake. They were stored
-- (parsed, compressed, written to the WAL) with every call. Now each distinct set is stored once,
-- by the SHA-256 of its text, and a call's row keeps the rest of its request and the set's digest;
-- a reader puts the two together again (ModelCallRepository). Rows written before this keep their
-- whole request and no digest.
--
-- No foreign key from model_calls: its check would lock the one shared row of the set in every
-- transaction that records a call. A set is inserted in the same transaction as the first call that
-- names it, and sets are never deleted.
CREATE TABLE model_call_tool_sets (
    digest     bytea       NOT NULL,
    tools      jsonb       NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT model_call_tool_sets_pk PRIMARY KEY (digest)
);

ALTER TABLE model_calls ADD COLUMN tools_digest bytea;

-- As V6, and a request's "tools" array goes to model_call_tool_sets (once per distinct set).
-- p_call: {purpose, model, request, response, outcome, http_status, input_tokens, output_tokens,
--          cost_usd, latency_ms, estimated}
CREATE OR REPLACE FUNCTION pincery_insert_model_call(p_agent_id uuid, p_wake_id uuid, p_call jsonb)
RETURNS numeric
LANGUAGE plpgsql AS $$
DECLARE
    v_cost    numeric(18,6) := coalesce((p_call->>'cost_usd')::numeric, 0);
    v_request jsonb         := p_call->'request';
    v_digest  bytea;
BEGIN
    IF jsonb_typeof(v_request->'tools') = 'array' THEN
        v_digest := sha256(convert_to((v_request->'tools')::text, 'UTF8'));
        INSERT INTO model_call_tool_sets (digest, tools)
        VALUES (v_digest, v_request->'tools')
        ON CONFLICT (digest) DO NOTHING;
        v_request := v_request - 'tools';
    END IF;
    INSERT INTO model_calls (agent_id, wake_id, purpose, model, request, tools_digest, response,
                             outcome, http_status, input_tokens, output_tokens, cost_usd,
                             latency_ms, estimated)
    VALUES (p_agent_id, p_wake_id, p_call->>'purpose', p_call->>'model', v_request, v_digest,
            CASE WHEN jsonb_typeof(p_call->'response') = 'object' THEN p_call->'response' END,
            p_call->>'outcome', (p_call->>'http_status')::integer,
            (p_call->>'input_tokens')::integer, (p_call->>'output_tokens')::integer, v_cost,
            (p_call->>'latency_ms')::integer,
            coalesce(jsonb_typeof(p_call->'estimated') = 'boolean'
                     AND (p_call->>'estimated')::boolean, false));
    RETURN v_cost;
END;
$$;
