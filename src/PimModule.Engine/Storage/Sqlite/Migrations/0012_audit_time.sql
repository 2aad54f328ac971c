-- Schema version 12: PostgreSQL's audit time check (a trigger: the server's clock is the time there). A SQLite store is a
-- local file whose time is its machine's clock; it has nothing to add here (the verified log's time rule holds on both).
SELECT 1;
