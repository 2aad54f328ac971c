-- Schema version 9: who last acted, and when (as SQLite migration 0009).
CREATE INDEX ix_audit_actor ON audit_log (actor_key, at_utc);
