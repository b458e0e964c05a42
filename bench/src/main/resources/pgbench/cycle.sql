-- The store's CLAIM, END_WAKE and FINISH_MAINTENANCE: three round trips, as in the store.
SELECT b.agent_id AS aid, c.wake_id AS wid, c.inbox_seq AS seen
  FROM bench_agents b, pincery_claim(b.agent_id, 'pgbench', 30000) c
 WHERE b.client_id = :client_id \gset
SELECT seq, consumed_seq FROM pincery_end_wake(:aid, :wid, :seen, 'completed', 30000, true);
UPDATE agents
   SET status = 'asleep', wake_id = NULL, lease_owner = NULL, lease_expires_at = NULL,
       updated_at = now()
 WHERE id = :aid AND wake_id = :wid AND status = 'maintenance'
RETURNING (is_enabled AND inbox_seq > consumed_seq) AS pending;
