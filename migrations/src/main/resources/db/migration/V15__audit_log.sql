-- The audit trail (issue 14): who did what to which workspace, from where, with which outcome.
-- One append-only, gapless, SHA-256 hash-chained log per workspace, built like the agents' event
-- log (V1): the same length-prefixed field encoding (pincery_hash_field), the same refusal of
-- UPDATE, DELETE and TRUNCATE by trigger, the same verification by recomputing every hash.
--
-- Chains. An entry belongs to the chain of its workspace_id. Entries that belong to no workspace
-- (a login with the bootstrap token, an anonymous refusal such as an unknown invitation token or a
-- forged OIDC state) go to the installation chain, keyed by the sentinel uuid
-- 00000000-0000-0000-0000-000000000000. That is why workspace_id has no foreign key: it is the
-- chain's key, and the sentinel names no workspace row. (Workspaces are never deleted, so a real
-- workspace's chain never outlives its workspace.)

CREATE TABLE audit_chains (
    workspace_id uuid   NOT NULL,
    seq          bigint NOT NULL DEFAULT 0,
    hash_head    bytea  NOT NULL DEFAULT '\x0000000000000000000000000000000000000000000000000000000000000000',
    CONSTRAINT audit_chains_pk PRIMARY KEY (workspace_id),
    CONSTRAINT audit_chains_seq_non_negative CHECK (seq >= 0),
    CONSTRAINT audit_chains_hash_head_is_sha256 CHECK (length(hash_head) = 32)
);

CREATE TABLE audit_log (
    workspace_id  uuid        NOT NULL,
    seq           bigint      NOT NULL,
    id            uuid        NOT NULL DEFAULT gen_random_uuid(),
    at            timestamptz NOT NULL,
    actor_type    text        NOT NULL,
    -- user: the user; token: the API token; oidc: the user signed in (once known); else NULL.
    actor_id      uuid,
    -- The person behind the actor: the user, or a token's creator.
    actor_user_id uuid,
    action        text        NOT NULL,
    target_type   text,
    target_id     text,
    outcome       text        NOT NULL,
    status        integer     NOT NULL,
    address       text,
    request_id    text,
    -- Chosen fields only (a new role, a budget), never a request body: no secret ever lands here.
    detail        jsonb       NOT NULL DEFAULT '{}'::jsonb,
    prev_hash     bytea       NOT NULL,
    hash          bytea       NOT NULL,
    CONSTRAINT audit_log_pk PRIMARY KEY (workspace_id, seq),
    CONSTRAINT audit_log_seq_positive CHECK (seq > 0),
    CONSTRAINT audit_log_actor_type_known CHECK (
        actor_type IN ('user', 'token', 'bootstrap', 'anonymous', 'oidc')),
    CONSTRAINT audit_log_action_not_blank CHECK (length(action) > 0),
    CONSTRAINT audit_log_outcome_known CHECK (outcome IN ('ok', 'refused')),
    CONSTRAINT audit_log_status_is_http CHECK (status BETWEEN 100 AND 599),
    CONSTRAINT audit_log_target_typed CHECK (target_id IS NULL OR target_type IS NOT NULL),
    CONSTRAINT audit_log_hash_is_sha256 CHECK (length(hash) = 32 AND length(prev_hash) = 32)
);
-- audit_log_pk (workspace_id, seq) serves paging and verification. These two serve the filters
-- of GET /api/audit ?action= and ?since=/?until=.
CREATE INDEX audit_log_action_idx ON audit_log (workspace_id, action, seq);
CREATE INDEX audit_log_at_idx ON audit_log (workspace_id, at);
-- For pincery_append_audit_unless_recent (an API token's use, once an hour) and ?actor=.
CREATE INDEX audit_log_actor_idx ON audit_log (workspace_id, actor_id, at);

CREATE FUNCTION pincery_audit_is_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER audit_log_no_update_or_delete
    BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION pincery_audit_is_append_only();

CREATE TRIGGER audit_log_no_truncate
    BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION pincery_audit_is_append_only();

-- The one definition of an entry's hash, used by append and by verification alike. Every field is
-- fixed-width or length-prefixed (pincery_hash_field, V1), so no two entries share an encoding;
-- `at` enters as integer microseconds since the epoch, independent of TimeZone. PL/pgSQL for the
-- reason V4 gives for the event hash (planned once per session).
CREATE FUNCTION pincery_audit_hash(
    p_prev_hash bytea, p_workspace_id uuid, p_seq bigint, p_id uuid, p_at timestamptz,
    p_actor_type text, p_actor_id uuid, p_actor_user_id uuid, p_action text, p_target_type text,
    p_target_id text, p_outcome text, p_status integer, p_address text, p_request_id text,
    p_detail jsonb)
RETURNS bytea
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    RETURN sha256(
        p_prev_hash
        || uuid_send(p_workspace_id)
        || int8send(p_seq)
        || int8send((extract(epoch FROM p_at) * 1000000)::bigint)
        || uuid_send(p_id)
        || pincery_hash_field(p_actor_type)
        || pincery_hash_field(p_actor_id::text)
        || pincery_hash_field(p_actor_user_id::text)
        || pincery_hash_field(p_action)
        || pincery_hash_field(p_target_type)
        || pincery_hash_field(p_target_id)
        || pincery_hash_field(p_outcome)
        || int4send(p_status)
        || pincery_hash_field(p_address)
        || pincery_hash_field(p_request_id)
        || pincery_hash_field(p_detail::text));
END;
$$;

-- Appends one entry in one round trip. The chain's head row is locked FOR UPDATE, so concurrent
-- appends to one chain serialise on it (gapless seq, never a fork) while other workspaces' chains
-- append in parallel. A NULL workspace means the installation chain.
CREATE FUNCTION pincery_append_audit(
    p_workspace_id uuid, p_actor_type text, p_actor_id uuid, p_actor_user_id uuid, p_action text,
    p_target_type text, p_target_id text, p_outcome text, p_status integer, p_address text,
    p_request_id text, p_detail jsonb)
RETURNS TABLE (workspace_id uuid, seq bigint, id uuid, at timestamptz)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    v_chain  uuid        := coalesce(p_workspace_id, '00000000-0000-0000-0000-000000000000');
    v_id     uuid        := gen_random_uuid();
    v_at     timestamptz := clock_timestamp();
    v_detail jsonb       := coalesce(p_detail, '{}'::jsonb);
    v_seq    bigint;
    v_prev   bytea;
    v_hash   bytea;
BEGIN
    -- The first entry of a chain creates its head; a racing first append waits on the key, then
    -- finds the row and queues on its lock like any other.
    INSERT INTO audit_chains AS c (workspace_id) VALUES (v_chain) ON CONFLICT DO NOTHING;
    SELECT c.seq + 1, c.hash_head INTO v_seq, v_prev
      FROM audit_chains c WHERE c.workspace_id = v_chain FOR UPDATE;
    v_hash := pincery_audit_hash(v_prev, v_chain, v_seq, v_id, v_at, p_actor_type, p_actor_id,
        p_actor_user_id, p_action, p_target_type, p_target_id, p_outcome, p_status, p_address,
        p_request_id, v_detail);
    INSERT INTO audit_log (workspace_id, seq, id, at, actor_type, actor_id, actor_user_id, action,
                           target_type, target_id, outcome, status, address, request_id, detail,
                           prev_hash, hash)
    VALUES (v_chain, v_seq, v_id, v_at, p_actor_type, p_actor_id, p_actor_user_id, p_action,
            p_target_type, p_target_id, p_outcome, p_status, p_address, p_request_id, v_detail,
            v_prev, v_hash);
    UPDATE audit_chains c SET seq = v_seq, hash_head = v_hash WHERE c.workspace_id = v_chain;
    RETURN QUERY SELECT v_chain, v_seq, v_id, v_at;
END;
$$;

-- Appends an entry unless the chain already holds one with the same action and actor within
-- p_window (an API token's use is recorded at most once an hour). The check runs under the chain
-- head's lock, so two gateways racing on one token write one entry. No row back: skipped.
CREATE FUNCTION pincery_append_audit_unless_recent(
    p_window interval, p_workspace_id uuid, p_actor_type text, p_actor_id uuid,
    p_actor_user_id uuid, p_action text, p_target_type text, p_target_id text, p_outcome text,
    p_status integer, p_address text, p_request_id text, p_detail jsonb)
RETURNS TABLE (workspace_id uuid, seq bigint, id uuid, at timestamptz)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    v_chain uuid := coalesce(p_workspace_id, '00000000-0000-0000-0000-000000000000');
BEGIN
    INSERT INTO audit_chains AS c (workspace_id) VALUES (v_chain) ON CONFLICT DO NOTHING;
    PERFORM 1 FROM audit_chains c WHERE c.workspace_id = v_chain FOR UPDATE;
    IF EXISTS (SELECT 1 FROM audit_log l
                WHERE l.workspace_id = v_chain AND l.actor_id = p_actor_id
                  AND l.at > clock_timestamp() - p_window AND l.action = p_action) THEN
        RETURN;
    END IF;
    RETURN QUERY SELECT * FROM pincery_append_audit(p_workspace_id, p_actor_type, p_actor_id,
        p_actor_user_id, p_action, p_target_type, p_target_id, p_outcome, p_status, p_address,
        p_request_id, p_detail);
END;
$$;
