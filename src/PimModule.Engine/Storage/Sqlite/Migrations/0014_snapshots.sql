-- Schema version 14: snapshots of the verified state (issue 30). A snapshot is a root key's JWS (envelope) over the store
-- id, the record it stands at (sequence, head hash), a digest of the verified state there, the rules version, the records
-- still pending and the SHA-256 of its content; the content (a checkpoint, compressed) is kept in chunks. A new user
-- with no checkpoint trusts the newest snapshot a root key reached from their trust anchor sealed, and verifies only the
-- records after it. Nothing here is believed until its envelope verifies.
CREATE TABLE snapshots (
    sequence            INTEGER PRIMARY KEY,
    head_hash           TEXT NOT NULL,
    actor               TEXT NOT NULL,
    key_id              TEXT NOT NULL,
    created_utc         INTEGER NOT NULL,
    size                INTEGER NOT NULL,
    envelope            TEXT NOT NULL
);
CREATE TABLE snapshot_chunks (
    sequence            INTEGER NOT NULL,
    chunk               INTEGER NOT NULL,
    data                BLOB NOT NULL,
    PRIMARY KEY (sequence, chunk)
);
-- The records that make and retire root keys (and the genesis that names the first), and the archives of the log: a new
-- user follows the root rotations from their trust anchor to the key that sealed a snapshot without reading the whole log.
CREATE INDEX ix_audit_keys ON audit_log (sequence) WHERE action IN ('CreateStore', 'ProtectStore', 'RegisterCredential', 'RevokeCredential', 'ArchiveLog');
