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
