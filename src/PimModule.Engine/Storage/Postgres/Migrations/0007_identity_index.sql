-- Schema version 7: as SQLite migration 0007 (whether the store was protected from Lab, by a partial index).
CREATE INDEX ix_audit_protect ON audit_log (sequence) WHERE action = 'ProtectStore';
-- Root-level keys: the store's root of trust, a rotated root, and a break-glass second root (Register-PimCredential -Root).
ALTER TABLE credentials ADD COLUMN is_root BIGINT NOT NULL DEFAULT 0;
