-- Remote MCP servers as agent tools (issue 15, docs/mcp.md): the servers a workspace registered
-- and the tools of them each agent may call. The wake worker lists a granted server's tools at
-- each wake start (tools/list) and offers them namespaced, <server name>__<tool name>.

-- ---------------------------------------------------------------------------
-- A workspace's MCP servers. The name is the tool-name prefix; unique among the live rows of the
-- workspace (a deleted server's row is kept, with its name free again, so history stays
-- readable). The credential is a workspace credential's name (the vault holds its value, which
-- is sent as <auth_header>: <auth_scheme> <value>, or the raw value when the scheme is empty);
-- the model never sees it. tools is the last tools/list answer, as
-- [{name, description, input_schema, annotations}]; last_error the last listing's failure.
-- ---------------------------------------------------------------------------

CREATE TABLE mcp_servers (
    id               uuid        NOT NULL DEFAULT gen_random_uuid(),
    workspace_id     uuid        NOT NULL,
    name             text        NOT NULL,
    url              text        NOT NULL,
    transport        text        NOT NULL DEFAULT 'streamable_http',
    credential_name  text,
    auth_header      text        NOT NULL DEFAULT 'Authorization',
    auth_scheme      text        NOT NULL DEFAULT 'Bearer',
    enabled          boolean     NOT NULL DEFAULT true,
    description      text,
    tools            jsonb,
    tools_listed_at  timestamptz,
    last_error       text,
    created_by       uuid,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    deleted_at       timestamptz,
    CONSTRAINT mcp_servers_pk PRIMARY KEY (id),
    CONSTRAINT mcp_servers_workspace_fk FOREIGN KEY (workspace_id) REFERENCES workspaces (id),
    CONSTRAINT mcp_servers_created_by_fk FOREIGN KEY (created_by) REFERENCES users (id),
    CONSTRAINT mcp_servers_name_format CHECK (name ~ '^[a-z][a-z0-9_]{0,31}$'),
    -- The scheme only: whether http is allowed (loopback, MCP_ALLOW_HTTP) is the application's.
    CONSTRAINT mcp_servers_url_scheme CHECK (url ~ '^https?://[^\s]+$' AND length(url) <= 2048),
    CONSTRAINT mcp_servers_transport_known CHECK (transport IN ('streamable_http')),
    CONSTRAINT mcp_servers_auth_header_format CHECK (
        auth_header ~ '^[A-Za-z0-9!#$%&''*+.^_`|~-]{1,128}$'),
    CONSTRAINT mcp_servers_auth_scheme_format CHECK (auth_scheme ~ '^[A-Za-z0-9._~+/-]{0,64}$'),
    CONSTRAINT mcp_servers_tools_array CHECK (tools IS NULL OR jsonb_typeof(tools) = 'array'),
    CONSTRAINT mcp_servers_description_length CHECK (
        description IS NULL OR length(description) <= 2000)
);

CREATE UNIQUE INDEX mcp_servers_live_name_uq ON mcp_servers (workspace_id, name)
    WHERE deleted_at IS NULL;

-- ---------------------------------------------------------------------------
-- Which tools of which server an agent may call: tool '*' is every tool of the server;
-- capability, when set, overrides the class the tool's annotations give (docs/supervision.md).
-- ---------------------------------------------------------------------------

CREATE TABLE mcp_grants (
    agent_id    uuid        NOT NULL,
    server_id   uuid        NOT NULL,
    tool        text        NOT NULL,
    capability  text,
    created_by  uuid,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT mcp_grants_pk PRIMARY KEY (agent_id, server_id, tool),
    CONSTRAINT mcp_grants_agent_fk FOREIGN KEY (agent_id) REFERENCES agents (id),
    CONSTRAINT mcp_grants_server_fk FOREIGN KEY (server_id) REFERENCES mcp_servers (id),
    CONSTRAINT mcp_grants_created_by_fk FOREIGN KEY (created_by) REFERENCES users (id),
    CONSTRAINT mcp_grants_tool_format CHECK (length(tool) BETWEEN 1 AND 128),
    CONSTRAINT mcp_grants_capability_known CHECK (
        capability IS NULL OR capability IN ('read_local', 'write_local', 'external', 'destructive'))
);

-- The grants naming a server (a server's delete, the operator's view of who may use it).
CREATE INDEX mcp_grants_server_idx ON mcp_grants (server_id);

-- Row-level security as V17: servers by their workspace, grants through their agent.
ALTER TABLE mcp_servers ENABLE ROW LEVEL SECURITY;
CREATE POLICY workspace_scope ON mcp_servers
    USING (workspace_id = ANY (pincery_scope()))
    WITH CHECK (workspace_id = ANY (pincery_scope()));

ALTER TABLE mcp_grants ENABLE ROW LEVEL SECURITY;
CREATE POLICY workspace_scope ON mcp_grants
    USING (EXISTS (SELECT 1 FROM agents a WHERE a.id = agent_id))
    WITH CHECK (EXISTS (SELECT 1 FROM agents a WHERE a.id = agent_id));
