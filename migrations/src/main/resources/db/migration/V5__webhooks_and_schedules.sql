-- Webhook ingress (verified deliveries, dedup) and operators' recurring schedules.

-- Receives one verified webhook delivery: the dedup key is recorded only together with its
-- event, in one transaction. The agent's row lock (taken first) serialises deliveries to one
-- agent, so checking the key and then inserting it cannot race. Outcome: accepted, duplicate, or
-- not_found (no live agent).
CREATE FUNCTION pincery_receive_webhook(
    p_agent_id uuid, p_dedup_key text, p_source text, p_content text, p_payload jsonb)
RETURNS TABLE (outcome text, event_id uuid, seq bigint, pending boolean)
LANGUAGE plpgsql AS $$
DECLARE
    v_event record;
BEGIN
    PERFORM 1 FROM agents a WHERE a.id = p_agent_id AND a.deleted_at IS NULL FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 'not_found', NULL::uuid, NULL::bigint, NULL::boolean;
        RETURN;
    END IF;
    IF EXISTS (SELECT 1 FROM webhook_deliveries d
                WHERE d.agent_id = p_agent_id AND d.dedup_key = p_dedup_key) THEN
        RETURN QUERY SELECT 'duplicate', NULL::uuid, NULL::bigint, NULL::boolean;
        RETURN;
    END IF;
    SELECT * INTO v_event FROM pincery_append_event(p_agent_id, 'webhook_received', p_source,
        NULL, p_content, NULL, NULL, NULL, NULL, p_payload, NULL);
    INSERT INTO webhook_deliveries (agent_id, dedup_key, event_seq)
    VALUES (p_agent_id, p_dedup_key, v_event.seq);
    RETURN QUERY SELECT 'accepted', v_event.event_id, v_event.seq, v_event.pending;
END;
$$;

-- Recurring wake-ups an operator sets on an agent: every N seconds, or a cron expression
-- (evaluated in UTC). The scheduler fires due ones with a timer_fired event and moves
-- next_fire_at on, in one transaction.
CREATE TABLE schedules (
    id            uuid        NOT NULL DEFAULT gen_random_uuid(),
    agent_id      uuid        NOT NULL,
    every_seconds integer,
    cron          text,
    note          text        NOT NULL DEFAULT '',
    next_fire_at  timestamptz NOT NULL,
    last_fired_at timestamptz,
    created_by    uuid,
    created_at    timestamptz NOT NULL DEFAULT now(),
    deleted_at    timestamptz,
    CONSTRAINT schedules_pk PRIMARY KEY (id),
    CONSTRAINT schedules_agent_fk FOREIGN KEY (agent_id) REFERENCES agents (id),
    CONSTRAINT schedules_created_by_fk FOREIGN KEY (created_by) REFERENCES users (id),
    CONSTRAINT schedules_one_kind CHECK ((every_seconds IS NULL) <> (cron IS NULL)),
    CONSTRAINT schedules_every_positive CHECK (every_seconds IS NULL OR every_seconds >= 1)
);
CREATE INDEX schedules_due_idx ON schedules (next_fire_at) WHERE deleted_at IS NULL;
CREATE INDEX schedules_agent_idx ON schedules (agent_id) WHERE deleted_at IS NULL;

-- Many verified deliveries in one transaction (group commit under load), in agent id order so
-- that concurrent batches cannot deadlock; a key repeated within the batch is a duplicate of its
-- first occurrence. One row per delivery, numbered by its 1-based position.
CREATE FUNCTION pincery_receive_webhooks(
    p_agent_ids uuid[], p_dedup_keys text[], p_sources text[], p_contents text[],
    p_payloads text[])
RETURNS TABLE (idx integer, outcome text, event_id uuid, seq bigint, pending boolean)
LANGUAGE plpgsql AS $$
DECLARE
    v_item record;
BEGIN
    FOR v_item IN
        SELECT u.ord::integer AS i, u.agent_id
          FROM unnest(p_agent_ids) WITH ORDINALITY AS u(agent_id, ord)
         ORDER BY u.agent_id, u.ord
    LOOP
        RETURN QUERY
            SELECT v_item.i, r.outcome, r.event_id, r.seq, r.pending
              FROM pincery_receive_webhook(v_item.agent_id, p_dedup_keys[v_item.i],
                   p_sources[v_item.i], p_contents[v_item.i], p_payloads[v_item.i]::jsonb) r;
    END LOOP;
END;
$$;
