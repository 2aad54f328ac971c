-- Schema version 10: approval in stages (as SQLite migration 0010).
ALTER TABLE requests ADD COLUMN stage BIGINT NOT NULL DEFAULT 1;
ALTER TABLE requests ADD COLUMN stage_started_utc BIGINT;
UPDATE requests SET stage_started_utc = created_utc;
CREATE INDEX ix_requests_stage ON requests (status, stage_started_utc);
CREATE TABLE request_approvals (
    request_id    TEXT COLLATE "C" NOT NULL REFERENCES requests (request_id) ON DELETE CASCADE,
    approver_key  TEXT COLLATE "C" NOT NULL,
    approver      TEXT COLLATE "C" NOT NULL,
    stage         BIGINT NOT NULL,
    decision      TEXT COLLATE "C" NOT NULL,
    justification TEXT COLLATE "C",
    decided_utc   BIGINT NOT NULL,
    PRIMARY KEY (request_id, approver_key)
);
