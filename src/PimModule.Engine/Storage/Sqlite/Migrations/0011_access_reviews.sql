-- Schema version 11: access reviews (issue 16). A review asks its reviewers, once or on a recurrence, whether each
-- holder of a role still needs it: one item per direct assignment of the role at the review's start. Decisions are
-- applied when the review is completed (denied assignments are removed through AdminRemove requests). A recurring
-- review is one series: (series_id, occurrence) is unique, so an occurrence is started once, whoever runs
-- maintenance first. (Version 10 is the approval stages' migration.)
CREATE TABLE access_reviews (
    review_id          TEXT    PRIMARY KEY,
    role_id            TEXT    NOT NULL,
    assignment_type    TEXT    NOT NULL,
    reviewers          TEXT    NOT NULL,
    self_review        INTEGER NOT NULL DEFAULT 0,
    status             TEXT    NOT NULL,
    start_utc          INTEGER NOT NULL,
    end_utc            INTEGER NOT NULL,
    duration_ticks     INTEGER NOT NULL,
    recurrence         TEXT    NOT NULL,
    default_decision   TEXT    NOT NULL,
    auto_apply         INTEGER NOT NULL DEFAULT 0,
    series_id          TEXT    NOT NULL,
    occurrence         INTEGER NOT NULL,
    created_by         TEXT    NOT NULL,
    created_utc        INTEGER NOT NULL,
    completed_by       TEXT,
    completed_utc      INTEGER,
    UNIQUE (series_id, occurrence)
);
CREATE INDEX ix_access_reviews_status ON access_reviews (status, end_utc);
CREATE TABLE access_review_items (
    item_id            TEXT    PRIMARY KEY,
    review_id          TEXT    NOT NULL REFERENCES access_reviews (review_id),
    assignment_id      TEXT    NOT NULL,
    principal          TEXT    NOT NULL,
    principal_key      TEXT    NOT NULL,
    role_id            TEXT    NOT NULL,
    assignment_type    TEXT    NOT NULL,
    recommendation     TEXT    NOT NULL,
    decision           TEXT    NOT NULL,
    justification      TEXT,
    reviewed_by        TEXT,
    reviewed_utc       INTEGER,
    outcome            TEXT,
    UNIQUE (review_id, assignment_id)
);
CREATE INDEX ix_access_review_items_principal ON access_review_items (principal_key, review_id);
