-- Team mode (issue 14): four roles, sessions bound to a workspace, invitations and API tokens.

-- ---------------------------------------------------------------------------
-- Roles: owner > admin > operator > viewer. The old 'member' role could do what an operator
-- can, so it becomes one.
-- ---------------------------------------------------------------------------
ALTER TABLE memberships DROP CONSTRAINT memberships_role_known;
UPDATE memberships SET role = 'operator' WHERE role = 'member';
ALTER TABLE memberships ADD CONSTRAINT memberships_role_known
    CHECK (role IN ('owner', 'admin', 'operator', 'viewer'));
-- For the member list of a workspace and its owner count.
CREATE INDEX memberships_workspace_idx ON memberships (workspace_id, role);

-- Emails are compared case-insensitively: they are stored lower-case from now on.
UPDATE users SET email = lower(email) WHERE email <> lower(email);

-- ---------------------------------------------------------------------------
-- Sessions act in one workspace at a time (switchable). A session authenticates only while its
-- user is a member of that workspace, so removing a member ends their sessions at once.
-- ---------------------------------------------------------------------------
ALTER TABLE sessions ADD COLUMN workspace_id uuid;
ALTER TABLE sessions ADD COLUMN kind text NOT NULL DEFAULT 'bootstrap';
ALTER TABLE sessions ALTER COLUMN kind DROP DEFAULT;
UPDATE sessions s
   SET workspace_id = (SELECT m.workspace_id FROM memberships m
                        WHERE m.user_id = s.user_id ORDER BY m.created_at LIMIT 1);
DELETE FROM sessions WHERE workspace_id IS NULL;
ALTER TABLE sessions ALTER COLUMN workspace_id SET NOT NULL;
ALTER TABLE sessions ADD CONSTRAINT sessions_workspace_fk
    FOREIGN KEY (workspace_id) REFERENCES workspaces (id);
ALTER TABLE sessions ADD CONSTRAINT sessions_kind_known
    CHECK (kind IN ('bootstrap', 'invitation', 'oidc'));
-- For revoking a member's live sessions when they are removed.
CREATE INDEX sessions_user_workspace_idx ON sessions (user_id, workspace_id)
    WHERE revoked_at IS NULL;

-- ---------------------------------------------------------------------------
-- Invitations: a single-use token (only its SHA-256 kept) that makes its holder a member.
-- ---------------------------------------------------------------------------
CREATE TABLE invitations (
    id           uuid        NOT NULL DEFAULT gen_random_uuid(),
    workspace_id uuid        NOT NULL,
    email        text        NOT NULL,
    role         text        NOT NULL,
    token_hash   bytea       NOT NULL,
    invited_by   uuid        NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    accepted_at  timestamptz,
    accepted_by  uuid,
    revoked_at   timestamptz,
    CONSTRAINT invitations_pk PRIMARY KEY (id),
    CONSTRAINT invitations_workspace_fk FOREIGN KEY (workspace_id) REFERENCES workspaces (id),
    CONSTRAINT invitations_invited_by_fk FOREIGN KEY (invited_by) REFERENCES users (id),
    CONSTRAINT invitations_accepted_by_fk FOREIGN KEY (accepted_by) REFERENCES users (id),
    CONSTRAINT invitations_token_hash_uq UNIQUE (token_hash),
    CONSTRAINT invitations_token_hash_is_sha256 CHECK (length(token_hash) = 32),
    CONSTRAINT invitations_role_known CHECK (role IN ('owner', 'admin', 'operator', 'viewer')),
    CONSTRAINT invitations_email_lower CHECK (email = lower(email) AND position('@' IN email) > 1),
    CONSTRAINT invitations_expiry_after_creation CHECK (expires_at > created_at),
    CONSTRAINT invitations_accepted_by_whom CHECK ((accepted_at IS NULL) = (accepted_by IS NULL))
);
CREATE INDEX invitations_workspace_idx ON invitations (workspace_id, created_at DESC);

-- ---------------------------------------------------------------------------
-- API tokens: for scripts and CI, scoped to a workspace and a role, shown once, stored hashed.
-- A token acts with the lower of its own role and its creator's current role, and stops working
-- when its creator leaves the workspace.
-- ---------------------------------------------------------------------------
CREATE TABLE api_tokens (
    id           uuid        NOT NULL DEFAULT gen_random_uuid(),
    workspace_id uuid        NOT NULL,
    user_id      uuid        NOT NULL,
    name         text        NOT NULL,
    role         text        NOT NULL,
    token_hash   bytea       NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz,
    last_used_at timestamptz,
    revoked_at   timestamptz,
    CONSTRAINT api_tokens_pk PRIMARY KEY (id),
    CONSTRAINT api_tokens_workspace_fk FOREIGN KEY (workspace_id) REFERENCES workspaces (id),
    CONSTRAINT api_tokens_user_fk FOREIGN KEY (user_id) REFERENCES users (id),
    CONSTRAINT api_tokens_token_hash_uq UNIQUE (token_hash),
    CONSTRAINT api_tokens_token_hash_is_sha256 CHECK (length(token_hash) = 32),
    CONSTRAINT api_tokens_role_known CHECK (role IN ('owner', 'admin', 'operator', 'viewer')),
    CONSTRAINT api_tokens_name_length CHECK (length(btrim(name)) BETWEEN 1 AND 100),
    CONSTRAINT api_tokens_expiry_after_creation CHECK (expires_at IS NULL OR expires_at > created_at)
);
-- A live token's name is unique for its creator in its workspace, so it can be named to revoke.
CREATE UNIQUE INDEX api_tokens_live_name_uq ON api_tokens (workspace_id, user_id, name)
    WHERE revoked_at IS NULL;
CREATE INDEX api_tokens_workspace_idx ON api_tokens (workspace_id, created_at DESC);
