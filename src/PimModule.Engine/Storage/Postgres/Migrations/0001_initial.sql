-- PimModule store on PostgreSQL, schema version 1: the same tables, columns and indexes as the SQLite
-- migration 0001 (every INTEGER is BIGINT, text is TEXT). Times are UTC ticks; ids are GUID text.
-- Every text column uses the "C" collation, so that comparison and ordering are byte-wise as on SQLite (BINARY),
-- whatever the database's default collation is.
CREATE TABLE schema_version (
    version      BIGINT PRIMARY KEY,
    description  TEXT COLLATE "C" NOT NULL,
    applied_utc  BIGINT NOT NULL
);

CREATE TABLE store_info (
    key   TEXT COLLATE "C" PRIMARY KEY,
    value TEXT COLLATE "C" NOT NULL
);

CREATE TABLE roles (
    role_id        TEXT COLLATE "C" PRIMARY KEY,
    name           TEXT COLLATE "C" NOT NULL,
    name_key       TEXT COLLATE "C" NOT NULL UNIQUE,
    description    TEXT COLLATE "C" NOT NULL DEFAULT '',
    is_built_in    BIGINT NOT NULL,
    is_privileged  BIGINT NOT NULL,
    created_utc    BIGINT NOT NULL,
    created_by     TEXT COLLATE "C" NOT NULL
);

CREATE TABLE assignments (
    assignment_id   TEXT COLLATE "C" PRIMARY KEY,
    principal       TEXT COLLATE "C" NOT NULL,
    principal_key   TEXT COLLATE "C" NOT NULL,
    role_id         TEXT COLLATE "C" NOT NULL,
    scope           TEXT COLLATE "C" NOT NULL,
    type            TEXT COLLATE "C" NOT NULL,     -- Eligible | Active
    member_type     TEXT COLLATE "C" NOT NULL,                 -- Direct | Activated
    start_utc       BIGINT NOT NULL,
    end_utc         BIGINT,                          -- NULL = permanent
    justification   TEXT COLLATE "C",
    ticket_number   TEXT COLLATE "C",
    ticket_system   TEXT COLLATE "C",
    created_by      TEXT COLLATE "C" NOT NULL,
    created_utc     BIGINT NOT NULL,
    request_id      TEXT COLLATE "C",
    eligible_id     TEXT COLLATE "C"                           -- for an activation: the eligible assignment it came from
);
CREATE INDEX ix_assignments_principal ON assignments (principal_key, role_id, type);
CREATE INDEX ix_assignments_role ON assignments (role_id, type);
CREATE INDEX ix_assignments_end ON assignments (end_utc);

CREATE TABLE requests (
    request_id              TEXT COLLATE "C" PRIMARY KEY,
    action                  TEXT COLLATE "C" NOT NULL,
    status                  TEXT COLLATE "C" NOT NULL,
    principal               TEXT COLLATE "C" NOT NULL,
    principal_key           TEXT COLLATE "C" NOT NULL,
    role_id                 TEXT COLLATE "C" NOT NULL,
    scope                   TEXT COLLATE "C" NOT NULL,
    assignment_type         TEXT COLLATE "C" NOT NULL,
    duration_ticks          BIGINT,
    start_utc               BIGINT,
    end_utc                 BIGINT,
    justification           TEXT COLLATE "C",
    ticket_number           TEXT COLLATE "C",
    ticket_system           TEXT COLLATE "C",
    created_by              TEXT COLLATE "C" NOT NULL,
    created_utc             BIGINT NOT NULL,
    approved_by             TEXT COLLATE "C",
    decision_justification  TEXT COLLATE "C",
    decided_utc             BIGINT,
    assignment_id           TEXT COLLATE "C",
    target_assignment_id    TEXT COLLATE "C",
    authentication_context  TEXT COLLATE "C",
    mfa_verified            BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX ix_requests_status ON requests (status, created_utc);
CREATE INDEX ix_requests_principal ON requests (principal_key, role_id);

CREATE TABLE audit_log (
    sequence       BIGINT PRIMARY KEY,
    audit_id       TEXT COLLATE "C" NOT NULL,
    at_utc         BIGINT NOT NULL,
    actor          TEXT COLLATE "C" NOT NULL,
    actor_key      TEXT COLLATE "C" NOT NULL,
    action         TEXT COLLATE "C" NOT NULL,
    target_type    TEXT COLLATE "C" NOT NULL,
    target_id      TEXT COLLATE "C",
    role_id        TEXT COLLATE "C",
    principal      TEXT COLLATE "C",
    principal_key  TEXT COLLATE "C",
    before_json    TEXT COLLATE "C",
    after_json     TEXT COLLATE "C",
    prev_hash      TEXT COLLATE "C" NOT NULL,
    hash           TEXT COLLATE "C" NOT NULL
);
CREATE INDEX ix_audit_principal ON audit_log (principal_key);
CREATE INDEX ix_audit_role ON audit_log (role_id);
