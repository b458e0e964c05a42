-- Open Pincery core schema.
-- Migrations are never edited once they land: add V<n+1>__*.sql instead.
-- Every constraint is named so that an error message points at its rule.

-- ---------------------------------------------------------------------------
-- People, workspaces, sessions
-- ---------------------------------------------------------------------------

CREATE TABLE workspaces (
    id          uuid        NOT NULL DEFAULT gen_random_uuid(),
    name        text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT workspaces_pk PRIMARY KEY (id),
    CONSTRAINT workspaces_name_not_blank CHECK (length(btrim(name)) > 0)
);

CREATE TABLE users (
    id          uuid        NOT NULL DEFAULT gen_random_uuid(),
    email       text        NOT NULL,
    name        text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_pk PRIMARY KEY (id),
    CONSTRAINT users_email_uq UNIQUE (email)
);

CREATE TABLE memberships (
    workspace_id uuid        NOT NULL,
    user_id      uuid        NOT NULL,
    role         text        NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT memberships_pk PRIMARY KEY (workspace_id, user_id),
    CONSTRAINT memberships_workspace_fk FOREIGN KEY (workspace_id) REFERENCES workspaces (id),
    CONSTRAINT memberships_user_fk FOREIGN KEY (user_id) REFERENCES users (id),
    CONSTRAINT memberships_role_known CHECK (role IN ('owner', 'admin', 'member'))
);

-- Only the SHA-256 of a session token is stored; the token itself is shown once.
CREATE TABLE sessions (
    id          uuid        NOT NULL DEFAULT gen_random_uuid(),
    user_id     uuid        NOT NULL,
    token_hash  bytea       NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    revoked_at  timestamptz,
    CONSTRAINT sessions_pk PRIMARY KEY (id),
    CONSTRAINT sessions_user_fk FOREIGN KEY (user_id) REFERENCES users (id),
    CONSTRAINT sessions_token_hash_uq UNIQUE (token_hash),
    CONSTRAINT sessions_token_hash_is_sha256 CHECK (length(token_hash) = 32)
);
-- For the scheduler's pruning of expired sessions.
CREATE INDEX sessions_expires_at_idx ON sessions (expires_at);

-- ---------------------------------------------------------------------------
-- Agents: identity plus the lifecycle state machine (ARCHITECTURE.md §3, §4)
-- ---------------------------------------------------------------------------

CREATE TABLE agents (
    id                      uuid          NOT NULL DEFAULT gen_random_uuid(),
    workspace_id            uuid          NOT NULL,
    name                    text          NOT NULL,
    created_by              uuid,
    created_at              timestamptz   NOT NULL DEFAULT now(),
    updated_at              timestamptz   NOT NULL DEFAULT now(),

    -- asleep --claim--> awake --end wake--> maintenance --projection--> asleep
    status                  text          NOT NULL DEFAULT 'asleep',
    is_enabled              boolean       NOT NULL DEFAULT true,
    disabled_reason         text,
    deleted_at              timestamptz,

    -- The current wake (or maintenance pass). Every write of a wake is fenced by wake_id.
    wake_id                 uuid,
    lease_owner             text,
    lease_expires_at        timestamptz,

    -- Event log heads, moved only by pincery_append_event().
    event_seq               bigint        NOT NULL DEFAULT 0,
    hash_head               bytea         NOT NULL DEFAULT '\x0000000000000000000000000000000000000000000000000000000000000000',
    -- seq of the newest waking event; pending work = inbox_seq > consumed_seq.
    inbox_seq               bigint        NOT NULL DEFAULT 0,
    -- seq up to which a wake has shown waking events to the model.
    consumed_seq            bigint        NOT NULL DEFAULT 0,
    -- Derived, and the only one of the two seqs any index looks at: it changes only when work
    -- starts or stops being pending, so the many appends in between stay HOT updates.
    has_pending             boolean       GENERATED ALWAYS AS (inbox_seq > consumed_seq) STORED,

    -- Money. NULL limit = explicitly unlimited; 0 = no spending at all.
    budget_limit_usd        numeric(18,6),
    budget_spent_usd        numeric(18,6) NOT NULL DEFAULT 0,

    -- Webhook HMAC keys. The previous secret verifies until its expiry (rotation grace).
    webhook_secret          text          NOT NULL,
    webhook_secret_previous text,
    webhook_secret_previous_expires_at timestamptz,

    CONSTRAINT agents_pk PRIMARY KEY (id),
    CONSTRAINT agents_workspace_fk FOREIGN KEY (workspace_id) REFERENCES workspaces (id),
    CONSTRAINT agents_created_by_fk FOREIGN KEY (created_by) REFERENCES users (id),
    CONSTRAINT agents_status_known CHECK (status IN ('asleep', 'awake', 'maintenance')),
    CONSTRAINT agents_name_not_blank CHECK (length(btrim(name)) > 0),
    CONSTRAINT agents_awake_has_wake CHECK (
        (status = 'asleep' AND wake_id IS NULL AND lease_expires_at IS NULL)
        OR (status <> 'asleep' AND wake_id IS NOT NULL AND lease_expires_at IS NOT NULL)),
    CONSTRAINT agents_disabled_has_reason CHECK (is_enabled OR disabled_reason IS NOT NULL),
    CONSTRAINT agents_seq_order CHECK (0 <= consumed_seq AND consumed_seq <= inbox_seq AND inbox_seq <= event_seq),
    CONSTRAINT agents_hash_head_is_sha256 CHECK (length(hash_head) = 32),
    CONSTRAINT agents_budget_non_negative CHECK (
        (budget_limit_usd IS NULL OR budget_limit_usd >= 0) AND budget_spent_usd >= 0),
    CONSTRAINT agents_previous_secret_has_expiry CHECK (
        webhook_secret_previous IS NULL OR webhook_secret_previous_expires_at IS NOT NULL)
)
-- Every append and heartbeat updates an agent row. Those updates must be HOT (no new index
-- entries, dead versions pruned on the page): no index may cover a column they change, and the
-- page needs room for the new version. Without this, a busy agent's row leaves thousands of
-- dead versions that every lookup by id has to step over.
WITH (fillfactor = 50);

-- Names are unique among the live agents of a workspace; a deleted agent frees its name.
CREATE UNIQUE INDEX agents_workspace_name_uq ON agents (workspace_id, name) WHERE deleted_at IS NULL;
CREATE INDEX agents_workspace_idx ON agents (workspace_id, created_at);
-- For CLAIM_PENDING and FIND_PENDING: only agents with work waiting are in this index,
-- so a sweep costs nothing however many agents sleep. (has_pending, not the seqs: see above.)
CREATE INDEX agents_pending_idx ON agents (id)
    WHERE status = 'asleep' AND is_enabled AND has_pending;
-- For REAP_EXPIRED_LEASES: only running wakes and maintenance passes are in this index. It holds
-- no lease column, so heartbeats stay HOT; the few awake rows are filtered by lease.
CREATE INDEX agents_awake_idx ON agents (id) WHERE status <> 'asleep';

-- ---------------------------------------------------------------------------
-- The event log: append-only, gapless per agent, SHA-256 hash chain
-- ---------------------------------------------------------------------------

CREATE TABLE events (
    agent_id            uuid        NOT NULL,
    seq                 bigint      NOT NULL,
    -- A stable handle for clients. Random v4, so no unique index is paid for on the hot path;
    -- (agent_id, seq) is the key.
    id                  uuid        NOT NULL DEFAULT gen_random_uuid(),
    event_type          text        NOT NULL,
    source              text,
    wake_id             uuid,
    content             text,
    tool_name           text,
    tool_input          jsonb,
    tool_output         text,
    termination_reason  text,
    payload             jsonb       NOT NULL DEFAULT '{}'::jsonb,
    created_at          timestamptz NOT NULL,
    prev_hash           bytea       NOT NULL,
    hash                bytea       NOT NULL,
    CONSTRAINT events_pk PRIMARY KEY (agent_id, seq),
    CONSTRAINT events_agent_fk FOREIGN KEY (agent_id) REFERENCES agents (id),
    CONSTRAINT events_seq_positive CHECK (seq > 0),
    CONSTRAINT events_type_not_blank CHECK (length(event_type) > 0),
    CONSTRAINT events_hash_is_sha256 CHECK (length(hash) = 32 AND length(prev_hash) = 32)
);

CREATE FUNCTION pincery_events_are_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'events are append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER events_no_update_or_delete
    BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION pincery_events_are_append_only();

CREATE TRIGGER events_no_truncate
    BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION pincery_events_are_append_only();

-- The types that wake an agent. The agent's own acts never do. The Java EventType enum
-- mirrors this list and a test keeps the two in step.
CREATE FUNCTION pincery_is_waking(p_event_type text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT p_event_type IN ('message_received', 'webhook_received', 'agent_message_received', 'timer_fired')
$$;

-- A nullable text field as bytes: -1 for NULL, else its UTF-8 length then its bytes.
CREATE FUNCTION pincery_hash_field(p_value text) RETURNS bytea
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN p_value IS NULL THEN int4send(-1)
                ELSE int4send(octet_length(p_value)) || convert_to(p_value, 'UTF8') END
$$;

-- The one definition of an event's hash, used by append and by verification alike.
-- Every field is length-prefixed (or fixed-width) so that no two events share an encoding;
-- created_at enters as integer microseconds since the epoch, independent of TimeZone.
CREATE FUNCTION pincery_event_hash(
    p_prev_hash bytea, p_agent_id uuid, p_seq bigint, p_event_type text, p_source text,
    p_wake_id uuid, p_content text, p_tool_name text, p_tool_input jsonb, p_tool_output text,
    p_termination_reason text, p_payload jsonb, p_created_at timestamptz, p_id uuid)
RETURNS bytea
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT sha256(
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
        || pincery_hash_field(p_payload::text))
$$;

-- Appends one event in one round trip.
--  * The agent row lock (taken by the UPDATE) serialises appenders of one agent only,
--    and makes seq gapless: seq = event_seq + 1 under that lock, in the same transaction.
--  * A waking event moves inbox_seq, which is what makes the agent's work pending.
--  * p_fence_wake_id, when given, makes the append succeed only while that wake still owns
--    the agent (awake or in maintenance); otherwise nothing is written and no row returns.
-- Returns no row when the agent does not exist or the fence does not hold.
CREATE FUNCTION pincery_append_event(
    p_agent_id uuid, p_event_type text, p_source text, p_wake_id uuid, p_content text,
    p_tool_name text, p_tool_input jsonb, p_tool_output text, p_termination_reason text,
    p_payload jsonb, p_fence_wake_id uuid)
RETURNS TABLE (event_id uuid, seq bigint, created_at timestamptz, pending boolean)
LANGUAGE plpgsql AS $$
DECLARE
    v_seq       bigint;
    v_prev      bytea;
    v_hash      bytea;
    v_id        uuid        := gen_random_uuid();
    v_now       timestamptz := clock_timestamp();
    v_waking    boolean     := pincery_is_waking(p_event_type);
    v_pending   boolean;
BEGIN
    SELECT a.event_seq + 1, a.hash_head
      INTO v_seq, v_prev
      FROM agents a
     WHERE a.id = p_agent_id
       AND (p_fence_wake_id IS NULL OR (a.wake_id = p_fence_wake_id AND a.status <> 'asleep'))
       FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        RETURN;
    END IF;

    v_hash := pincery_event_hash(v_prev, p_agent_id, v_seq, p_event_type, p_source, p_wake_id,
        p_content, p_tool_name, p_tool_input, p_tool_output, p_termination_reason,
        coalesce(p_payload, '{}'::jsonb), v_now, v_id);

    UPDATE agents a
       SET event_seq = v_seq,
           hash_head = v_hash,
           inbox_seq = CASE WHEN v_waking THEN v_seq ELSE a.inbox_seq END
     WHERE a.id = p_agent_id
    RETURNING (a.status = 'asleep' AND a.is_enabled AND a.inbox_seq > a.consumed_seq) INTO v_pending;

    INSERT INTO events (agent_id, seq, id, event_type, source, wake_id, content, tool_name,
                        tool_input, tool_output, termination_reason, payload, created_at,
                        prev_hash, hash)
    VALUES (p_agent_id, v_seq, v_id, p_event_type, p_source, p_wake_id, p_content, p_tool_name,
            p_tool_input, p_tool_output, p_termination_reason, coalesce(p_payload, '{}'::jsonb),
            v_now, v_prev, v_hash);

    RETURN QUERY SELECT v_id, v_seq, v_now, v_pending;
END;
$$;

-- ---------------------------------------------------------------------------
-- Lifecycle transitions that must append an event in the same transaction.
-- (Plain CAS statements without an event live in the Java store as named constants.)
-- ---------------------------------------------------------------------------

-- Claims one agent: CAS asleep -> awake, mints wake_id and a lease on database time, and
-- appends wake_start, all in one transaction. Outcome is one of claimed, already_awake,
-- disabled, not_found; a lost race is an outcome, not an error.
CREATE FUNCTION pincery_claim(p_agent_id uuid, p_owner text, p_lease_ms bigint)
RETURNS TABLE (outcome text, wake_id uuid, lease_expires_at timestamptz, inbox_seq bigint, consumed_seq bigint)
LANGUAGE plpgsql AS $$
DECLARE
    v_row agents%ROWTYPE;
BEGIN
    UPDATE agents a
       SET status = 'awake', wake_id = gen_random_uuid(), lease_owner = p_owner,
           lease_expires_at = now() + p_lease_ms * interval '1 millisecond', updated_at = now()
     WHERE a.id = p_agent_id AND a.status = 'asleep' AND a.is_enabled
    RETURNING a.* INTO v_row;
    IF FOUND THEN
        PERFORM pincery_append_event(p_agent_id, 'wake_start', 'runtime', v_row.wake_id, NULL, NULL,
            NULL, NULL, NULL,
            jsonb_build_object('inbox_seq', v_row.inbox_seq, 'consumed_seq', v_row.consumed_seq,
                               'owner', p_owner),
            v_row.wake_id);
        RETURN QUERY SELECT 'claimed', v_row.wake_id, v_row.lease_expires_at, v_row.inbox_seq,
                            v_row.consumed_seq;
        RETURN;
    END IF;
    -- Lost: say why, from the latest committed row.
    SELECT * INTO v_row FROM agents a WHERE a.id = p_agent_id;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 'not_found', NULL::uuid, NULL::timestamptz, NULL::bigint, NULL::bigint;
    ELSIF NOT v_row.is_enabled THEN
        RETURN QUERY SELECT 'disabled', NULL::uuid, NULL::timestamptz, NULL::bigint, NULL::bigint;
    ELSE
        RETURN QUERY SELECT 'already_awake', v_row.wake_id, NULL::timestamptz, NULL::bigint, NULL::bigint;
    END IF;
END;
$$;

-- Claims up to p_limit agents with pending work in one statement. SKIP LOCKED lets many
-- workers sweep at once without queueing on each other's rows: each takes different agents.
CREATE FUNCTION pincery_claim_pending(p_owner text, p_lease_ms bigint, p_limit integer)
RETURNS TABLE (agent_id uuid, wake_id uuid, lease_expires_at timestamptz, inbox_seq bigint, consumed_seq bigint)
LANGUAGE plpgsql AS $$
DECLARE
    v_id uuid;
    v_row agents%ROWTYPE;
BEGIN
    FOR v_id IN
        SELECT a.id FROM agents a
         WHERE a.status = 'asleep' AND a.is_enabled AND a.has_pending
         ORDER BY a.id
         LIMIT p_limit
           FOR NO KEY UPDATE SKIP LOCKED
    LOOP
        UPDATE agents a
           SET status = 'awake', wake_id = gen_random_uuid(), lease_owner = p_owner,
               lease_expires_at = now() + p_lease_ms * interval '1 millisecond', updated_at = now()
         WHERE a.id = v_id
        RETURNING a.* INTO v_row;
        PERFORM pincery_append_event(v_id, 'wake_start', 'runtime', v_row.wake_id, NULL, NULL,
            NULL, NULL, NULL,
            jsonb_build_object('inbox_seq', v_row.inbox_seq, 'consumed_seq', v_row.consumed_seq,
                               'owner', p_owner),
            v_row.wake_id);
        RETURN QUERY SELECT v_id, v_row.wake_id, v_row.lease_expires_at, v_row.inbox_seq,
                            v_row.consumed_seq;
    END LOOP;
END;
$$;

-- Ends a wake: appends wake_end with its typed reason, moves awake -> maintenance (keeping
-- wake_id, which fences the projection write), and advances consumed_seq to what the wake
-- actually showed the model (never past the inbox head). Fenced: no row when the wake no
-- longer owns the agent, and then nothing is written.
CREATE FUNCTION pincery_end_wake(p_agent_id uuid, p_wake_id uuid, p_seen_seq bigint,
                                 p_reason text, p_lease_ms bigint)
RETURNS TABLE (seq bigint, consumed_seq bigint)
LANGUAGE plpgsql AS $$
DECLARE
    v_seq bigint;
    v_consumed bigint;
BEGIN
    PERFORM 1 FROM agents a
      WHERE a.id = p_agent_id AND a.wake_id = p_wake_id AND a.status = 'awake'
        FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    SELECT e.seq INTO v_seq FROM pincery_append_event(p_agent_id, 'wake_end', 'runtime', p_wake_id,
        NULL, NULL, NULL, NULL, p_reason, jsonb_build_object('seen_seq', p_seen_seq), p_wake_id) e;
    UPDATE agents a
       SET status = 'maintenance',
           consumed_seq = greatest(a.consumed_seq, least(p_seen_seq, a.inbox_seq)),
           lease_expires_at = now() + p_lease_ms * interval '1 millisecond',
           updated_at = now()
     WHERE a.id = p_agent_id
    RETURNING a.consumed_seq INTO v_consumed;
    RETURN QUERY SELECT v_seq, v_consumed;
END;
$$;

-- Ends wakes and maintenance passes whose lease expired: appends wake_abandoned (reason
-- lease_lost) and makes the agent claimable again. consumed_seq is left alone, so whatever the
-- lost wake had not finished is still pending and will be claimed again.
CREATE FUNCTION pincery_reap_expired(p_limit integer)
RETURNS TABLE (agent_id uuid, wake_id uuid, phase text, pending boolean)
LANGUAGE plpgsql AS $$
DECLARE
    v_row record;
    v_pending boolean;
BEGIN
    FOR v_row IN
        SELECT a.id, a.wake_id, a.status FROM agents a
         WHERE a.status <> 'asleep' AND a.lease_expires_at < now()
         ORDER BY a.lease_expires_at
         LIMIT p_limit
           FOR NO KEY UPDATE SKIP LOCKED
    LOOP
        PERFORM pincery_append_event(v_row.id, 'wake_abandoned', 'runtime', v_row.wake_id, NULL,
            NULL, NULL, NULL, 'lease_lost', jsonb_build_object('phase', v_row.status),
            v_row.wake_id);
        UPDATE agents a
           SET status = 'asleep', wake_id = NULL, lease_owner = NULL, lease_expires_at = NULL,
               updated_at = now()
         WHERE a.id = v_row.id
        RETURNING (a.is_enabled AND a.inbox_seq > a.consumed_seq) INTO v_pending;
        RETURN QUERY SELECT v_row.id, v_row.wake_id, v_row.status, v_pending;
    END LOOP;
END;
$$;

-- ---------------------------------------------------------------------------
-- Projections: identity, work list and wake summary, one version per maintenance pass
-- ---------------------------------------------------------------------------

CREATE TABLE projections (
    agent_id    uuid        NOT NULL,
    version     integer     NOT NULL,
    wake_id     uuid,
    identity    text        NOT NULL,
    work_list   text        NOT NULL,
    summary     text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT projections_pk PRIMARY KEY (agent_id, version),
    CONSTRAINT projections_agent_fk FOREIGN KEY (agent_id) REFERENCES agents (id),
    CONSTRAINT projections_version_positive CHECK (version > 0)
);

-- ---------------------------------------------------------------------------
-- Timers (set by agents, fired by the scheduler)
-- ---------------------------------------------------------------------------

CREATE TABLE timers (
    id            uuid        NOT NULL DEFAULT gen_random_uuid(),
    agent_id      uuid        NOT NULL,
    due_at        timestamptz NOT NULL,
    note          text        NOT NULL DEFAULT '',
    created_by_wake uuid,
    created_at    timestamptz NOT NULL DEFAULT now(),
    fired_at      timestamptz,
    cancelled_at  timestamptz,
    CONSTRAINT timers_pk PRIMARY KEY (id),
    CONSTRAINT timers_agent_fk FOREIGN KEY (agent_id) REFERENCES agents (id),
    CONSTRAINT timers_fired_or_cancelled CHECK (fired_at IS NULL OR cancelled_at IS NULL)
);
-- For the scheduler's due-timer claim: only live timers are indexed.
CREATE INDEX timers_due_idx ON timers (due_at) WHERE fired_at IS NULL AND cancelled_at IS NULL;
CREATE INDEX timers_agent_idx ON timers (agent_id) WHERE fired_at IS NULL AND cancelled_at IS NULL;

-- ---------------------------------------------------------------------------
-- Webhook deliveries (dedup). A key is recorded in the same transaction as its event.
-- ---------------------------------------------------------------------------

CREATE TABLE webhook_deliveries (
    agent_id     uuid        NOT NULL,
    dedup_key    text        NOT NULL,
    event_seq    bigint      NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT webhook_deliveries_pk PRIMARY KEY (agent_id, dedup_key),
    CONSTRAINT webhook_deliveries_agent_fk FOREIGN KEY (agent_id) REFERENCES agents (id)
);
-- For the scheduler's pruning of old dedup keys.
CREATE INDEX webhook_deliveries_received_at_idx ON webhook_deliveries (received_at);

-- ---------------------------------------------------------------------------
-- Model calls: every request and response, for inspection, cost and replay
-- ---------------------------------------------------------------------------

CREATE TABLE model_calls (
    id             uuid          NOT NULL DEFAULT gen_random_uuid(),
    agent_id       uuid          NOT NULL,
    wake_id        uuid,
    purpose        text          NOT NULL,
    model          text          NOT NULL,
    request        jsonb         NOT NULL,
    response       jsonb,
    outcome        text          NOT NULL,
    http_status    integer,
    input_tokens   integer,
    output_tokens  integer,
    cost_usd       numeric(18,6) NOT NULL DEFAULT 0,
    latency_ms     integer,
    created_at     timestamptz   NOT NULL DEFAULT now(),
    CONSTRAINT model_calls_pk PRIMARY KEY (id),
    CONSTRAINT model_calls_agent_fk FOREIGN KEY (agent_id) REFERENCES agents (id),
    CONSTRAINT model_calls_purpose_known CHECK (purpose IN ('wake', 'maintenance')),
    CONSTRAINT model_calls_cost_non_negative CHECK (cost_usd >= 0)
);
CREATE INDEX model_calls_agent_wake_idx ON model_calls (agent_id, wake_id, created_at);

-- ---------------------------------------------------------------------------
-- Credentials (vault): AES-256-GCM ciphertext; plaintext never stored
-- ---------------------------------------------------------------------------

CREATE TABLE credentials (
    id            uuid        NOT NULL DEFAULT gen_random_uuid(),
    workspace_id  uuid        NOT NULL,
    name          text        NOT NULL,
    ciphertext    bytea       NOT NULL,
    nonce         bytea       NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    revoked_at    timestamptz,
    CONSTRAINT credentials_pk PRIMARY KEY (id),
    CONSTRAINT credentials_workspace_fk FOREIGN KEY (workspace_id) REFERENCES workspaces (id),
    CONSTRAINT credentials_nonce_is_96_bits CHECK (length(nonce) = 12),
    CONSTRAINT credentials_name_format CHECK (name ~ '^[A-Za-z_][A-Za-z0-9_]{0,63}$')
);
-- One live credential per name in a workspace; revoked ones are kept for audit.
CREATE UNIQUE INDEX credentials_workspace_name_uq ON credentials (workspace_id, name) WHERE revoked_at IS NULL;
