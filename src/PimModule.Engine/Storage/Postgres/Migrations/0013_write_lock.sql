-- Schema version 13: the write lock is a table (issue 28). Every write transaction, migrations included, first takes
-- LOCK TABLE pim_write_lock IN EXCLUSIVE MODE. PostgreSQL lets only a login with UPDATE, DELETE or TRUNCATE on the table
-- (or its owner) take that mode: the writer login can, a reader login (SELECT) or a login with nothing but CONNECT cannot
-- — where any login could take the advisory lock used before, and hold every writer back. A read's ACCESS SHARE does
-- not conflict with EXCLUSIVE: readers never wait on it. The table has no rows; the module makes it just before the
-- migration that brings a store here (so that migration holds it too), as the login that owns the store's tables.
CREATE TABLE IF NOT EXISTS pim_write_lock ();

-- Whoever owns the lock table could hold every change back, or drop it: it must be the tables' owner (a role nobody logs
-- in as). One made ahead of the store by another login (where PUBLIC may CREATE in the schema, before PostgreSQL 15) is refused.
DO $check$
BEGIN
    IF NOT pg_catalog.pg_has_role(current_user,
        (SELECT c.relowner FROM pg_catalog.pg_class c WHERE c.oid = pg_catalog.to_regclass(pg_catalog.quote_ident(current_schema()) || '.pim_write_lock')),
        'MEMBER') THEN
        RAISE EXCEPTION 'the table pim_write_lock belongs to another role than the one migrating the store; drop it, or give it to the store''s owner (ALTER TABLE pim_write_lock OWNER TO ...), and migrate again';
    END IF;
END
$check$;

COMMENT ON TABLE pim_write_lock IS 'PimModule: every change holds LOCK TABLE pim_write_lock IN EXCLUSIVE MODE (one writer at a time); no rows.';
