-- Idempotency keys for creates (Idempotency-Key on POST /api/agents, POST /api/credentials and
-- POST /api/agents/:id/schedules): a client whose reply was lost retries with the same key and gets
-- the first response again, never a second agent, credential or schedule. The key row is written in
-- the transaction of the create it stands for, with that create's response, so it exists exactly
-- when the create committed. Keys belong to the user who sent them (another user's key never
-- replays a response to you) and are kept as long as webhook delivery keys (the scheduler prunes).

CREATE TABLE request_idempotency_keys (
    user_id     uuid        NOT NULL,
    scope       text        NOT NULL,
    key         text        NOT NULL,
    fingerprint bytea       NOT NULL,
    status      integer,
    response    jsonb,
    -- The agent the response describes (an agent's create, a schedule's): its webhook secret is
    -- taken out of the stored response when the secret is rotated or the agent deleted.
    agent_id    uuid,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT request_idempotency_keys_pkey PRIMARY KEY (user_id, scope, key),
    CONSTRAINT request_idempotency_keys_user_fkey FOREIGN KEY (user_id) REFERENCES users (id),
    CONSTRAINT request_idempotency_keys_key_length CHECK (length(key) BETWEEN 1 AND 255)
);

-- For the pruner's "older than the retention" scan.
CREATE INDEX request_idempotency_keys_created_at_idx ON request_idempotency_keys (created_at);

-- For taking a rotated or deleted agent's webhook secret out of stored responses.
CREATE INDEX request_idempotency_keys_agent_idx ON request_idempotency_keys (agent_id)
    WHERE agent_id IS NOT NULL;
