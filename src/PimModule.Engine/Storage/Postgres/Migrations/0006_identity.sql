-- Schema version 6: identity (as SQLite migration 0006): credentials and seals.
CREATE TABLE credentials (
    thumbprint          TEXT PRIMARY KEY,
    principal           TEXT NOT NULL,
    principal_key       TEXT NOT NULL,
    algorithm           TEXT NOT NULL,
    public_key          TEXT NOT NULL,
    state               TEXT NOT NULL,
    registered_by       TEXT NOT NULL,
    registered_utc      BIGINT NOT NULL,
    confirmed_by        TEXT,
    revoked_by          TEXT,
    revoked_utc         BIGINT
);
CREATE INDEX ix_credentials_principal ON credentials (principal_key);
CREATE TABLE seals (
    to_sequence         BIGINT PRIMARY KEY,
    from_sequence       BIGINT NOT NULL,
    actor               TEXT NOT NULL,
    key_id              TEXT NOT NULL,
    envelope            TEXT NOT NULL
);
