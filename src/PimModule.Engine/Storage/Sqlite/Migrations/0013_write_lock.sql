-- Schema version 13: PostgreSQL's write lock becomes a table only a writer may lock (pim_write_lock). A SQLite store is
-- one file, whose writers already take SQLite's own write lock (BEGIN IMMEDIATE): it has nothing to add here.
SELECT 1;
