-- Schema version 4: the durable outbox of notification e-mails. A message is queued in the transaction of
-- the event that causes it; Send-PimNotification claims messages (claim_token, claimed_until_utc) so two
-- senders never send one twice; dedupe_key makes scheduled notices (expiring soon) queue once.
CREATE TABLE notifications (
    notification_id    TEXT    PRIMARY KEY,
    created_utc        INTEGER NOT NULL,
    event              TEXT    NOT NULL,
    recipient_type     TEXT    NOT NULL,
    recipient          TEXT    NOT NULL,
    recipient_key      TEXT    NOT NULL,
    subject            TEXT    NOT NULL,
    body               TEXT    NOT NULL,
    role_id            TEXT,
    principal          TEXT,
    request_id         TEXT,
    assignment_id      TEXT,
    critical           INTEGER NOT NULL DEFAULT 0,
    status             TEXT    NOT NULL,
    attempts           INTEGER NOT NULL DEFAULT 0,
    next_attempt_utc   INTEGER NOT NULL,
    claim_token        TEXT,
    claimed_until_utc  INTEGER,
    sent_utc           INTEGER,
    last_error         TEXT,
    dedupe_key         TEXT
);
CREATE INDEX ix_notifications_status ON notifications (status, next_attempt_utc);
-- Only scheduled notices carry a dedupe key: a partial unique index keeps the bulk path's inserts cheap.
CREATE UNIQUE INDEX ux_notifications_dedupe ON notifications (dedupe_key) WHERE dedupe_key IS NOT NULL;
