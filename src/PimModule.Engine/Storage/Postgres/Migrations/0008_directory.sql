-- Schema version 8: directory objects (as SQLite migration 0008).
CREATE TABLE directory_objects (
    id                  TEXT COLLATE "C" PRIMARY KEY,
    user_principal_name TEXT COLLATE "C" NOT NULL,
    principal_key       TEXT COLLATE "C" NOT NULL UNIQUE,
    display_name        TEXT COLLATE "C",
    imported_by         TEXT COLLATE "C" NOT NULL,
    imported_utc        BIGINT NOT NULL
);
