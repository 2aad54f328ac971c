-- Schema version 5: MFA lockout (as SQLite migration 0005).
ALTER TABLE mfa_methods ADD COLUMN failed_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE mfa_methods ADD COLUMN lockouts BIGINT NOT NULL DEFAULT 0;
ALTER TABLE mfa_methods ADD COLUMN locked_until_utc BIGINT;
ALTER TABLE mfa_methods ADD COLUMN last_failure_utc BIGINT;
CREATE INDEX ix_audit_mfa_failed ON audit_log (at_utc) WHERE action = 'MfaFailed';
