-- Single sign-on (issue 14): an OpenID Connect login between the redirect to the identity
-- provider and the provider's callback. Kept in PostgreSQL, not in one process's memory, so any
-- gateway replica can complete a login another one started. Single-use: the callback deletes the
-- row it completes, so a replayed callback finds nothing.
CREATE TABLE oidc_logins (
    -- SHA-256 of the state parameter; the state itself travels only in the browser.
    state_hash    bytea       NOT NULL,
    nonce         text        NOT NULL,
    -- The PKCE code verifier (RFC 7636), sent to the provider's token endpoint with the code.
    code_verifier text        NOT NULL,
    -- Where the control plane lands after the login: a path on this server.
    redirect_to   text        NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL,
    CONSTRAINT oidc_logins_pk PRIMARY KEY (state_hash),
    CONSTRAINT oidc_logins_state_hash_is_sha256 CHECK (length(state_hash) = 32),
    CONSTRAINT oidc_logins_redirect_is_local CHECK (left(redirect_to, 1) = '/'
                                                   AND left(redirect_to, 2) <> '//'),
    CONSTRAINT oidc_logins_expiry_after_creation CHECK (expires_at > created_at)
);
-- For the removal of abandoned logins (each new login deletes the expired ones).
CREATE INDEX oidc_logins_expires_at_idx ON oidc_logins (expires_at);
