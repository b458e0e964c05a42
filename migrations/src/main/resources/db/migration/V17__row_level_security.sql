-- Defence in depth (issue 14): PostgreSQL row-level security on every workspace-owned table.
--
-- The operator API runs each of its transactions as the role pincery_api with the workspaces it
-- acts for in the setting pincery.workspaces (both transaction-local: set_config(..., true)).
-- pincery_api owns nothing and cannot bypass row-level security, so even a query without the
-- application's own workspace filter sees, and may write, only rows of those workspaces; with no
-- workspace set it sees nothing. The workers and the scheduler run as the schema's owner, which
-- row-level security does not restrict (the tables are not FORCEd): they work across workspaces
-- by design.

-- The role is cluster-wide: another database of the same server may have created it already.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pincery_api') THEN
        BEGIN
            CREATE ROLE pincery_api NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
        EXCEPTION WHEN insufficient_privilege THEN
            RAISE EXCEPTION 'migration V17 needs the role pincery_api, and % may not create roles',
                current_user
                USING HINT = format('as a superuser, run once: CREATE ROLE pincery_api NOLOGIN;'
                                    ' GRANT pincery_api TO %I;', current_user);
        END;
    END IF;
    -- The migrating (and serving) login switches to it per transaction; a superuser needs no
    -- membership for that.
    IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
       AND NOT pg_has_role(current_user, 'pincery_api', 'MEMBER') THEN
        BEGIN
            EXECUTE format('GRANT pincery_api TO %I', current_user);
        EXCEPTION WHEN insufficient_privilege THEN
            RAISE EXCEPTION 'migration V17: % must be a member of pincery_api', current_user
                USING HINT = format('as a superuser, run once: GRANT pincery_api TO %I;',
                                    current_user);
        END;
    END IF;
END
$$;

-- In the schema the migrations run in; tables later migrations create are granted too.
DO $$
BEGIN
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO pincery_api', current_schema());
    EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %I TO pincery_api',
                   current_schema());
    EXECUTE format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA %I TO pincery_api',
                   current_schema());
    EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I'
                   ' GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO pincery_api',
                   current_schema());
    EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT USAGE, SELECT ON SEQUENCES TO pincery_api',
                   current_schema());
    -- Nothing of the migrations' own bookkeeping.
    IF to_regclass('flyway_schema_history') IS NOT NULL THEN
        REVOKE ALL ON flyway_schema_history FROM pincery_api;
    END IF;
END
$$;

-- The workspaces the current transaction acts for; empty when none is set.
CREATE FUNCTION pincery_scope() RETURNS uuid[]
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce(
        string_to_array(nullif(current_setting('pincery.workspaces', true), ''), ',')::uuid[],
        '{}'::uuid[])
$$;

-- Tables that name their workspace (the audit trail's chains included: V15; the installation's
-- chain, the all-zero workspace, is in no workspace's scope and is read unscoped, by installation
-- owners only), and tables that belong to an agent, visible when the agent is (the subquery on
-- agents is itself restricted by agents' policy).
DO $$
DECLARE
    v_table text;
BEGIN
    FOREACH v_table IN ARRAY ARRAY['agents', 'credentials', 'memberships', 'sessions',
                                   'invitations', 'api_tokens', 'audit_log', 'audit_chains'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', v_table);
        EXECUTE format('CREATE POLICY workspace_scope ON %I'
                       ' USING (workspace_id = ANY (pincery_scope()))'
                       ' WITH CHECK (workspace_id = ANY (pincery_scope()))', v_table);
    END LOOP;
    FOREACH v_table IN ARRAY ARRAY['events', 'projections', 'timers', 'schedules', 'model_calls',
                                   'webhook_deliveries', 'message_idempotency_keys'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', v_table);
        EXECUTE format('CREATE POLICY workspace_scope ON %I'
                       ' USING (EXISTS (SELECT 1 FROM agents a WHERE a.id = agent_id))'
                       ' WITH CHECK (EXISTS (SELECT 1 FROM agents a WHERE a.id = agent_id))',
                       v_table);
    END LOOP;
END
$$;

ALTER TABLE workspaces ENABLE ROW LEVEL SECURITY;
CREATE POLICY workspace_scope ON workspaces
    USING (id = ANY (pincery_scope())) WITH CHECK (id = ANY (pincery_scope()));
