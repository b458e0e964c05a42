-- The operator API: one-time bootstrap.

-- Exactly one row once the installation is bootstrapped: a second bootstrap fails on the primary
-- key, even when two race. Its references are checked at commit, so the bootstrap statement may
-- insert this row before the user and workspace it names.
CREATE TABLE installation (
    singleton       boolean     NOT NULL DEFAULT true,
    admin_user_id   uuid        NOT NULL,
    workspace_id    uuid        NOT NULL,
    bootstrapped_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT installation_pk PRIMARY KEY (singleton),
    CONSTRAINT installation_is_singleton CHECK (singleton),
    CONSTRAINT installation_admin_fk FOREIGN KEY (admin_user_id) REFERENCES users (id)
        DEFERRABLE INITIALLY DEFERRED,
    CONSTRAINT installation_workspace_fk FOREIGN KEY (workspace_id) REFERENCES workspaces (id)
        DEFERRABLE INITIALLY DEFERRED
);

-- For GET /api/agents/:id: the newest projection of an agent.
-- (projections_pk (agent_id, version) already serves ORDER BY version DESC LIMIT 1.)

-- For the memberships lookup of an authenticated session (user -> workspace).
CREATE INDEX memberships_user_idx ON memberships (user_id, created_at);

-- Appends many events, each to a live agent of its own workspace, in one transaction: the group
-- commit behind POST /api/agents/:id/messages, so that concurrent messages share one WAL flush.
-- Agents are locked in ascending id order (ties by position), the same order in every batch, so
-- two batches never deadlock. Item i of the arrays is one event; an item whose agent is missing,
-- deleted or in another workspace yields no row and writes nothing.
CREATE FUNCTION pincery_append_events_in_workspaces(
    p_workspace_ids uuid[], p_agent_ids uuid[], p_event_types text[], p_sources text[],
    p_contents text[], p_payloads text[])
RETURNS TABLE (idx integer, event_id uuid, seq bigint, created_at timestamptz, pending boolean)
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
            SELECT v_item.i, e.event_id, e.seq, e.created_at, e.pending
              FROM agents a
             CROSS JOIN LATERAL pincery_append_event(a.id, p_event_types[v_item.i],
                   p_sources[v_item.i], NULL, p_contents[v_item.i], NULL, NULL, NULL, NULL,
                   p_payloads[v_item.i]::jsonb, NULL) e
             WHERE a.id = v_item.agent_id
               AND a.workspace_id = p_workspace_ids[v_item.i]
               AND a.deleted_at IS NULL;
    END LOOP;
END;
$$;
