-- One bare wake, statement for statement as the pincery-bare driver runs it (bench/peers:
-- BareWorkers), on this client's own agent, each statement its own transaction:
-- 1. EventRepository.append: pincery_append_event, one message_received.
SELECT b.agent_id AS aid, e.seq AS seq
  FROM bench_agents b, pincery_append_event(b.agent_id, 'message_received', 'bench', NULL, 'job',
       NULL, NULL, NULL, NULL, '{}'::jsonb, NULL) e
 WHERE b.client_id = :client_id \gset
-- 2. Its notifications (Notifier's NOTIFY_BATCH): the events stream and the wake worker.
SELECT pg_notify(n.channel, n.payload)
  FROM unnest(ARRAY['pincery_events', 'pincery_wake'],
              ARRAY[CAST(:aid AS text) || ':' || CAST(:seq AS text), CAST(:aid AS text)])
       AS n(channel, payload);
-- 3. The wake worker's claim. The driver's ClaimLoop uses pincery_claim_pending (SKIP LOCKED over
--    the pending index, any agent); a pgbench client must know its row, so it claims its own agent
--    with pincery_claim: the same wake_start insert and awake update, found by id.
SELECT c.wake_id AS wid, c.inbox_seq AS seen FROM pincery_claim(:aid, 'pgbench', 30000) c \gset
-- 4. LifecycleRepository.endWake: pincery_end_wake, 'completed'.
SELECT seq AS endseq FROM pincery_end_wake(:aid, :wid, :seen, 'completed', 30000) \gset
-- 5. Its notifications: the events stream and the maintenance worker.
SELECT pg_notify(n.channel, n.payload)
  FROM unnest(ARRAY['pincery_events', 'pincery_maintenance'],
              ARRAY[CAST(:aid AS text) || ':' || CAST(:endseq AS text), CAST(:aid AS text)])
       AS n(channel, payload);
-- 6. LifecycleRepository.claimMaintenance (CLAIM_MAINTENANCE), its inner pick narrowed to this
--    client's agent for the same reason as 3.
UPDATE agents a
   SET lease_owner = 'pgbench', lease_expires_at = now() + 30000 * interval '1 millisecond',
       maintenance_attempts = a.maintenance_attempts + 1, updated_at = now()
 WHERE a.id IN (SELECT id FROM agents
                 WHERE id = :aid AND status = 'maintenance' AND lease_owner IS NULL
                 ORDER BY id
                 LIMIT 1
                   FOR NO KEY UPDATE SKIP LOCKED)
RETURNING a.id, a.wake_id, a.event_seq;
-- 7. LifecycleRepository.finishMaintenance (FINISH_MAINTENANCE), no projection.
UPDATE agents
   SET status = 'asleep', wake_id = NULL, lease_owner = NULL, lease_expires_at = NULL,
       updated_at = now()
 WHERE id = :aid AND wake_id = :wid AND status = 'maintenance'
RETURNING (is_enabled AND inbox_seq > consumed_seq) AS pending;
