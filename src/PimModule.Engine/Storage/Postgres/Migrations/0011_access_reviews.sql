-- Schema version 11: access reviews (as SQLite migration 0011). (Version 10 is the approval stages' migration.)
CREATE TABLE access_reviews (
    review_id          TEXT COLLATE "C" PRIMARY KEY,
    role_id            TEXT COLLATE "C" NOT NULL,
    assignment_type    TEXT COLLATE "C" NOT NULL,
    reviewers          TEXT COLLATE "C" NOT NULL,
    self_review        BIGINT NOT NULL DEFAULT 0,
    status             TEXT COLLATE "C" NOT NULL,
    start_utc          BIGINT NOT NULL,
    end_utc            BIGINT NOT NULL,
    duration_ticks     BIGINT NOT NULL,
    recurrence         TEXT COLLATE "C" NOT NULL,
    default_decision   TEXT COLLATE "C" NOT NULL,
    auto_apply         BIGINT NOT NULL DEFAULT 0,
    series_id          TEXT COLLATE "C" NOT NULL,
    occurrence         BIGINT NOT NULL,
    created_by         TEXT COLLATE "C" NOT NULL,
    created_utc        BIGINT NOT NULL,
    completed_by       TEXT COLLATE "C",
    completed_utc      BIGINT,
    UNIQUE (series_id, occurrence)
);
CREATE INDEX ix_access_reviews_status ON access_reviews (status, end_utc);
CREATE TABLE access_review_items (
    item_id            TEXT COLLATE "C" PRIMARY KEY,
    review_id          TEXT COLLATE "C" NOT NULL REFERENCES access_reviews (review_id),
    assignment_id      TEXT COLLATE "C" NOT NULL,
    principal          TEXT COLLATE "C" NOT NULL,
    principal_key      TEXT COLLATE "C" NOT NULL,
    role_id            TEXT COLLATE "C" NOT NULL,
    assignment_type    TEXT COLLATE "C" NOT NULL,
    recommendation     TEXT COLLATE "C" NOT NULL,
    decision           TEXT COLLATE "C" NOT NULL,
    justification      TEXT COLLATE "C",
    reviewed_by        TEXT COLLATE "C",
    reviewed_utc       BIGINT,
    outcome            TEXT COLLATE "C",
    UNIQUE (review_id, assignment_id)
);
CREATE INDEX ix_access_review_items_principal ON access_review_items (principal_key, review_id);
