using Dapper;
using Microsoft.Data.Sqlite;

namespace PimModule.Checkpoint;

/// <summary>The checkpoint's tables (a user's SQLite file of what they verified): made, or brought to this format, in the caller's transaction.</summary>
internal static class CheckpointSchema
{
    public static void Create(SqliteConnection db, SqliteTransaction tx)
    {
        db.Execute(Schema, transaction: tx);
        // A checkpoint of format 5 lacks the decision's time (the report's time to approval): added, and the format
        // change rebuilds it from the genesis.
        var requestColumns = db.Query<string>("SELECT name FROM pragma_table_info('verified_requests')", transaction: tx).ToHashSet(StringComparer.Ordinal);
        if (!requestColumns.Contains("decided_ticks"))
            db.Execute("ALTER TABLE verified_requests ADD COLUMN decided_ticks INTEGER", transaction: tx);
        // A checkpoint of format 7 lacks what the requester wrote (justification, ticket): added, and the format change
        // rebuilds it from the genesis.
        if (!requestColumns.Contains("texts_sealed"))
            db.Execute("ALTER TABLE verified_requests ADD COLUMN justification TEXT; ALTER TABLE verified_requests ADD COLUMN ticket_number TEXT; " +
                        "ALTER TABLE verified_requests ADD COLUMN texts_sealed INTEGER NOT NULL DEFAULT 0", transaction: tx);
        db.Execute("CREATE INDEX IF NOT EXISTS ix_requests_created ON verified_requests (action, created_ticks)", transaction: tx);
        // The replay asks, for each activation request, which of the principal's requests of the role were pending (the
        // kernel's RequestLimits): one index lookup, whatever the log's length.
        db.Execute("CREATE INDEX IF NOT EXISTS ix_requests_pending ON verified_requests (principal_key, role_id, status)", transaction: tx);
        // A checkpoint of format 8 lacks why a record does not count (its time, or its actor's entitlement): added, and the
        // format change rebuilds it from the genesis.
        if (!db.Query<string>("SELECT name FROM pragma_table_info('verified_refused')", transaction: tx).Contains("problem"))
            db.Execute("ALTER TABLE verified_refused ADD COLUMN problem TEXT NOT NULL DEFAULT 'NotEntitled'", transaction: tx);
    }

    private const string Schema = """
        CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS verified_assignments (id TEXT PRIMARY KEY, principal_key TEXT NOT NULL, role_id TEXT NOT NULL, type TEXT NOT NULL,
            scope TEXT NOT NULL, member_type TEXT NOT NULL, start_ticks INTEGER NOT NULL, end_ticks INTEGER, digest BLOB NOT NULL);
        CREATE INDEX IF NOT EXISTS ix_assignments_principal ON verified_assignments (principal_key, role_id);
        CREATE INDEX IF NOT EXISTS ix_assignments_role ON verified_assignments (role_id);
        CREATE TABLE IF NOT EXISTS verified_requests (id TEXT PRIMARY KEY, action TEXT NOT NULL, status TEXT NOT NULL, principal_key TEXT NOT NULL,
            role_id TEXT NOT NULL, scope TEXT, target_id TEXT, assignment_id TEXT, created_ticks INTEGER NOT NULL, duration_ticks INTEGER,
            stage INTEGER NOT NULL DEFAULT 1, stage_started_ticks INTEGER NOT NULL, decided_ticks INTEGER, justification TEXT, ticket_number TEXT,
            texts_sealed INTEGER NOT NULL DEFAULT 0);
        CREATE TABLE IF NOT EXISTS verified_decisions (request_id TEXT NOT NULL, approver_key TEXT NOT NULL, stage INTEGER NOT NULL, decision TEXT NOT NULL,
            decided_ticks INTEGER NOT NULL, PRIMARY KEY (request_id, approver_key));
        CREATE TABLE IF NOT EXISTS verified_policies (role_id TEXT PRIMARY KEY, describe TEXT NOT NULL, rules TEXT);
        CREATE TABLE IF NOT EXISTS verified_mail (id INTEGER PRIMARY KEY CHECK (id = 1), view TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS verified_notifications (id TEXT PRIMARY KEY, digest TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS verified_directory (id TEXT PRIMARY KEY, user_principal_name TEXT NOT NULL, principal_key TEXT NOT NULL UNIQUE,
            display_name TEXT);
        CREATE TABLE IF NOT EXISTS verified_groups (id TEXT PRIMARY KEY, display_name TEXT NOT NULL, description TEXT,
            is_assignable_to_role INTEGER NOT NULL, created_by TEXT NOT NULL, created_ticks INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS verified_group_members (group_id TEXT NOT NULL, member_key TEXT NOT NULL, member TEXT NOT NULL,
            added_by TEXT NOT NULL, added_ticks INTEGER NOT NULL, PRIMARY KEY (group_id, member_key));
        CREATE INDEX IF NOT EXISTS ix_group_members_member ON verified_group_members (member_key);
        CREATE TABLE IF NOT EXISTS verified_reviews (id TEXT PRIMARY KEY, role_id TEXT NOT NULL, assignment_type TEXT NOT NULL, reviewers TEXT NOT NULL,
            self_review INTEGER NOT NULL, status TEXT NOT NULL, start_ticks INTEGER NOT NULL, end_ticks INTEGER NOT NULL, default_decision TEXT NOT NULL,
            auto_apply INTEGER NOT NULL, recurrence TEXT NOT NULL, duration_ticks INTEGER NOT NULL, series_id TEXT NOT NULL, occurrence INTEGER NOT NULL);
        CREATE UNIQUE INDEX IF NOT EXISTS ix_reviews_series ON verified_reviews (series_id, occurrence);
        CREATE TABLE IF NOT EXISTS verified_activity (actor_key TEXT PRIMARY KEY, last_ticks INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS verified_review_items (id TEXT PRIMARY KEY, review_id TEXT NOT NULL, assignment_id TEXT NOT NULL,
            principal_key TEXT NOT NULL, recommendation TEXT NOT NULL, decision TEXT NOT NULL, reviewed_by TEXT);
        CREATE INDEX IF NOT EXISTS ix_review_items_review ON verified_review_items (review_id);
        CREATE TABLE IF NOT EXISTS verified_refused (sequence INTEGER PRIMARY KEY, kind TEXT NOT NULL, id TEXT, reason TEXT NOT NULL,
            problem TEXT NOT NULL DEFAULT 'NotEntitled');
        """;
}
