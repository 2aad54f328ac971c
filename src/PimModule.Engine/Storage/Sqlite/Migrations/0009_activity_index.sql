-- Schema version 9: who last acted, and when (the StaleSignIn alert): each principal's newest record as actor is one
-- index seek, not a scan of the log.
CREATE INDEX ix_audit_actor ON audit_log (actor_key, at_utc);
