-- The wake engine: one transaction per wake step, unclaimed maintenance, retry back-off after a
-- model failure, and budget exhaustion that parks the agent until an operator raises the budget.

-- After a wake that ended llm_error with input still pending, the agent is not claimed again
-- before wake_retry_at (back-off doubling per consecutive failure). Neither column is indexed, so
-- updates stay HOT.
ALTER TABLE agents
    ADD COLUMN wake_retry_at timestamptz,
    ADD COLUMN llm_failures integer NOT NULL DEFAULT 0,
    ADD CONSTRAINT agents_llm_failures_non_negative CHECK (llm_failures >= 0);

-- The event hash (V1) as PL/pgSQL, same expression: called from PL/pgSQL, a SQL-language
-- function is planned again on every call, which made hashing the costliest part of an append.
-- PL/pgSQL plans its expression once per session.
CREATE OR REPLACE FUNCTION pincery_event_hash(
    p_prev_hash bytea, p_agent_id uuid, p_seq bigint, p_event_type text, p_source text,
    p_wake_id uuid, p_content text, p_tool_name text, p_tool_input jsonb, p_tool_output text,
    p_termination_reason text, p_payload jsonb, p_created_at timestamptz, p_id uuid)
RETURNS bytea
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    RETURN sha256(
        p_prev_hash
        || uuid_send(p_agent_id)
        || int8send(p_seq)
        || int8send((extract(epoch FROM p_created_at) * 1000000)::bigint)
        || uuid_send(p_id)
        || pincery_hash_field(p_event_type)
        || pincery_hash_field(p_source)
        || pincery_hash_field(p_wake_id::text)
        || pincery_hash_field(p_content)
        || pincery_hash_field(p_tool_name)
        || pincery_hash_field(p_tool_input::text)
        || pincery_hash_field(p_tool_output)
        || pincery_hash_field(p_termination_reason)
        || pincery_hash_field(p_payload::text));
END;
$$;

-- Inserts one event at a seq the caller has taken under the agent's row lock, and returns its
-- hash. The caller moves the agent's heads once for all the events it inserts (one row update per
-- transaction instead of one per event). Only for the agent's own, non-waking events: waking
-- events go through pincery_append_event, which also moves the inbox head.
CREATE FUNCTION pincery_insert_event(
    p_agent_id uuid, p_seq bigint, p_prev_hash bytea, p_event_type text, p_source text,
    p_wake_id uuid, p_content text, p_tool_name text, p_tool_input jsonb, p_tool_output text,
    p_termination_reason text, p_payload jsonb)
RETURNS bytea
LANGUAGE plpgsql AS $$
DECLARE
    v_id      uuid        := gen_random_uuid();
    v_now     timestamptz := clock_timestamp();
    v_payload jsonb       := coalesce(p_payload, '{}'::jsonb);
    v_hash    bytea;
BEGIN
    IF pincery_is_waking(p_event_type) THEN
        RAISE EXCEPTION 'pincery_insert_event is for non-waking events, got %', p_event_type;
    END IF;
    v_hash := pincery_event_hash(p_prev_hash, p_agent_id, p_seq, p_event_type, p_source,
        p_wake_id, p_content, p_tool_name, p_tool_input, p_tool_output, p_termination_reason,
        v_payload, v_now, v_id);
    INSERT INTO events (agent_id, seq, id, event_type, source, wake_id, content, tool_name,
                        tool_input, tool_output, termination_reason, payload, created_at,
                        prev_hash, hash)
    VALUES (p_agent_id, p_seq, v_id, p_event_type, p_source, p_wake_id, p_content, p_tool_name,
            p_tool_input, p_tool_output, p_termination_reason, v_payload, v_now, p_prev_hash,
            v_hash);
    RETURN v_hash;
END;
$$;

-- Stores one model call and returns its cost; the caller, which holds the agent's row lock and
-- has checked the fence, adds the cost to the budget in its own update of the agent row.
-- p_call: {purpose, model, request, response, outcome, http_status, input_tokens, output_tokens,
--          cost_usd, latency_ms}
CREATE FUNCTION pincery_insert_model_call(p_agent_id uuid, p_wake_id uuid, p_call jsonb)
RETURNS numeric
LANGUAGE plpgsql AS $$
DECLARE
    v_cost numeric(18,6) := coalesce((p_call->>'cost_usd')::numeric, 0);
BEGIN
    INSERT INTO model_calls (agent_id, wake_id, purpose, model, request, response, outcome,
                             http_status, input_tokens, output_tokens, cost_usd, latency_ms)
    VALUES (p_agent_id, p_wake_id, p_call->>'purpose', p_call->>'model', p_call->'request',
            CASE WHEN jsonb_typeof(p_call->'response') = 'object' THEN p_call->'response' END,
            p_call->>'outcome', (p_call->>'http_status')::integer,
            (p_call->>'input_tokens')::integer, (p_call->>'output_tokens')::integer, v_cost,
            (p_call->>'latency_ms')::integer);
    RETURN v_cost;
END;
$$;

-- One step of a wake, in one transaction (ARCHITECTURE.md §5), fenced by the wake:
--  * locks the agent and every recipient of a send_message in id order (the order all batch
--    writers use, so two agents messaging each other cannot deadlock);
--  * records the step's model call (p_call, may be NULL);
--  * appends the step's own events, and, for items with "to_agent_id", an agent_message_received
--    to a live agent of the same workspace (which wakes it);
--  * with p_end_reason, appends wake_end and ends the wake: awake -> maintenance (unclaimed,
--    under a maintenance lease), consumed_seq up to p_seen_seq. budget_exhausted also disables
--    the agent (reason budget_exhausted) so that its pending input waits for a budget instead of
--    waking it again at once; llm_error sets a retry back-off for input still pending;
--  * and updates the agent row once: heads, spend, lease (the step is the heartbeat), status.
-- Returns no row, and writes nothing, when the wake no longer owns the agent.
-- p_events: [{type, source, content, tool_name, tool_input, tool_output, payload, to_agent_id?}]
-- (a JSON null counts as absent)
CREATE FUNCTION pincery_wake_step(
    p_agent_id uuid, p_wake_id uuid, p_lease_ms bigint, p_call jsonb, p_events jsonb,
    p_end_reason text, p_seen_seq bigint, p_maintenance_lease_ms bigint)
RETURNS TABLE (inbox_seq bigint, is_enabled boolean, budget_limit_usd numeric,
               budget_spent_usd numeric, last_seq bigint, consumed_seq bigint, deliveries jsonb)
LANGUAGE plpgsql AS $$
DECLARE
    v_agent      agents%ROWTYPE;
    v_item       jsonb;
    v_target     uuid;
    v_event      record;
    v_seq        bigint;
    v_hash       bytea;
    v_cost       numeric := 0;
    v_deliveries jsonb := '[]'::jsonb;
BEGIN
    IF jsonb_path_exists(coalesce(p_events, '[]'::jsonb), '$[*].to_agent_id') THEN
        PERFORM 1 FROM agents a
          WHERE a.id = p_agent_id
             OR a.id IN (SELECT (e->>'to_agent_id')::uuid FROM jsonb_array_elements(p_events) e
                          WHERE e ? 'to_agent_id')
          ORDER BY a.id
            FOR NO KEY UPDATE;
    END IF;
    SELECT * INTO v_agent FROM agents a
     WHERE a.id = p_agent_id AND a.wake_id = p_wake_id AND a.status = 'awake'
       FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    v_seq := v_agent.event_seq;
    v_hash := v_agent.hash_head;

    IF p_call IS NOT NULL THEN
        v_cost := pincery_insert_model_call(p_agent_id, p_wake_id, p_call);
    END IF;

    FOR v_item IN SELECT * FROM jsonb_array_elements(coalesce(p_events, '[]'::jsonb)) LOOP
        v_target := (v_item->>'to_agent_id')::uuid;
        IF v_target IS NULL THEN
            v_seq := v_seq + 1;
            v_hash := pincery_insert_event(p_agent_id, v_seq, v_hash, v_item->>'type',
                v_item->>'source', p_wake_id, v_item->>'content', v_item->>'tool_name',
                nullif(v_item->'tool_input', 'null'::jsonb), v_item->>'tool_output', NULL,
                nullif(v_item->'payload', 'null'::jsonb));
        ELSIF EXISTS (SELECT 1 FROM agents t WHERE t.id = v_target
                         AND t.workspace_id = v_agent.workspace_id AND t.deleted_at IS NULL) THEN
            SELECT * INTO v_event FROM pincery_append_event(v_target, v_item->>'type',
                v_item->>'source', NULL, v_item->>'content', NULL, NULL, NULL, NULL,
                nullif(v_item->'payload', 'null'::jsonb), NULL);
            v_deliveries := v_deliveries || jsonb_build_object(
                'agent_id', v_target, 'seq', v_event.seq, 'pending', v_event.pending);
        END IF;
    END LOOP;

    IF p_end_reason IS NOT NULL THEN
        v_seq := v_seq + 1;
        v_hash := pincery_insert_event(p_agent_id, v_seq, v_hash, 'wake_end', 'runtime',
            p_wake_id, NULL, NULL, NULL, NULL, p_end_reason,
            jsonb_build_object('seen_seq', p_seen_seq));
    END IF;

    UPDATE agents a
       SET event_seq = v_seq,
           hash_head = v_hash,
           budget_spent_usd = a.budget_spent_usd + v_cost,
           status = CASE WHEN p_end_reason IS NULL THEN a.status ELSE 'maintenance' END,
           lease_owner = CASE WHEN p_end_reason IS NULL THEN a.lease_owner END,
           lease_expires_at = now() + CASE WHEN p_end_reason IS NULL THEN p_lease_ms
                                           ELSE p_maintenance_lease_ms END
                                      * interval '1 millisecond',
           consumed_seq = CASE WHEN p_end_reason IS NULL THEN a.consumed_seq
                               ELSE greatest(a.consumed_seq, least(p_seen_seq, a.inbox_seq)) END,
           is_enabled = a.is_enabled AND coalesce(p_end_reason, '') <> 'budget_exhausted',
           disabled_reason = CASE WHEN p_end_reason = 'budget_exhausted' AND a.is_enabled
                                  THEN 'budget_exhausted' ELSE a.disabled_reason END,
           llm_failures = CASE WHEN p_end_reason IS NULL THEN a.llm_failures
                               WHEN p_end_reason = 'llm_error' THEN a.llm_failures + 1 ELSE 0 END,
           wake_retry_at = CASE WHEN p_end_reason IS NULL THEN a.wake_retry_at
                                WHEN p_end_reason = 'llm_error'
                                THEN now() + least(900, 15 * power(2, least(a.llm_failures, 10)))
                                             * interval '1 second' END,
           updated_at = CASE WHEN p_end_reason IS NULL THEN a.updated_at ELSE now() END
     WHERE a.id = p_agent_id
    RETURNING a.* INTO v_agent;
    RETURN QUERY SELECT v_agent.inbox_seq, v_agent.is_enabled, v_agent.budget_limit_usd,
                        v_agent.budget_spent_usd, v_seq,
                        CASE WHEN p_end_reason IS NULL THEN NULL ELSE v_agent.consumed_seq END,
                        v_deliveries;
END;
$$;

-- The V1 end-of-wake now leaves maintenance unclaimed, like a step that ends the wake.
CREATE OR REPLACE FUNCTION pincery_end_wake(p_agent_id uuid, p_wake_id uuid, p_seen_seq bigint,
                                            p_reason text, p_lease_ms bigint)
RETURNS TABLE (seq bigint, consumed_seq bigint)
LANGUAGE sql AS $$
    SELECT s.last_seq, s.consumed_seq
      FROM pincery_wake_step(p_agent_id, p_wake_id, p_lease_ms, NULL, NULL, p_reason, p_seen_seq,
                             p_lease_ms) s
$$;

-- Ends a maintenance pass with its model call recorded in the same transaction (p_call may be
-- NULL when no call was made). Otherwise as pincery_finish_maintenance (V3).
CREATE FUNCTION pincery_complete_maintenance(
    p_agent_id uuid, p_wake_id uuid, p_identity text, p_work_list text, p_summary text,
    p_kept_previous boolean, p_detail jsonb, p_call jsonb)
RETURNS TABLE (version integer, pending boolean)
LANGUAGE plpgsql AS $$
DECLARE
    v_agent   agents%ROWTYPE;
    v_version integer;
    v_cost    numeric := 0;
    v_hash    bytea;
    v_pending boolean;
BEGIN
    SELECT * INTO v_agent FROM agents a
     WHERE a.id = p_agent_id AND a.wake_id = p_wake_id AND a.status = 'maintenance'
       FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    IF p_call IS NOT NULL THEN
        v_cost := pincery_insert_model_call(p_agent_id, p_wake_id, p_call);
    END IF;
    SELECT coalesce(max(p.version), 0) + 1 INTO v_version FROM projections p WHERE p.agent_id = p_agent_id;
    INSERT INTO projections (agent_id, version, wake_id, identity, work_list, summary)
    VALUES (p_agent_id, v_version, p_wake_id, p_identity, p_work_list, p_summary);
    v_hash := pincery_insert_event(p_agent_id, v_agent.event_seq + 1, v_agent.hash_head,
        CASE WHEN p_kept_previous THEN 'maintenance_failed' ELSE 'maintenance_completed' END,
        'runtime', p_wake_id, p_summary, NULL, NULL, NULL, NULL,
        coalesce(p_detail, '{}'::jsonb) || jsonb_build_object('projection_version', v_version));
    UPDATE agents a
       SET event_seq = a.event_seq + 1, hash_head = v_hash,
           budget_spent_usd = a.budget_spent_usd + v_cost,
           status = 'asleep', wake_id = NULL, lease_owner = NULL, lease_expires_at = NULL,
           updated_at = now()
     WHERE a.id = p_agent_id
    RETURNING (a.is_enabled AND a.has_pending
               AND (a.wake_retry_at IS NULL OR a.wake_retry_at <= now())) INTO v_pending;
    RETURN QUERY SELECT v_version, v_pending;
END;
$$;

CREATE OR REPLACE FUNCTION pincery_finish_maintenance(
    p_agent_id uuid, p_wake_id uuid, p_identity text, p_work_list text, p_summary text,
    p_kept_previous boolean, p_detail jsonb)
RETURNS TABLE (version integer, pending boolean)
LANGUAGE sql AS $$
    SELECT * FROM pincery_complete_maintenance(p_agent_id, p_wake_id, p_identity, p_work_list,
                                               p_summary, p_kept_previous, p_detail, NULL)
$$;

-- As V1, but an agent in its retry back-off is not claimed before its time, and each claimed
-- agent's row is updated once (status, lease and the wake_start event's heads together).
CREATE OR REPLACE FUNCTION pincery_claim_pending(p_owner text, p_lease_ms bigint, p_limit integer)
RETURNS TABLE (agent_id uuid, wake_id uuid, lease_expires_at timestamptz, inbox_seq bigint, consumed_seq bigint)
LANGUAGE plpgsql AS $$
DECLARE
    v_row  agents%ROWTYPE;
    v_wake uuid;
    v_hash bytea;
BEGIN
    FOR v_row IN
        SELECT * FROM agents a
         WHERE a.status = 'asleep' AND a.is_enabled AND a.has_pending
           AND (a.wake_retry_at IS NULL OR a.wake_retry_at <= now())
         ORDER BY a.id
         LIMIT p_limit
           FOR NO KEY UPDATE SKIP LOCKED
    LOOP
        v_wake := gen_random_uuid();
        v_hash := pincery_insert_event(v_row.id, v_row.event_seq + 1, v_row.hash_head,
            'wake_start', 'runtime', v_wake, NULL, NULL, NULL, NULL, NULL,
            jsonb_build_object('inbox_seq', v_row.inbox_seq, 'consumed_seq', v_row.consumed_seq,
                               'owner', p_owner));
        UPDATE agents a
           SET status = 'awake', wake_id = v_wake, lease_owner = p_owner,
               lease_expires_at = now() + p_lease_ms * interval '1 millisecond',
               event_seq = a.event_seq + 1, hash_head = v_hash, updated_at = now()
         WHERE a.id = v_row.id
        RETURNING a.* INTO v_row;
        RETURN QUERY SELECT v_row.id, v_row.wake_id, v_row.lease_expires_at, v_row.inbox_seq,
                            v_row.consumed_seq;
    END LOOP;
END;
$$;
