-- Maintenance never drops a pass (issue: under load, passes that waited in the queue ran out of
-- their lease and the agent went back to sleep without its new projection; a killed maintenance
-- worker held its agents for the whole 120 s lease).
--  * A pass that waits to be taken (status 'maintenance', no lease_owner) has no deadline: the
--    reaper leaves it alone, however long the queue (its lease_expires_at, which the row's check
--    requires, no longer counts).
--  * A taken pass holds a short lease its worker heartbeats (MAINTENANCE_LEASE_SECONDS); when the
--    lease runs out (the worker died or stalled), the reaper puts the pass back in the queue
--    (event maintenance_requeued) for any maintenance worker to take.
--  * A pass taken MAX_ATTEMPTS (3) times without finishing is a poison pill (it kills its
--    workers): the reaper then ends it as before (wake_abandoned, phase maintenance, reason
--    lease_lost; the previous projection stays) so the agent is not blocked for ever.
-- maintenance_attempts (V8) counts the takes of the current pass; the end of a wake resets it.

CREATE OR REPLACE FUNCTION pincery_reap_expired(p_limit integer)
RETURNS TABLE (agent_id uuid, wake_id uuid, phase text, pending boolean)
LANGUAGE plpgsql AS $$
DECLARE
    v_row record;
    v_pending boolean;
BEGIN
    FOR v_row IN
        SELECT a.id, a.wake_id, a.status, a.maintenance_attempts FROM agents a
         WHERE a.status <> 'asleep' AND a.lease_expires_at < now()
           AND (a.status = 'awake' OR a.lease_owner IS NOT NULL)
         ORDER BY a.lease_expires_at
         LIMIT p_limit
           FOR NO KEY UPDATE SKIP LOCKED
    LOOP
        IF v_row.status = 'maintenance' AND v_row.maintenance_attempts < 3 THEN
            PERFORM pincery_append_event(v_row.id, 'maintenance_requeued', 'runtime',
                v_row.wake_id, NULL, NULL, NULL, NULL, NULL,
                jsonb_build_object('attempts', v_row.maintenance_attempts), v_row.wake_id);
            -- Unowned again: the claim takes it; its old deadline no longer counts (see above).
            UPDATE agents a
               SET lease_owner = NULL, updated_at = now()
             WHERE a.id = v_row.id;
            RETURN QUERY SELECT v_row.id, v_row.wake_id, 'maintenance_requeued'::text, false;
            CONTINUE;
        END IF;
        PERFORM pincery_append_event(v_row.id, 'wake_abandoned', 'runtime', v_row.wake_id, NULL,
            NULL, NULL, NULL, 'lease_lost',
            CASE WHEN v_row.status = 'maintenance'
                 THEN jsonb_build_object('phase', v_row.status,
                                         'attempts', v_row.maintenance_attempts)
                 ELSE jsonb_build_object('phase', v_row.status) END,
            v_row.wake_id);
        UPDATE agents a
           SET status = 'asleep', wake_id = NULL, lease_owner = NULL, lease_expires_at = NULL,
               maintenance_attempts = 0, updated_at = now()
         WHERE a.id = v_row.id
        RETURNING (a.is_enabled AND a.inbox_seq > a.consumed_seq) INTO v_pending;
        RETURN QUERY SELECT v_row.id, v_row.wake_id, v_row.status, v_pending;
    END LOOP;
END;
$$;
