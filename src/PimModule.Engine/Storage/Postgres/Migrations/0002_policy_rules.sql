-- Schema version 2: role settings, stored as Entra policy rules (as SQLite migration 0002).
CREATE TABLE policy_rules (
    role_id       TEXT COLLATE "C" NOT NULL,
    rule_id       TEXT COLLATE "C" NOT NULL,
    value_json    TEXT COLLATE "C" NOT NULL,
    modified_utc  BIGINT NOT NULL,
    modified_by   TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (role_id, rule_id)
);
