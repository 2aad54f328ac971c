-- Schema version 3: TOTP methods for MFA (as SQLite migration 0003). The secret is stored encrypted.
CREATE TABLE mfa_methods (
    principal_key     TEXT COLLATE "C" PRIMARY KEY,
    principal         TEXT COLLATE "C" NOT NULL,
    secret_protected  TEXT COLLATE "C" NOT NULL,
    created_utc       BIGINT NOT NULL,
    last_step         BIGINT NOT NULL DEFAULT 0
);
