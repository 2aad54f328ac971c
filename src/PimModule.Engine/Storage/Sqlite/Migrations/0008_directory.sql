-- Schema version 8: directory objects (Import-PimDirectoryObject): the users of the tenant by their Entra object id, so
-- that an id in Graph JSON (approvers, principals, recipients) maps to the principal's UPN on the way in and back on the
-- way out. Inside the store a principal is always its UPN key; one id maps to one UPN and one UPN to one id.
CREATE TABLE directory_objects (
    id                  TEXT PRIMARY KEY,
    user_principal_name TEXT NOT NULL,
    principal_key       TEXT NOT NULL UNIQUE,
    display_name        TEXT,
    imported_by         TEXT NOT NULL,
    imported_utc        INTEGER NOT NULL
);
