-- Schema version 4: the durable outbox of notification e-mails (as SQLite migration 0004).
CREATE TABLE notifications (
    notification_id    TEXT COLLATE "C" PRIMARY KEY,
    created_utc        BIGINT NOT NULL,
    event              TEXT COLLATE "C" NOT NULL,
    recipient_type     TEXT COLLATE "C" NOT NULL,
    recipient          TEXT COLLATE "C" NOT NULL,
    recipient_key      TEXT COLLATE "C" NOT NULL,
    subject            TEXT COLLATE "C" NOT NULL,
    body               TEXT COLLATE "C" NOT NULL,
    role_id            TEXT COLLATE "C",
    principal          TEXT COLLATE "C",
    request_id         TEXT COLLATE "C",
    assignment_id      TEXT COLLATE "C",
    critical           BIGINT NOT NULL DEFAULT 0,
    status             TEXT COLLATE "C" NOT NULL,
    attempts           BIGINT NOT NULL DEFAULT 0,
    next_attempt_utc   BIGINT NOT NULL,
    claim_token        TEXT COLLATE "C",
    claimed_until_utc  BIGINT,
    sent_utc           BIGINT,
    last_error         TEXT COLLATE "C",
    dedupe_key         TEXT COLLATE "C"
);
CREATE INDEX ix_notifications_status ON notifications (status, next_attempt_utc);
-- Only scheduled notices carry a dedupe key: a partial unique index keeps the bulk path's inserts cheap.
CREATE UNIQUE INDEX ux_notifications_dedupe ON notifications (dedupe_key) WHERE dedupe_key IS NOT NULL;
