-- Schema version 2: role settings, stored as Entra policy rules. One row per rule that differs from
-- Entra's default (a role with no rows has the default policy); value_json holds the rule in Graph's shape.
CREATE TABLE policy_rules (
    role_id       TEXT    NOT NULL,
    rule_id       TEXT    NOT NULL,
    value_json    TEXT    NOT NULL,
    modified_utc  INTEGER NOT NULL,
    modified_by   TEXT    NOT NULL,
    PRIMARY KEY (role_id, rule_id)
);
