-- Schema version 15: groups (as SQLite migration 0015).
CREATE TABLE groups (
    id                    TEXT COLLATE "C" PRIMARY KEY,
    display_name          TEXT COLLATE "C" NOT NULL,
    name_key              TEXT COLLATE "C" NOT NULL,
    description           TEXT COLLATE "C",
    is_assignable_to_role BIGINT NOT NULL,
    created_by            TEXT COLLATE "C" NOT NULL,
    created_utc           BIGINT NOT NULL
);
CREATE INDEX ix_groups_name ON groups (name_key);
CREATE TABLE group_members (
    group_id              TEXT COLLATE "C" NOT NULL,
    member_key            TEXT COLLATE "C" NOT NULL,
    member                TEXT COLLATE "C" NOT NULL,
    added_by              TEXT COLLATE "C" NOT NULL,
    added_utc             BIGINT NOT NULL,
    PRIMARY KEY (group_id, member_key)
);
CREATE INDEX ix_group_members_member ON group_members (member_key);
