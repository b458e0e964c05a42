-- Supervision (issue 17): permission modes, approvals of gated tool calls, semantic stop, and the
-- wake_end detail a wake's end may carry (which tool hit its per-wake limit, which approvals a
-- wake awaits).

-- ---------------------------------------------------------------------------
-- Permission modes: what an agent may do without a person (docs/supervision.md).
--   locked      only read-local tools run
--   supervised  destructive and network/external tools wait for an approval
--   autonomous  every tool runs
-- Existing agents become supervised; no built-in tool is gated in that mode by default, so
-- their behaviour is unchanged until a tool of those classes is offered.
-- ---------------------------------------------------------------------------

ALTER TABLE agents
    ADD COLUMN permission_mode text NOT NULL DEFAULT 'supervised',
    ADD CONSTRAINT agents_permission_mode_known
        CHECK (permission_mode IN ('locked', 'supervised', 'autonomous'));

-- ---------------------------------------------------------------------------
-- Approvals: one per gated tool call, single use, bound to its call, wake, agent and workspace.
--   status     pending -> approved | denied | expired (decided once, by an operator or by time)
--   execution  what the agent's next wake did with the decision, set once when it is settled:
--              running (an approved call was started by wake executing_wake_id),
--              executed (it ran and its result was recorded), interrupted (the wake that started
--              it died before recording a result: it is never run again), answered (a denial or
--              an expiry was answered to the model).
-- ---------------------------------------------------------------------------

CREATE TABLE approvals (
    id                 uuid        NOT NULL,
    workspace_id       uuid        NOT NULL,
    agent_id           uuid        NOT NULL,
    wake_id            uuid        NOT NULL,
    call_id            text        NOT NULL,
    tool_name          text        NOT NULL,
    capability         text        NOT NULL,
    -- The arguments the call was validated with and will run with, exactly.
    arguments          jsonb       NOT NULL,
    requested_at       timestamptz NOT NULL DEFAULT now(),
    expires_at         timestamptz NOT NULL,
    status             text        NOT NULL DEFAULT 'pending',
    decided_by         uuid,
    decided_at         timestamptz,
    note               text,
    execution          text,
    executing_wake_id  uuid,
    settled_wake_id    uuid,
    settled_at         timestamptz,
    result_ok          boolean,
    CONSTRAINT approvals_pk PRIMARY KEY (id),
    CONSTRAINT approvals_workspace_fk FOREIGN KEY (workspace_id) REFERENCES workspaces (id),
    CONSTRAINT approvals_agent_fk FOREIGN KEY (agent_id) REFERENCES agents (id),
    CONSTRAINT approvals_decided_by_fk FOREIGN KEY (decided_by) REFERENCES users (id),
    CONSTRAINT approvals_one_per_call UNIQUE (agent_id, wake_id, call_id),
    CONSTRAINT approvals_status_known CHECK (status IN ('pending', 'approved', 'denied', 'expired')),
    CONSTRAINT approvals_capability_known CHECK (
        capability IN ('read_local', 'write_local', 'external', 'destructive')),
    CONSTRAINT approvals_execution_known CHECK (
        execution IS NULL OR execution IN ('running', 'executed', 'interrupted', 'answered')),
    CONSTRAINT approvals_decided_when CHECK ((status = 'pending') = (decided_at IS NULL)),
    CONSTRAINT approvals_decided_by_person CHECK (
        decided_by IS NULL OR status IN ('approved', 'denied')),
    CONSTRAINT approvals_runs_only_approved CHECK (
        execution IS NULL OR execution = 'answered' OR status = 'approved'),
    CONSTRAINT approvals_running_has_wake CHECK (
        execution IS DISTINCT FROM 'running' OR executing_wake_id IS NOT NULL),
    CONSTRAINT approvals_settled_when CHECK (
        (settled_at IS NULL) = (execution IS NULL OR execution = 'running')),
    CONSTRAINT approvals_expiry_after_request CHECK (expires_at > requested_at),
    CONSTRAINT approvals_note_length CHECK (note IS NULL OR length(note) <= 2000)
);

-- The inbox: a workspace's requests, newest first, by status.
CREATE INDEX approvals_workspace_idx ON approvals (workspace_id, status, requested_at DESC);
CREATE INDEX approvals_agent_idx ON approvals (agent_id, requested_at DESC);
-- For the scheduler's expiry sweep: only pending requests.
CREATE INDEX approvals_pending_expiry_idx ON approvals (expires_at) WHERE status = 'pending';
-- For a wake: the decisions of its agent not yet settled.
CREATE INDEX approvals_unsettled_idx ON approvals (agent_id, decided_at)
    WHERE status <> 'pending' AND settled_at IS NULL;

ALTER TABLE approvals ENABLE ROW LEVEL SECURITY;
CREATE POLICY workspace_scope ON approvals
    USING (workspace_id = ANY (pincery_scope()))
    WITH CHECK (workspace_id = ANY (pincery_scope()));

-- Decides a pending request, once: approved or denied by p_user with an optional note, and an
-- approval_decided event appended to the agent (a waking event: the agent's next wake settles
-- it). A request past its expiry is expired instead (and that is recorded the same way).
-- The request's row is locked before its agent's, as pincery_expire_approvals does.
-- Outcomes: decided, expired, already_decided (with the earlier decision), agent_deleted,
-- not_found (also for another workspace's request, which row-level security hides).
CREATE FUNCTION pincery_decide_approval(p_id uuid, p_user uuid, p_decision text, p_note text)
RETURNS TABLE (outcome text, agent_id uuid, seq bigint, pending boolean, status text,
               decided_by uuid, decided_at timestamptz)
LANGUAGE plpgsql AS $$
DECLARE
    v_row     approvals%ROWTYPE;
    v_deleted boolean;
    v_status  text := p_decision;
    v_event   record;
BEGIN
    IF p_decision NOT IN ('approved', 'denied') THEN
        RAISE EXCEPTION 'decision must be approved or denied, not %', p_decision;
    END IF;
    SELECT * INTO v_row FROM approvals p WHERE p.id = p_id FOR UPDATE;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 'not_found', NULL::uuid, NULL::bigint, NULL::boolean, NULL::text,
                            NULL::uuid, NULL::timestamptz;
        RETURN;
    END IF;
    IF v_row.status <> 'pending' THEN
        RETURN QUERY SELECT 'already_decided', v_row.agent_id, NULL::bigint, NULL::boolean,
                            v_row.status, v_row.decided_by, v_row.decided_at;
        RETURN;
    END IF;
    SELECT a.deleted_at IS NOT NULL INTO v_deleted FROM agents a WHERE a.id = v_row.agent_id;
    IF v_deleted THEN
        RETURN QUERY SELECT 'agent_deleted', v_row.agent_id, NULL::bigint, NULL::boolean,
                            v_row.status, NULL::uuid, NULL::timestamptz;
        RETURN;
    END IF;
    IF v_row.expires_at <= now() THEN
        v_status := 'expired';
    END IF;
    UPDATE approvals p
       SET status = v_status,
           decided_by = CASE WHEN v_status = 'expired' THEN NULL ELSE p_user END,
           decided_at = now(),
           note = CASE WHEN v_status = 'expired' THEN NULL ELSE p_note END
     WHERE p.id = p_id
    RETURNING * INTO v_row;
    SELECT * INTO v_event FROM pincery_append_event(v_row.agent_id, 'approval_decided',
        CASE WHEN v_status = 'expired' THEN 'runtime' ELSE 'operator' END, NULL, v_row.note,
        v_row.tool_name, NULL, NULL, NULL,
        jsonb_build_object('approval_id', v_row.id, 'decision', v_status,
                           'decided_by', v_row.decided_by, 'call_id', v_row.call_id,
                           'wake_id', v_row.wake_id),
        NULL);
    RETURN QUERY SELECT CASE WHEN v_status = 'expired' THEN 'expired' ELSE 'decided' END,
                        v_row.agent_id, v_event.seq, v_event.pending, v_row.status,
                        v_row.decided_by, v_row.decided_at;
END;
$$;

-- Expires up to p_limit pending requests past their expiry, each with its approval_decided
-- event (decision expired, a waking event: the agent is told the call was not approved).
-- SKIP LOCKED lets several schedulers sweep at once; a request an operator is deciding right now
-- is left to that decision.
CREATE FUNCTION pincery_expire_approvals(p_limit integer)
RETURNS TABLE (approval_id uuid, agent_id uuid, seq bigint, pending boolean)
LANGUAGE plpgsql AS $$
DECLARE
    v_row   approvals%ROWTYPE;
    v_event record;
BEGIN
    FOR v_row IN
        SELECT * FROM approvals p
         WHERE p.status = 'pending' AND p.expires_at <= now()
         ORDER BY p.expires_at
         LIMIT p_limit
           FOR UPDATE SKIP LOCKED
    LOOP
        UPDATE approvals p SET status = 'expired', decided_at = now() WHERE p.id = v_row.id;
        SELECT * INTO v_event FROM pincery_append_event(v_row.agent_id, 'approval_decided',
            'runtime', NULL, NULL, v_row.tool_name, NULL, NULL, NULL,
            jsonb_build_object('approval_id', v_row.id, 'decision', 'expired',
                               'decided_by', NULL, 'call_id', v_row.call_id,
                               'wake_id', v_row.wake_id),
            NULL);
        RETURN QUERY SELECT v_row.id, v_row.agent_id, v_event.seq, v_event.pending;
    END LOOP;
END;
$$;

-- ---------------------------------------------------------------------------
-- Semantic stop (the seed's "no kill switch"): a person's message the gateway recognised as
-- "stop" (payload control = stop) disables the agent with reason 'stopped' in the transaction
-- that records the message, so its running wake ends at the next step boundary (reason stopped)
-- and nothing wakes it — timers, webhooks and other messages are recorded and stay pending.
-- "carry on" (control = carry_on) enables it again, only if it was stopped (never an agent an
-- operator disabled or whose budget ran out), and wakes it when work is pending.
-- ---------------------------------------------------------------------------

CREATE FUNCTION pincery_apply_semantic_stop() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_pending boolean;
BEGIN
    IF NEW.payload->>'control' = 'stop' THEN
        UPDATE agents a SET is_enabled = false, disabled_reason = 'stopped', updated_at = now()
         WHERE a.id = NEW.agent_id AND a.is_enabled;
    ELSIF NEW.payload->>'control' = 'carry_on' THEN
        UPDATE agents a SET is_enabled = true, disabled_reason = NULL, updated_at = now()
         WHERE a.id = NEW.agent_id AND NOT a.is_enabled AND a.disabled_reason = 'stopped'
           AND a.deleted_at IS NULL
        RETURNING a.status = 'asleep' AND a.has_pending INTO v_pending;
        IF v_pending THEN
            PERFORM pg_notify('pincery_wake', NEW.agent_id::text);
        END IF;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER events_semantic_stop
    AFTER INSERT ON events
    FOR EACH ROW
    WHEN (NEW.event_type = 'message_received' AND NEW.payload ? 'control')
    EXECUTE FUNCTION pincery_apply_semantic_stop();

-- ---------------------------------------------------------------------------
-- The wake step, as V13 with two more kinds of item and p_end_detail:
--   {"approval_request": {id, call_id, tool_name, capability, arguments, expires_at}}
--       records a gated call's request (its approval_requested event is an ordinary item);
--   {"approval_settle": {id, execution, ok}}
--       settles a decided request once, with the tool_result that answers it;
--   p_end_detail is merged into the wake_end event's payload (e.g. {"tool": "shell",
--       "limit": 20} for tool_call_limit, {"approvals": [...]} for awaiting_approval).
-- ---------------------------------------------------------------------------

DROP FUNCTION pincery_end_wake(uuid, uuid, bigint, text, bigint, boolean);
DROP FUNCTION pincery_wake_step(uuid, uuid, bigint, jsonb, jsonb, text, bigint, bigint, boolean);

CREATE FUNCTION pincery_wake_step(
    p_agent_id uuid, p_wake_id uuid, p_lease_ms bigint, p_call jsonb, p_events jsonb,
    p_end_reason text, p_seen_seq bigint, p_maintenance_lease_ms bigint, p_maintain boolean,
    p_end_detail jsonb)
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
        IF v_item ? 'approval_request' THEN
            INSERT INTO approvals (id, workspace_id, agent_id, wake_id, call_id, tool_name,
                                   capability, arguments, expires_at)
            VALUES ((v_item->'approval_request'->>'id')::uuid, v_agent.workspace_id, p_agent_id,
                    p_wake_id, v_item->'approval_request'->>'call_id',
                    v_item->'approval_request'->>'tool_name',
                    v_item->'approval_request'->>'capability',
                    v_item->'approval_request'->'arguments',
                    (v_item->'approval_request'->>'expires_at')::timestamptz);
            CONTINUE;
        END IF;
        IF v_item ? 'approval_settle' THEN
            -- Only a decided request is settled, once; an approved one only by the wake that
            -- started it (or that found it interrupted).
            UPDATE approvals p
               SET execution = v_item->'approval_settle'->>'execution',
                   result_ok = (v_item->'approval_settle'->>'ok')::boolean,
                   settled_wake_id = p_wake_id,
                   settled_at = now()
             WHERE p.id = (v_item->'approval_settle'->>'id')::uuid AND p.agent_id = p_agent_id
               AND p.status <> 'pending' AND p.settled_at IS NULL;
            CONTINUE;
        END IF;
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
            coalesce(p_end_detail, '{}'::jsonb) || jsonb_build_object('seen_seq', p_seen_seq));
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

-- As V13.
CREATE FUNCTION pincery_end_wake(p_agent_id uuid, p_wake_id uuid, p_seen_seq bigint,
                                 p_reason text, p_lease_ms bigint, p_maintain boolean)
RETURNS TABLE (seq bigint, consumed_seq bigint, pending boolean)
LANGUAGE sql AS $$
    SELECT s.last_seq, s.consumed_seq, s.pending
      FROM pincery_wake_step(p_agent_id, p_wake_id, p_lease_ms, NULL, NULL, p_reason, p_seen_seq,
                             p_lease_ms, p_maintain, NULL) s
$$;

-- As V1, with approval_decided: a decision (or an expiry) wakes the agent to settle it. The Java
-- EventType enum mirrors this list and a test keeps the two in step.
CREATE OR REPLACE FUNCTION pincery_is_waking(p_event_type text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT p_event_type IN ('message_received', 'webhook_received', 'agent_message_received',
                            'timer_fired', 'approval_decided')
$$;
