-- Schema version 5: MFA lockout. failed_count is the run of refused codes since the last accepted one; after 5 in a
-- row the method is locked until locked_until_utc (no code is checked before then), for a time that doubles with each
-- lockout of a series (lockouts). Every refused code is also an audit record (action MfaFailed), which the
-- RepeatedMfaFailures alert reads through the partial index below. From this version secrets are encrypted bound to
-- their store and principal ("v2:"); the migration re-encrypts older ones where the migrating process has the key.
ALTER TABLE mfa_methods ADD COLUMN failed_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE mfa_methods ADD COLUMN lockouts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE mfa_methods ADD COLUMN locked_until_utc INTEGER;
ALTER TABLE mfa_methods ADD COLUMN last_failure_utc INTEGER;
CREATE INDEX ix_audit_mfa_failed ON audit_log (at_utc) WHERE action = 'MfaFailed';
