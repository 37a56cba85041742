-- Refresh tokens and their families (OAuth 2.0 refresh token rotation). A family is
-- what one grant (`statusboard-server token issue`) started; each refresh replaces the
-- family's current refresh token with a new one. A refresh token works once: presenting a
-- used one again revokes its whole family, whoever holds the newer tokens.
CREATE TABLE token_families (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subject    TEXT NOT NULL,
    scope      TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    revoked_at TIMESTAMPTZ
);

CREATE TABLE refresh_tokens (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    family_id  BIGINT NOT NULL REFERENCES token_families (id) ON DELETE CASCADE,
    issued_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at TIMESTAMPTZ NOT NULL,
    used_at    TIMESTAMPTZ
);

CREATE INDEX refresh_tokens_family_id ON refresh_tokens (family_id);
