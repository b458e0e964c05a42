-- Maintenance results and timers, as single-transaction functions for the workers.

-- Ends a maintenance pass: writes projection version n+1, appends maintenance_completed (or
-- maintenance_failed when p_kept_previous says the model's answer was unusable and the previous
-- values were kept), and returns the agent to asleep — all fenced by the wake that owns it.
-- Returns no row when that wake no longer owns the agent; then nothing is written.
CREATE FUNCTION pincery_finish_maintenance(
    p_agent_id uuid, p_wake_id uuid, p_identity text, p_work_list text, p_summary text,
    p_kept_previous boolean, p_detail jsonb)
RETURNS TABLE (version integer, pending boolean)
LANGUAGE plpgsql AS $$
DECLARE
    v_version integer;
    v_pending boolean;
BEGIN
    PERFORM 1 FROM agents a
      WHERE a.id = p_agent_id AND a.wake_id = p_wake_id AND a.status = 'maintenance'
        FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    SELECT coalesce(max(p.version), 0) + 1 INTO v_version FROM projections p WHERE p.agent_id = p_agent_id;
    INSERT INTO projections (agent_id, version, wake_id, identity, work_list, summary)
    VALUES (p_agent_id, v_version, p_wake_id, p_identity, p_work_list, p_summary);
    PERFORM pincery_append_event(p_agent_id,
        CASE WHEN p_kept_previous THEN 'maintenance_failed' ELSE 'maintenance_completed' END,
        'runtime', p_wake_id, p_summary, NULL, NULL, NULL, NULL,
        coalesce(p_detail, '{}'::jsonb) || jsonb_build_object('projection_version', v_version),
        p_wake_id);
    UPDATE agents a
       SET status = 'asleep', wake_id = NULL, lease_owner = NULL, lease_expires_at = NULL,
           updated_at = now()
     WHERE a.id = p_agent_id
    RETURNING (a.is_enabled AND a.has_pending) INTO v_pending;
    RETURN QUERY SELECT v_version, v_pending;
END;
$$;

-- Fires up to p_limit due timers: each is marked fired and its agent gets timer_fired (which
-- wakes it), in one transaction. SKIP LOCKED lets several schedulers run without firing a timer
-- twice; a cancelled or fired timer is never picked. Agents are appended to in id order, the same
-- order every batch uses, so two schedulers cannot deadlock on agent rows.
CREATE FUNCTION pincery_fire_due_timers(p_limit integer)
RETURNS TABLE (timer_id uuid, agent_id uuid, seq bigint, pending boolean)
LANGUAGE plpgsql AS $$
DECLARE
    v_timer record;
    v_event record;
BEGIN
    FOR v_timer IN
        SELECT due.* FROM (
            SELECT t.id, t.agent_id, t.note, t.due_at FROM timers t
             WHERE t.fired_at IS NULL AND t.cancelled_at IS NULL AND t.due_at <= now()
             ORDER BY t.due_at
             LIMIT p_limit
               FOR UPDATE SKIP LOCKED) due
         ORDER BY due.agent_id, due.due_at
    LOOP
        UPDATE timers t SET fired_at = now() WHERE t.id = v_timer.id;
        SELECT * INTO v_event FROM pincery_append_event(v_timer.agent_id, 'timer_fired', 'timer', NULL,
            v_timer.note, NULL, NULL, NULL, NULL,
            jsonb_build_object('timer_id', v_timer.id, 'due_at', v_timer.due_at), NULL);
        RETURN QUERY SELECT v_timer.id, v_timer.agent_id, v_event.seq, v_event.pending;
    END LOOP;
END;
$$;
