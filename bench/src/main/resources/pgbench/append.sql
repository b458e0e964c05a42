-- The store's APPEND_EVENT, one message_received per transaction, on this client's agent.
SELECT e.seq
  FROM bench_agents b, pincery_append_event(b.agent_id, 'message_received', 'bench', NULL, 'hello',
       NULL, NULL, NULL, NULL, '{}'::jsonb, NULL) e
 WHERE b.client_id = :client_id;
