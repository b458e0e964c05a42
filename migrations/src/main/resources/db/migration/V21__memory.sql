-- Memory (issue 16, docs/memory.md): a search index over the event log.
--
-- memory_entries holds one row per indexed event: its text (what a person or the agent would
-- search for), a full-text vector, trigram-indexed text for names and identifiers, and the
-- event's embedding once the memory indexer has computed it. The index is derived data: it is
-- filled in the appending transaction by a trigger on events (so no event is ever missed), the
-- embeddings are added later off the wake path (the memory-indexer tier claims rows without one
-- with SKIP LOCKED), and pincery_memory_rebuild re-derives it from seq 1 at any time.

CREATE EXTENSION IF NOT EXISTS pg_trgm;
-- GIN over plain columns: every search is one agent's, so its text indexes lead with agent_id.
CREATE EXTENSION IF NOT EXISTS btree_gin;

-- The installation's memory settings: the text search configuration (language) every entry is
-- indexed and searched with. One row; the memory indexer sets it from MEMORY_TEXT_SEARCH_CONFIG.
CREATE TABLE memory_settings (
    id         boolean   NOT NULL DEFAULT true,
    ts_config  regconfig NOT NULL DEFAULT 'english',
    CONSTRAINT memory_settings_pk PRIMARY KEY (id),
    CONSTRAINT memory_settings_one_row CHECK (id)
);
INSERT INTO memory_settings (id) VALUES (true);
-- The operator API's role reads it (its appends index with it) but never changes it.
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON memory_settings FROM pincery_api;

-- body: the searchable text, at most 8,000 characters (the rest of a long tool output is in the
-- event; a search finds the event by its beginning). embedding: unit-length float4 vector of
-- embedding_model (all-MiniLM-L6-v2: 384 dimensions); NULL until embedded. embedded_at: when the
-- indexer handled the row (also set, with embedding NULL, when embeddings are off for the row).
CREATE TABLE memory_entries (
    agent_id         uuid        NOT NULL,
    seq              bigint      NOT NULL,
    event_type       text        NOT NULL,
    created_at       timestamptz NOT NULL,
    body             text        NOT NULL,
    ts_config        regconfig   NOT NULL,
    tsv              tsvector    GENERATED ALWAYS AS (to_tsvector(ts_config, body)) STORED,
    indexed_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
    embedding        real[],
    embedding_model  text,
    embedded_at      timestamptz,
    CONSTRAINT memory_entries_pk PRIMARY KEY (agent_id, seq),
    CONSTRAINT memory_entries_agent_fk FOREIGN KEY (agent_id) REFERENCES agents (id),
    CONSTRAINT memory_entries_body_length CHECK (length(body) BETWEEN 1 AND 8000),
    CONSTRAINT memory_entries_embedding_shape CHECK (
        embedding IS NULL OR (embedding_model IS NOT NULL AND cardinality(embedding) > 0))
);

CREATE INDEX memory_entries_tsv_idx ON memory_entries USING gin (agent_id, tsv);
CREATE INDEX memory_entries_trgm_idx ON memory_entries USING gin (agent_id, body gin_trgm_ops);
-- The indexer's queue: rows still to embed, oldest first.
CREATE INDEX memory_entries_unembedded_idx ON memory_entries (indexed_at) WHERE embedded_at IS NULL;

ALTER TABLE memory_entries ENABLE ROW LEVEL SECURITY;
CREATE POLICY workspace_scope ON memory_entries
    USING (EXISTS (SELECT 1 FROM agents a WHERE a.id = agent_id))
    WITH CHECK (EXISTS (SELECT 1 FROM agents a WHERE a.id = agent_id));

-- The text of an event worth remembering, or NULL for an event that is not indexed: what people,
-- webhooks and other agents said, what the agent said and sent, what its tools answered, the
-- summary of each wake (maintenance_completed) and the facts it chose to remember.
CREATE FUNCTION pincery_memory_text(p_event_type text, p_content text, p_tool_name text,
                                    p_tool_output text)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT left(nullif(btrim(
        CASE
            WHEN p_event_type IN ('message_received', 'agent_message_received', 'webhook_received',
                                  'timer_fired', 'assistant_message', 'message_sent',
                                  'maintenance_completed', 'memory_remembered')
                THEN p_content
            WHEN p_event_type = 'tool_result'
                THEN coalesce(p_tool_name || ': ', '') || coalesce(p_tool_output, p_content)
        END), ''), 8000)
$$;

CREATE FUNCTION pincery_memory_index_event() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_body text := pincery_memory_text(NEW.event_type, NEW.content, NEW.tool_name, NEW.tool_output);
BEGIN
    IF v_body IS NOT NULL THEN
        INSERT INTO memory_entries (agent_id, seq, event_type, created_at, body, ts_config)
        VALUES (NEW.agent_id, NEW.seq, NEW.event_type, NEW.created_at, v_body,
                (SELECT s.ts_config FROM memory_settings s))
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER events_memory_index
    AFTER INSERT ON events
    FOR EACH ROW
    WHEN (NEW.event_type IN ('message_received', 'agent_message_received', 'webhook_received',
                             'timer_fired', 'assistant_message', 'message_sent', 'tool_result',
                             'maintenance_completed', 'memory_remembered'))
    EXECUTE FUNCTION pincery_memory_index_event();

-- Re-derives an agent's index (or every agent's, p_agent_id NULL) from its events, seq 1 onward:
-- entries are replaced, embeddings dropped for the indexer to compute again. Returns the number
-- of entries written. Safe while agents run: a concurrent append inserts its own entry, and the
-- rebuild's insert skips it.
CREATE FUNCTION pincery_memory_rebuild(p_agent_id uuid) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    v_count bigint;
BEGIN
    DELETE FROM memory_entries m WHERE p_agent_id IS NULL OR m.agent_id = p_agent_id;
    INSERT INTO memory_entries (agent_id, seq, event_type, created_at, body, ts_config)
    SELECT e.agent_id, e.seq, e.event_type, e.created_at,
           pincery_memory_text(e.event_type, e.content, e.tool_name, e.tool_output),
           (SELECT s.ts_config FROM memory_settings s)
      FROM events e
     WHERE (p_agent_id IS NULL OR e.agent_id = p_agent_id)
       AND pincery_memory_text(e.event_type, e.content, e.tool_name, e.tool_output) IS NOT NULL
     ORDER BY e.agent_id, e.seq
    ON CONFLICT DO NOTHING;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    RETURN v_count;
END;
$$;

-- Cosine similarity of two unit vectors (their dot product), for the exact scan used when the
-- server has no pgvector. NULL when the lengths differ.
CREATE FUNCTION pincery_dot(a real[], b real[]) RETURNS double precision
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE WHEN cardinality(a) = cardinality(b)
                THEN (SELECT sum(x::double precision * y) FROM unnest(a, b) AS t(x, y)) END
$$;

-- pgvector, when the server has it (and this role may create it): a vector(384) copy of each
-- all-MiniLM-L6-v2 embedding, generated from the float4 array, with an HNSW index for cosine
-- distance. MemoryRepository uses it when the column exists; without it semantic search is the
-- exact scan above. Installing pgvector later takes a rebuild of this column by hand
-- (docs/memory.md, "pgvector").
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'vector') THEN
        RETURN;
    END IF;
    BEGIN
        CREATE EXTENSION IF NOT EXISTS vector;
    EXCEPTION WHEN insufficient_privilege THEN
        RAISE NOTICE 'memory: pgvector is installed but % may not create the extension;'
                     ' semantic search scans exactly', current_user;
        RETURN;
    END;
    EXECUTE 'ALTER TABLE memory_entries ADD COLUMN embedding_vec vector(384) GENERATED ALWAYS AS ('
            ' CASE WHEN cardinality(embedding) = 384 THEN embedding::vector(384) END) STORED';
    EXECUTE 'CREATE INDEX memory_entries_hnsw_idx ON memory_entries'
            ' USING hnsw (embedding_vec vector_cosine_ops)';
END
$$;

-- The events appended before this migration.
SELECT pincery_memory_rebuild(NULL);
