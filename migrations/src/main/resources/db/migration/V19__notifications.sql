-- Outbound notifications (issue 17): per-workspace subscriptions of a URL to notification kinds,
-- a durable outbox filled in the same transaction as the fact that causes a notification, the
-- delivery attempts, and the chain checker's checkpoints (docs/operations.md, "Notifications").

-- ---------------------------------------------------------------------------
-- Subscriptions. kinds: what the URL wants (docs/api.md lists them). secret: the Standard
-- Webhooks signing secret, "whsec_" + base64 of 32 random bytes. The receiver holds the same key,
-- and the deliverer (maintenance worker) signs with it, so it is kept as the deliverer needs it;
-- the API shows it once, on create and on rotation, never in a listing.
-- lease_owner / lease_expires_at: the deliverer holding the subscription; at most one attempt of
-- a subscription is in flight, so its receiver sees its notifications one at a time, in order.
-- ---------------------------------------------------------------------------

CREATE TABLE notification_subscriptions (
    id                uuid        NOT NULL DEFAULT gen_random_uuid(),
    workspace_id      uuid        NOT NULL,
    url               text        NOT NULL,
    kinds             text[]      NOT NULL,
    enabled           boolean     NOT NULL DEFAULT true,
    secret            text        NOT NULL,
    description       text,
    created_by        uuid,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    lease_owner       text,
    lease_expires_at  timestamptz,
    CONSTRAINT notification_subscriptions_pk PRIMARY KEY (id),
    CONSTRAINT notification_subscriptions_workspace_fk FOREIGN KEY (workspace_id)
        REFERENCES workspaces (id),
    CONSTRAINT notification_subscriptions_created_by_fk FOREIGN KEY (created_by)
        REFERENCES users (id) ON DELETE SET NULL,
    CONSTRAINT notification_subscriptions_kinds_known CHECK (
        cardinality(kinds) > 0
        AND kinds <@ ARRAY['approval.requested', 'wake.failed', 'budget.exhausted',
                           'agent.stopped', 'chain.broken']::text[]),
    CONSTRAINT notification_subscriptions_url_length CHECK (length(url) BETWEEN 8 AND 2048),
    CONSTRAINT notification_subscriptions_secret_shape CHECK (secret LIKE 'whsec\_%'),
    CONSTRAINT notification_subscriptions_description_length CHECK (
        description IS NULL OR length(description) <= 500)
);

-- The trigger's lookup: a workspace's enabled subscriptions.
CREATE INDEX notification_subscriptions_workspace_idx
    ON notification_subscriptions (workspace_id) WHERE enabled;

-- ---------------------------------------------------------------------------
-- The outbox: one row per subscription per notification. id is the Standard Webhooks
-- webhook-id (stable across retries); position orders a subscription's notifications.
--   status  pending -> delivered (a 2xx) | failed (attempts ran out; dead)
-- ---------------------------------------------------------------------------

CREATE TABLE notification_outbox (
    id               uuid        NOT NULL DEFAULT gen_random_uuid(),
    position         bigint      GENERATED ALWAYS AS IDENTITY,
    workspace_id     uuid        NOT NULL,
    subscription_id  uuid        NOT NULL,
    kind             text        NOT NULL,
    payload          jsonb       NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    status           text        NOT NULL DEFAULT 'pending',
    attempts         integer     NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    delivered_at     timestamptz,
    last_error       text,
    CONSTRAINT notification_outbox_pk PRIMARY KEY (id),
    CONSTRAINT notification_outbox_workspace_fk FOREIGN KEY (workspace_id)
        REFERENCES workspaces (id),
    CONSTRAINT notification_outbox_subscription_fk FOREIGN KEY (subscription_id)
        REFERENCES notification_subscriptions (id) ON DELETE CASCADE,
    CONSTRAINT notification_outbox_status_known CHECK (
        status IN ('pending', 'delivered', 'failed')),
    CONSTRAINT notification_outbox_kind_known CHECK (
        kind IN ('approval.requested', 'wake.failed', 'budget.exhausted', 'agent.stopped',
                 'chain.broken', 'notification.test')),
    CONSTRAINT notification_outbox_attempts_non_negative CHECK (attempts >= 0),
    CONSTRAINT notification_outbox_delivered_when CHECK (
        (status = 'delivered') = (delivered_at IS NOT NULL))
);

-- The deliverer: a subscription's pending notifications in order (the head is the next one).
CREATE INDEX notification_outbox_pending_idx
    ON notification_outbox (subscription_id, position) WHERE status = 'pending';
-- The deliverer's claim: which subscriptions have a notification due (a backlog behind a
-- receiver that is down is mostly not due).
CREATE INDEX notification_outbox_due_idx
    ON notification_outbox (next_attempt_at) WHERE status = 'pending';
-- Listing a workspace's deliveries, newest first (and by subscription).
CREATE INDEX notification_outbox_workspace_idx
    ON notification_outbox (workspace_id, position DESC);
CREATE INDEX notification_outbox_subscription_idx
    ON notification_outbox (subscription_id, position DESC);

-- Each attempt: an HTTP status, or the error that stood for one (refused, timeout...). An attempt
-- without finished_at is in flight, or its deliverer died: the next attempt closes it.
CREATE TABLE notification_attempts (
    id            uuid        NOT NULL DEFAULT gen_random_uuid(),
    outbox_id     uuid        NOT NULL,
    workspace_id  uuid        NOT NULL,
    attempt       integer     NOT NULL,
    started_at    timestamptz NOT NULL,
    finished_at   timestamptz,
    http_status   integer,
    error         text,
    duration_ms   bigint,
    CONSTRAINT notification_attempts_pk PRIMARY KEY (id),
    CONSTRAINT notification_attempts_outbox_fk FOREIGN KEY (outbox_id)
        REFERENCES notification_outbox (id) ON DELETE CASCADE,
    CONSTRAINT notification_attempts_workspace_fk FOREIGN KEY (workspace_id)
        REFERENCES workspaces (id),
    CONSTRAINT notification_attempts_one_per_number UNIQUE (outbox_id, attempt)
);

DO $$
DECLARE
    v_table text;
BEGIN
    FOREACH v_table IN ARRAY ARRAY['notification_subscriptions', 'notification_outbox',
                                   'notification_attempts'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', v_table);
        EXECUTE format('CREATE POLICY workspace_scope ON %I'
                       ' USING (workspace_id = ANY (pincery_scope()))'
                       ' WITH CHECK (workspace_id = ANY (pincery_scope()))', v_table);
    END LOOP;
END
$$;

-- ---------------------------------------------------------------------------
-- Enqueueing: one outbox row per enabled subscription of p_workspace that wants p_kind, with the
-- Standard Webhooks payload {"type", "timestamp", "data"}. Runs as its caller: under the API's
-- role row-level security keeps it to the caller's workspaces, which the fact is in anyway.
-- The NOTIFY is a hint to deliverers (ids only). It is sent inside the writing transaction, which
-- ARCHITECTURE.md §3.7 avoids on hot paths; these facts are rare (a request for an approval, a
-- failed wake, a stop) and only notify when a subscription exists.
-- ---------------------------------------------------------------------------

CREATE FUNCTION pincery_rfc3339(p_at timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT to_char(p_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
$$;

CREATE FUNCTION pincery_enqueue_notification(p_workspace uuid, p_kind text, p_at timestamptz,
                                             p_data jsonb)
RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    v_count integer;
BEGIN
    INSERT INTO notification_outbox (workspace_id, subscription_id, kind, payload)
    SELECT s.workspace_id, s.id, p_kind,
           jsonb_build_object('type', p_kind, 'timestamp', pincery_rfc3339(p_at), 'data', p_data)
      FROM notification_subscriptions s
     WHERE s.workspace_id = p_workspace AND s.enabled AND p_kind = ANY (s.kinds);
    GET DIAGNOSTICS v_count = ROW_COUNT;
    IF v_count > 0 THEN
        PERFORM pg_notify('pincery_notifications', p_workspace::text);
    END IF;
    RETURN v_count;
END;
$$;

-- The events that are notifications (docs/api.md, "Notifications"): the trigger's WHEN clause
-- below keeps every other event from calling this at all.
CREATE FUNCTION pincery_event_notifications() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_kind   text;
    v_agent  agents%ROWTYPE;
    v_data   jsonb;
BEGIN
    v_kind := CASE
        WHEN NEW.event_type = 'approval_requested' THEN 'approval.requested'
        WHEN NEW.event_type = 'wake_abandoned' THEN 'wake.failed'
        WHEN NEW.event_type = 'wake_end' AND NEW.termination_reason = 'budget_exhausted'
            THEN 'budget.exhausted'
        WHEN NEW.event_type = 'wake_end' THEN 'wake.failed'
        WHEN NEW.event_type = 'message_received' AND NEW.payload->>'control' = 'stop'
            THEN 'agent.stopped'
    END;
    IF v_kind IS NULL THEN
        RETURN NULL;
    END IF;
    SELECT * INTO v_agent FROM agents a WHERE a.id = NEW.agent_id;
    IF NOT FOUND OR NOT EXISTS (
            SELECT 1 FROM notification_subscriptions s
             WHERE s.workspace_id = v_agent.workspace_id AND s.enabled
               AND v_kind = ANY (s.kinds)) THEN
        RETURN NULL;
    END IF;
    v_data := jsonb_build_object(
        'workspace_id', v_agent.workspace_id,
        'agent_id', v_agent.id,
        'agent_name', v_agent.name,
        'event_seq', NEW.seq,
        'event_id', NEW.id,
        'event_type', NEW.event_type);
    v_data := v_data || CASE v_kind
        WHEN 'approval.requested' THEN jsonb_build_object(
            'wake_id', NEW.wake_id,
            'approval', jsonb_build_object(
                'id', NEW.payload->'approval_id',
                'call_id', NEW.payload->'call_id',
                'tool', NEW.payload->'tool',
                'capability', NEW.payload->'capability',
                -- As the event recorded them: secrets already redacted.
                'arguments', NEW.payload->'arguments',
                'expires_at', NEW.payload->'expires_at',
                'approvers', NEW.payload->'approvers'))
        WHEN 'wake.failed' THEN jsonb_build_object(
            'wake_id', NEW.wake_id,
            'termination_reason', NEW.termination_reason,
            'phase', NEW.payload->'phase')
        WHEN 'budget.exhausted' THEN jsonb_build_object(
            'wake_id', NEW.wake_id,
            'termination_reason', NEW.termination_reason,
            'budget_limit_usd', v_agent.budget_limit_usd,
            'budget_spent_usd', v_agent.budget_spent_usd)
        ELSE jsonb_build_object('control', 'stop', 'source', NEW.source)
    END;
    PERFORM pincery_enqueue_notification(v_agent.workspace_id, v_kind, NEW.created_at,
                                         jsonb_strip_nulls(v_data));
    RETURN NULL;
END;
$$;

CREATE TRIGGER events_notifications
    AFTER INSERT ON events
    FOR EACH ROW
    WHEN (NEW.event_type IN ('approval_requested', 'wake_abandoned')
          OR (NEW.event_type = 'wake_end'
              AND NEW.termination_reason IN ('llm_error', 'prompt_injection_suspected',
                                             'budget_exhausted'))
          OR (NEW.event_type = 'message_received' AND NEW.payload ? 'control'))
    EXECUTE FUNCTION pincery_event_notifications();

-- ---------------------------------------------------------------------------
-- The chain checker's progress (maintenance worker): per agent event chain (chain_type 'agent',
-- chain_id the agent) and per audit chain ('audit', the workspace; all zeros for the
-- installation's chain), how far the chain was verified and the hash there, so each pass checks
-- only what was appended since. A chain found broken is marked once (broken_seq) and not
-- checked again, so it raises one chain.broken notification, not one per pass.
-- ---------------------------------------------------------------------------

CREATE TABLE chain_checkpoints (
    chain_type      text        NOT NULL,
    chain_id        uuid        NOT NULL,
    verified_seq    bigint      NOT NULL DEFAULT 0,
    verified_hash   bytea       NOT NULL
        DEFAULT '\x0000000000000000000000000000000000000000000000000000000000000000',
    checked_at      timestamptz NOT NULL DEFAULT now(),
    broken_seq      bigint,
    broken_problem  text,
    broken_at       timestamptz,
    CONSTRAINT chain_checkpoints_pk PRIMARY KEY (chain_type, chain_id),
    CONSTRAINT chain_checkpoints_type_known CHECK (chain_type IN ('agent', 'audit')),
    CONSTRAINT chain_checkpoints_broken_when CHECK ((broken_seq IS NULL) = (broken_at IS NULL))
);

-- Installation bookkeeping, not workspace data: the API role does not see it.
REVOKE ALL ON chain_checkpoints FROM pincery_api;
