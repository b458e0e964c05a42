-- A wake that made no model call has nothing for maintenance to learn from: its input is still
-- pending (nothing was shown to a model) and it said and did nothing. It used to go to maintenance
-- all the same, whose pass then paid a model call to rewrite the projection from that nothing
-- (after every wake cut short at shutdown, disabled or out of budget before its first call).
-- pincery_wake_step takes p_maintain: false ends such a wake straight to asleep (wake_end, lease
-- and wake cleared, no maintenance pass) and returns pending — whether its input should wake it
-- again now, as pincery_complete_maintenance does. Otherwise as in V8. A bare wake (claim ->
-- wake_end -> asleep, no model) is three transactions instead of five.

DROP FUNCTION pincery_end_wake(uuid, uuid, bigint, text, bigint);
DROP FUNCTION pincery_wake_step(uuid, uuid, bigint, jsonb, jsonb, text, bigint, bigint);

CREATE FUNCTION pincery_wake_step(
    p_agent_id uuid, p_wake_id uuid, p_lease_ms bigint, p_call jsonb, p_events jsonb,
    p_end_reason text, p_seen_seq bigint, p_maintenance_lease_ms bigint, p_maintain boolean)
RETURNS TABLE (inbox_seq bigint, is_enabled boolean, budget_limit_usd numeric,
               budget_spent_usd numeric, last_seq bigint, consumed_seq bigint, deliveries jsonb,
               pending boolean)
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
    v_next       text;
BEGIN
    -- The status a wake's end leaves: maintenance, or asleep when there is nothing to maintain.
    v_next := CASE WHEN p_end_reason IS NULL THEN 'awake'
                   WHEN coalesce(p_maintain, true) THEN 'maintenance'
                   ELSE 'asleep' END;
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
        IF v_item ? 'timer_set' THEN
            -- An agent deleted while this wake ran gets its timer already cancelled: it never
            -- fires (the delete cancelled the others).
            INSERT INTO timers (id, agent_id, due_at, note, created_by_wake, cancelled_at)
            VALUES ((v_item->'timer_set'->>'id')::uuid, p_agent_id,
                    (v_item->'timer_set'->>'due_at')::timestamptz,
                    coalesce(v_item->'timer_set'->>'note', ''), p_wake_id,
                    CASE WHEN v_agent.deleted_at IS NOT NULL THEN now() END);
            CONTINUE;
        END IF;
        IF v_item ? 'timer_cancel' THEN
            UPDATE timers t SET cancelled_at = now()
             WHERE t.id = (v_item->>'timer_cancel')::uuid AND t.agent_id = p_agent_id
               AND t.fired_at IS NULL AND t.cancelled_at IS NULL;
            CONTINUE;
        END IF;
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
           status = v_next,
           wake_id = CASE WHEN v_next = 'asleep' THEN NULL ELSE a.wake_id END,
           lease_owner = CASE WHEN p_end_reason IS NULL THEN a.lease_owner END,
           lease_expires_at = CASE WHEN v_next = 'asleep' THEN NULL
                                   ELSE now() + CASE WHEN p_end_reason IS NULL THEN p_lease_ms
                                                     ELSE p_maintenance_lease_ms END
                                                * interval '1 millisecond' END,
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
           maintenance_attempts = CASE WHEN p_end_reason IS NULL THEN a.maintenance_attempts
                                       ELSE 0 END,
           updated_at = CASE WHEN p_end_reason IS NULL THEN a.updated_at ELSE now() END
     WHERE a.id = p_agent_id
    RETURNING a.* INTO v_agent;
    RETURN QUERY SELECT v_agent.inbox_seq, v_agent.is_enabled, v_agent.budget_limit_usd,
                        v_agent.budget_spent_usd, v_seq,
                        CASE WHEN p_end_reason IS NULL THEN NULL ELSE v_agent.consumed_seq END,
                        v_deliveries,
                        v_next = 'asleep' AND v_agent.is_enabled AND v_agent.has_pending
                            AND (v_agent.wake_retry_at IS NULL OR v_agent.wake_retry_at <= now());
END;
$$;

-- As V4, with p_maintain (true: to maintenance, as before) and pending.
CREATE FUNCTION pincery_end_wake(p_agent_id uuid, p_wake_id uuid, p_seen_seq bigint,
                                 p_reason text, p_lease_ms bigint, p_maintain boolean)
RETURNS TABLE (seq bigint, consumed_seq bigint, pending boolean)
LANGUAGE sql AS $$
    SELECT s.last_seq, s.consumed_seq, s.pending
      FROM pincery_wake_step(p_agent_id, p_wake_id, p_lease_ms, NULL, NULL, p_reason, p_seen_seq,
                             p_lease_ms, p_maintain) s
$$;
