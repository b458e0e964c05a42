-- Idempotency keys for operator messages (Idempotency-Key on POST /api/agents/:id/messages): a
-- client whose reply was lost retries with the same key and gets the first answer, never a second
-- message. The key is written in the transaction of the event it stands for (never without it),
-- and kept as long as webhook delivery keys (the scheduler prunes both).

CREATE TABLE message_idempotency_keys (
    agent_id    uuid        NOT NULL,
    key         text        NOT NULL,
    fingerprint bytea       NOT NULL,
    event_id    uuid,
    seq         bigint,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT message_idempotency_keys_pkey PRIMARY KEY (agent_id, key),
    CONSTRAINT message_idempotency_keys_agent_fkey FOREIGN KEY (agent_id) REFERENCES agents (id),
    CONSTRAINT message_idempotency_keys_key_length CHECK (length(key) BETWEEN 1 AND 255)
);

-- For the pruner's "older than the retention" scan.
CREATE INDEX message_idempotency_keys_created_at_idx ON message_idempotency_keys (created_at);

-- Appends a person's message to a live agent of the workspace once per (agent, key).
-- outcome: 'appended' (the event was written now), 'replayed' (the key was used before with the
-- same fingerprint: the first event's id and seq), 'mismatch' (used before for another request).
-- No row: no such live agent in the workspace.
-- Two requests with one key: the second's INSERT waits on the first's uncommitted key row, then
-- finds it committed (or, if the first rolled back, takes the key itself).
CREATE FUNCTION pincery_append_message_once(
    p_workspace_id uuid, p_agent_id uuid, p_key text, p_fingerprint bytea, p_source text,
    p_content text, p_payload jsonb)
RETURNS TABLE (outcome text, event_id uuid, seq bigint, created_at timestamptz, pending boolean)
LANGUAGE plpgsql AS $$
DECLARE
    k message_idempotency_keys%ROWTYPE;
BEGIN
    PERFORM 1 FROM agents a
     WHERE a.id = p_agent_id AND a.workspace_id = p_workspace_id AND a.deleted_at IS NULL;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    INSERT INTO message_idempotency_keys (agent_id, key, fingerprint)
    VALUES (p_agent_id, p_key, p_fingerprint)
    ON CONFLICT ON CONSTRAINT message_idempotency_keys_pkey DO NOTHING;
    IF NOT FOUND THEN
        SELECT * INTO k FROM message_idempotency_keys m
         WHERE m.agent_id = p_agent_id AND m.key = p_key;
        RETURN QUERY
            SELECT CASE WHEN k.fingerprint = p_fingerprint THEN 'replayed' ELSE 'mismatch' END,
                   k.event_id, k.seq, k.created_at, false;
        RETURN;
    END IF;
    RETURN QUERY
        WITH e AS (
            SELECT * FROM pincery_append_event(p_agent_id, 'message_received', p_source, NULL,
                                               p_content, NULL, NULL, NULL, NULL, p_payload, NULL)
        ), kept AS (
            UPDATE message_idempotency_keys m
               SET event_id = e.event_id, seq = e.seq
              FROM e
             WHERE m.agent_id = p_agent_id AND m.key = p_key
        )
        SELECT 'appended'::text, e.event_id, e.seq, e.created_at, e.pending FROM e;
END
$$;
