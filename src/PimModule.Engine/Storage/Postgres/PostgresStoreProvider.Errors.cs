using System.Data;
using Npgsql;
using PimModule.Errors;

namespace PimModule.Storage.Postgres;

/// <summary>PostgreSQL's errors as PimModule's: which are transient (retried), and what each refusal tells the user to change.</summary>
internal sealed partial class PostgresStoreProvider
{
    public bool IsTransient(Exception exception) => exception switch
    {
        // A lock not granted within the limit (LockNotAvailable) is not retried: it is PimStoreBusy, naming who holds it.
        PostgresException p => p.SqlState is PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected
            or PostgresErrorCodes.CannotConnectNow,
        _ => false, // connection failures get their one retry in OpenConnection
    };

    private static bool IsConnectionFailure(Exception e) => e switch
    {
        PostgresException p => p.SqlState.StartsWith("08", StringComparison.Ordinal) || p.SqlState == PostgresErrorCodes.CannotConnectNow
            || p.SqlState == PostgresErrorCodes.AdminShutdown || p.SqlState == PostgresErrorCodes.TooManyConnections,
        NpgsqlOperationInProgressException => false,
        NpgsqlException n => n.InnerException is System.Net.Sockets.SocketException or IOException or TimeoutException
            or System.Security.Authentication.AuthenticationException || n.IsTransient, // the server was not reached
        _ => false,
    };

    public PimException? Translate(Exception exception)
    {
        if (exception is not NpgsqlException e) return null;
        const string check = "Check the Host and Port of the connection string, that the server is running and accepts " +
                             "TCP connections from this machine, and the Username and Password (or $env:PIM_STORE_CONNECTION).";
        if (e is PostgresException p)
        {
            return p.SqlState switch
            {
                PostgresErrorCodes.InvalidPassword or PostgresErrorCodes.InvalidAuthorizationSpecification =>
                    Unavailable($"The PostgreSQL server {_server} refused the login of '{_user}': {p.MessageText}",
                        "Check the Username and Password of the connection string (or the server's pg_hba.conf).", p),
                PostgresErrorCodes.InvalidCatalogName =>
                    Unavailable($"The PostgreSQL server {_server} has no database '{_database}': {p.MessageText}",
                        "Create the database first (CREATE DATABASE), or give the Database of an existing one.", p),
                PostgresErrorCodes.InsufficientPrivilege or PostgresErrorCodes.ReadOnlySqlTransaction =>
                    PimErrors.StoreNotWritable($"The PostgreSQL store '{Location}' refused '{_user}': {p.MessageText}", Location,
                        "Grant the account CREATE on the database (for the first migration) and SELECT, INSERT, UPDATE, DELETE on the store's tables.", p),
                PostgresErrorCodes.DiskFull =>
                    PimErrors.StoreFull($"The PostgreSQL store '{Location}' is full: the server {_server} has no disk space left ({p.MessageText}). " +
                        "Nothing of this command was written.", Location,
                        "Free disk space on the database server (its data directory or the store's tablespace), then run the command again.", p),
                PostgresErrorCodes.LockNotAvailable => Busy(p),
                PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected =>
                    PimErrors.StoreBusy($"The store '{Location}' stayed locked by another session: {p.MessageText}", Location,
                        "Try again; if it persists, look for a session holding a long transaction on the store.", p),
                AuditTimeRefused =>
                    PimErrors.ClockSkew($"The PostgreSQL store '{Location}' refused the time of this change's audit records ({p.MessageText}): on PostgreSQL the " +
                        "server's clock is the time of every record, and a record is never dated before the one it follows. Nothing was changed.", Location,
                        "Use PimModule as shipped (it stamps every record with the server's clock), and synchronise this computer's clock (NTP).", p),
                _ when IsConnectionFailure(p) =>
                    Unavailable($"The PostgreSQL server {_server} is not available: {p.MessageText}", check, p),
                _ => PimErrors.StoreError($"The store '{Location}' failed: {p.MessageText} ({p.SqlState})", Location, "Try again; if it fails again, look for this error in the PostgreSQL server log.", p),
            };
        }
        if (IsConnectionFailure(e))
            return Unavailable($"Cannot reach the PostgreSQL server {_server} (database '{_database}'): {e.Message}", check, e);
        return PimErrors.StoreError($"The store '{Location}' failed: {e.Message}", Location, "Try again; if it fails again, check the connection to the PostgreSQL server and its log.", e);
    }

    /// <summary>
    /// A lock not granted within <see cref="Policy.Limits.StoreWriteLockWait"/>: PimStoreBusy, naming the sessions that hold the
    /// write lock (or, failing that, another lock on the store's tables) from pg_locks and pg_stat_activity, asked on a
    /// connection of its own (the refused transaction is aborted). What this login may not see of another login's session
    /// (its transaction's start) is said to be hidden.
    /// </summary>
    private PimStoreException Busy(PostgresException p)
    {
        var wait = Policy.Limits.StoreWriteLockWait.TotalSeconds;
        var holders = LockHolders();
        var who = holders switch
        {
            null => "PimModule could not ask the server who holds it",
            [] => "no session holds it any more",
            _ => "held by " + string.Join("; ", holders.Select(h => h.Text)),
        };
        return PimErrors.StoreBusy(
            $"The store '{Location}' is busy: its write lock was not granted within {wait:0} seconds ({who}). Nothing of this command was written.",
            Location,
            holders is [var first, ..]
                ? "Wait for that session to end its transaction, then run the command again. If it does not (a session left open in a transaction, or one " +
                  $"holding the lock on purpose), ask its user, or have the database's administrator end it: SELECT pg_terminate_backend({first.Pid})."
                : "Run the command again; if it is refused again, look in pg_stat_activity for a session in a long transaction on the store's database.",
            p);
    }

    /// <summary>
    /// Who holds a lock on the store's tables (at most 3 sessions): the write lock's holders and other locks that keep a
    /// change waiting first; a read's ACCESS SHARE (which keeps only a migration's ALTER waiting) only when there is no
    /// other. Null when the server could not be asked.
    /// </summary>
    private List<(int Pid, string Text)>? LockHolders()
    {
        try
        {
            using var connection = _dataSource.OpenConnection();
            using var cmd = connection.CreateCommand();
            cmd.CommandTimeout = 5;
            cmd.CommandText =
                "SELECT l.pid, a.usename, a.application_name, a.xact_start, a.state, c.relname, l.mode FROM pg_catalog.pg_locks l " +
                "JOIN pg_catalog.pg_class c ON c.oid = l.relation JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema() " +
                "LEFT JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid " +
                "WHERE l.locktype = 'relation' AND l.granted AND l.pid <> pg_catalog.pg_backend_pid() " +
                "AND l.database = (SELECT d.oid FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database()) " +
                "ORDER BY (l.mode = 'AccessShareLock'), (c.relname = @lock) DESC, a.xact_start NULLS LAST, l.pid";
            cmd.Parameters.Add(new NpgsqlParameter("lock", WriteLockTable));
            var found = new List<(int Pid, string Text)>();
            var seen = new HashSet<int>();
            using var reader = cmd.ExecuteReader();
            var readsOnly = (bool?)null;
            while (found.Count < 3 && reader.Read())
            {
                var read = reader.GetString(6) == "AccessShareLock";
                if (readsOnly is null) readsOnly = read;
                else if (read && readsOnly == false) break;   // a read never keeps a change from its write lock
                var pid = reader.GetInt32(0);
                if (!seen.Add(pid)) continue;
                var user = reader.IsDBNull(1) ? null : reader.GetString(1);
                var application = reader.IsDBNull(2) ? "" : reader.GetString(2);
                var since = reader.IsDBNull(3)
                    ? "in a transaction since a time this login may not see (grant it pg_read_all_stats to see other logins' sessions)"
                    : $"in a transaction since {DateTime.SpecifyKind(reader.GetDateTime(3).ToUniversalTime(), DateTimeKind.Utc):u}" +
                      (reader.IsDBNull(4) ? "" : $" (now {Printable(reader.GetString(4))})");
                var table = reader.GetString(5);
                var what = table == WriteLockTable && !read ? "the write lock" : $"{Printable(reader.GetString(6))} on {Printable(table)}";
                found.Add((pid, $"session {pid}, login {Shown(user)}, application {(application.Length == 0 ? "(none)" : Shown(application))}, {since}, holding {what}"));
            }
            return found;
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException)
        {
            return null;
        }
    }

    private PimStoreException Unavailable(string message, string action, Exception inner)
        => PimErrors.StoreUnavailable(message, Location, action, inner);


    /// <summary>A name from the server (a role, an application name), printable: control characters are shown as '?'.</summary>
    private static string Shown(string? text) => text is null ? "(not shown to this login)" : "'" + Printable(text) + "'";

    private static string Printable(string text) => string.Concat(text.Select(c => Validation.Input.IsForbidden(c) ? '?' : c));
}
