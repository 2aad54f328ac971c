-- PimModule store, schema version 1: catalogue, assignments, requests, audit trail.
-- Times are UTC ticks (100 ns since 0001-01-01) in INTEGER columns; ids are GUID text;
-- *_key columns hold the lower-case form used for case-insensitive lookups.
CREATE TABLE schema_version (
    version      INTEGER PRIMARY KEY,
    description  TEXT    NOT NULL,
    applied_utc  INTEGER NOT NULL
);

CREATE TABLE store_info (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE roles (
    role_id        TEXT    PRIMARY KEY,
    name           TEXT    NOT NULL,
    name_key       TEXT    NOT NULL UNIQUE,
    description    TEXT    NOT NULL DEFAULT '',
    is_built_in    INTEGER NOT NULL,
    is_privileged  INTEGER NOT NULL,
    created_utc    INTEGER NOT NULL,
    created_by     TEXT    NOT NULL
);

CREATE TABLE assignments (
    assignment_id   TEXT    PRIMARY KEY,
    principal       TEXT    NOT NULL,
    principal_key   TEXT    NOT NULL,
    role_id         TEXT    NOT NULL,
    scope           TEXT    NOT NULL,
    type            TEXT    NOT NULL,     -- Eligible | Active
    member_type     TEXT    NOT NULL,     -- Direct | Activated
    start_utc       INTEGER NOT NULL,
    end_utc         INTEGER,              -- NULL = permanent
    justification   TEXT,
    ticket_number   TEXT,
    ticket_system   TEXT,
    created_by      TEXT    NOT NULL,
    created_utc     INTEGER NOT NULL,
    request_id      TEXT,
    eligible_id     TEXT                  -- for an activation: the eligible assignment it came from
);
CREATE INDEX ix_assignments_principal ON assignments (principal_key, role_id, type);
CREATE INDEX ix_assignments_role ON assignments (role_id, type);
CREATE INDEX ix_assignments_end ON assignments (end_utc);

CREATE TABLE requests (
    request_id              TEXT    PRIMARY KEY,
    action                  TEXT    NOT NULL,
    status                  TEXT    NOT NULL,
    principal               TEXT    NOT NULL,
    principal_key           TEXT    NOT NULL,
    role_id                 TEXT    NOT NULL,
    scope                   TEXT    NOT NULL,
    assignment_type         TEXT    NOT NULL,
    duration_ticks          INTEGER,
    start_utc               INTEGER,
    end_utc                 INTEGER,
    justification           TEXT,
    ticket_number           TEXT,
    ticket_system           TEXT,
    created_by              TEXT    NOT NULL,
    created_utc             INTEGER NOT NULL,
    approved_by             TEXT,
    decision_justification  TEXT,
    decided_utc             INTEGER,
    assignment_id           TEXT,
    target_assignment_id    TEXT,
    authentication_context  TEXT,
    mfa_verified            INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX ix_requests_status ON requests (status, created_utc);
CREATE INDEX ix_requests_principal ON requests (principal_key, role_id);

CREATE TABLE audit_log (
    sequence       INTEGER PRIMARY KEY,
    audit_id       TEXT    NOT NULL,
    at_utc         INTEGER NOT NULL,
    actor          TEXT    NOT NULL,
    actor_key      TEXT    NOT NULL,
    action         TEXT    NOT NULL,
    target_type    TEXT    NOT NULL,
    target_id      TEXT,
    role_id        TEXT,
    principal      TEXT,
    principal_key  TEXT,
    before_json    TEXT,
    after_json     TEXT,
    prev_hash      TEXT    NOT NULL,
    hash           TEXT    NOT NULL
);
-- The log is read in sequence order (time follows it); only the "about whom / which role" filters get
-- an index, so that appending stays cheap on the bulk paths.
CREATE INDEX ix_audit_principal ON audit_log (principal_key);
CREATE INDEX ix_audit_role ON audit_log (role_id);
