-- Schema version 3: TOTP methods for MFA. The secret is stored encrypted (see SecretProtector);
-- last_step is the last accepted 30-second step, so a code is never accepted twice.
CREATE TABLE mfa_methods (
    principal_key     TEXT    PRIMARY KEY,
    principal         TEXT    NOT NULL,
    secret_protected  TEXT    NOT NULL,
    created_utc       INTEGER NOT NULL,
    last_step         INTEGER NOT NULL DEFAULT 0
);
