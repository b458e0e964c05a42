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
-- 4. LifecycleRepository.endWake: pincery_end_wake, 'completed', no maintenance (a wake that made
--    no model call goes straight back to asleep, V13).
SELECT seq AS endseq FROM pincery_end_wake(:aid, :wid, :seen, 'completed', 30000, false) \gset
-- 5. Its notification: the events stream (the input was consumed: nothing is pending).
SELECT pg_notify(n.channel, n.payload)
  FROM unnest(ARRAY['pincery_events'], ARRAY[CAST(:aid AS text) || ':' || CAST(:endseq AS text)])
       AS n(channel, payload);
