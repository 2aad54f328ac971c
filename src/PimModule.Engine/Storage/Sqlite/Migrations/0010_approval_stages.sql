-- Schema version 10: approval in stages. A request is decided stage by stage: `stage` is the one it waits in, since
-- `stage_started_utc` (each stage has 24 hours; the request's creation for stage 1). Every decision is a row of
-- request_approvals; its key says no principal decides twice on one request; they go with their request when it is pruned.
ALTER TABLE requests ADD COLUMN stage INTEGER NOT NULL DEFAULT 1;
ALTER TABLE requests ADD COLUMN stage_started_utc INTEGER;
UPDATE requests SET stage_started_utc = created_utc;
CREATE INDEX ix_requests_stage ON requests (status, stage_started_utc);
CREATE TABLE request_approvals (
    request_id    TEXT    NOT NULL REFERENCES requests (request_id) ON DELETE CASCADE,
    approver_key  TEXT    NOT NULL,
    approver      TEXT    NOT NULL,
    stage         INTEGER NOT NULL,
    decision      TEXT    NOT NULL,
    justification TEXT,
    decided_utc   INTEGER NOT NULL,
    PRIMARY KEY (request_id, approver_key)
);
