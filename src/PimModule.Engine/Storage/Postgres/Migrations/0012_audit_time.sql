-- Schema version 12: on PostgreSQL the server's clock is the time of every audit record (issue 27). A statement that
-- appends records dated later than the server's clock, or earlier than the record before them, is refused (SQLSTATE
-- PT427), whichever client wrote it. The function and the trigger belong to the schema's owner: a login that does not
-- own the store (the writer) cannot drop or disable them, and a Verified store refuses day-to-day changes from a login
-- that does (PimStoreOwnerLogin). One check per statement (a bulk COPY is one), through the rows it appended.
CREATE OR REPLACE FUNCTION pim_audit_time() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    server_ticks bigint := (floor(extract(epoch FROM pg_catalog.clock_timestamp()) * 10000000))::bigint + 621355968000000000;
    bad record;
BEGIN
    EXECUTE format(
        'SELECT x.sequence, x.at_utc, x.prev FROM (SELECT n.sequence, n.at_utc, lag(n.at_utc) OVER (ORDER BY n.sequence) AS prev FROM ('
        || ' SELECT i.sequence, i.at_utc FROM appended i'
        || ' UNION ALL (SELECT a.sequence, a.at_utc FROM %I.audit_log a WHERE a.sequence < (SELECT min(sequence) FROM appended) ORDER BY a.sequence DESC LIMIT 1)'
        || ') n) x WHERE x.at_utc > $1 OR x.at_utc < x.prev ORDER BY x.sequence LIMIT 1', TG_TABLE_SCHEMA)
        INTO bad USING server_ticks;
    IF bad.sequence IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'PT427',
            MESSAGE = format('audit record %s is dated %s ticks: %s', bad.sequence, bad.at_utc,
                CASE WHEN bad.at_utc > server_ticks THEN 'later than the server''s clock (' || server_ticks || ')'
                     ELSE 'earlier than the record before it (' || bad.prev || ')' END);
    END IF;
    RETURN NULL;
END
$fn$;

DROP TRIGGER IF EXISTS audit_time ON audit_log;
CREATE TRIGGER audit_time AFTER INSERT ON audit_log REFERENCING NEW TABLE AS appended FOR EACH STATEMENT EXECUTE FUNCTION pim_audit_time();

-- An audit record is appended, never changed: rewriting its time after the check above (a hash computed over another
-- time) is refused too. (Removing records is found by the chain and the head kept beside it; re-inserting goes through
-- the check above.)
CREATE OR REPLACE FUNCTION pim_audit_unchanged() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    RAISE EXCEPTION USING ERRCODE = 'PT427', MESSAGE = format('audit record %s is appended, never changed', OLD.sequence);
END
$fn$;

DROP TRIGGER IF EXISTS audit_unchanged ON audit_log;
CREATE TRIGGER audit_unchanged BEFORE UPDATE ON audit_log FOR EACH ROW EXECUTE FUNCTION pim_audit_unchanged();
