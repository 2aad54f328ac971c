-- Schema version 15: groups (issue 31, PIM for Groups). A group is a directory object by its Entra object id; inside the
-- store it is always its key, group:<object id>, never its display name (two groups may share one). is_assignable_to_role
-- is set when the group is made and never changes. group_members holds the direct members: a user by principal key, a
-- group by its key. In a Verified store what counts is the log's sealed CreateGroup, RemoveGroup, AddGroupMember and
-- RemoveGroupMember records (replayed into the verified state); these tables are what a Lab store reads.
CREATE TABLE groups (
    id                    TEXT PRIMARY KEY,
    display_name          TEXT NOT NULL,
    name_key              TEXT NOT NULL,
    description           TEXT,
    is_assignable_to_role INTEGER NOT NULL,
    created_by            TEXT NOT NULL,
    created_utc           INTEGER NOT NULL
);
CREATE INDEX ix_groups_name ON groups (name_key);
CREATE TABLE group_members (
    group_id              TEXT NOT NULL,
    member_key            TEXT NOT NULL,
    member                TEXT NOT NULL,
    added_by              TEXT NOT NULL,
    added_utc             INTEGER NOT NULL,
    PRIMARY KEY (group_id, member_key)
);
CREATE INDEX ix_group_members_member ON group_members (member_key);
