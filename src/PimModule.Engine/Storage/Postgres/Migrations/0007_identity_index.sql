-- Schema version 7: as SQLite migration 0007 (whether the store was protected from Lab, by a partial index).
CREATE INDEX ix_audit_protect ON audit_log (sequence) WHERE action = 'ProtectStore';
