-- Schema version 6: identity. credentials binds public keys to principals (one key, one principal; a binding and a
-- revocation are also audit records, RegisterCredential / RevokeCredential, which is what verification trusts: this
-- table is the index the engine reads inside each write). seals holds each sealed transaction of a Verified store: a
-- JWS by its actor's key over the chain's head before (from_sequence) and after (to_sequence) the transaction.
CREATE TABLE credentials (
    thumbprint          TEXT PRIMARY KEY,
    principal           TEXT NOT NULL,
    principal_key       TEXT NOT NULL,
    algorithm           TEXT NOT NULL,
    public_key          TEXT NOT NULL,
    state               TEXT NOT NULL,
    registered_by       TEXT NOT NULL,
    registered_utc      INTEGER NOT NULL,
    confirmed_by        TEXT,
    revoked_by          TEXT,
    revoked_utc         INTEGER
);
CREATE INDEX ix_credentials_principal ON credentials (principal_key);
CREATE TABLE seals (
    to_sequence         INTEGER PRIMARY KEY,
    from_sequence       INTEGER NOT NULL,
    actor               TEXT NOT NULL,
    key_id              TEXT NOT NULL,
    envelope            TEXT NOT NULL
);
