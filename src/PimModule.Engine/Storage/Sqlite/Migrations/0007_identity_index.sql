-- Schema version 7: opening a store asks whether it was ever protected from Lab (Protect-PimStore) — a question on
-- every connect, answered through this partial index instead of a scan of the log.
CREATE INDEX ix_audit_protect ON audit_log (sequence) WHERE action = 'ProtectStore';
-- Root-level keys: the store's root of trust, a rotated root, and a break-glass second root (Register-PimCredential -Root).
ALTER TABLE credentials ADD COLUMN is_root INTEGER NOT NULL DEFAULT 0;
