using System.Data;
using System.Data.Common;
using Npgsql;
using PimModule.Errors;

namespace PimModule.Storage.Postgres;

/// <summary>
/// A shared store: one PostgreSQL database (its current schema), used by any number of processes and machines.
/// Writes are serialised like SQLite's single writer: every write transaction, migrations included, first takes
/// <c>LOCK TABLE pim_write_lock IN EXCLUSIVE MODE</c>, so the audit hash chain is appended by one writer at a time. Only a
/// login that may change the store can take that lock (PostgreSQL allows EXCLUSIVE MODE with UPDATE, DELETE or TRUNCATE
/// on the table, which the writer login has and a reader login has not); a read takes ACCESS SHARE at most, which
/// EXCLUSIVE does not conflict with, so readers never wait on it. A change waits at most
/// <see cref="Policy.Limits.StoreWriteLockWait"/> for any lock (lock_timeout), then is refused, without a retry, with
/// PimStoreBusy naming the session that holds it (from pg_locks and pg_stat_activity).
/// </summary>
internal sealed partial class PostgresStoreProvider : IStoreProvider
{
    /// <summary>The table whose EXCLUSIVE lock every write transaction holds (schema version 13; it has no rows).</summary>
    internal const string WriteLockTable = "pim_write_lock";

    /// <summary>The same statement as migration 0013's: the table a write locks, made ahead of a migration that needs it.</summary>
    private const string CreateWriteLockTable = "CREATE TABLE IF NOT EXISTS pim_write_lock ()";

    /// <summary>True once this store's write lock table was seen (it is never removed).</summary>
    private bool _writeLockReady;

    private static readonly Lazy<IReadOnlyList<Migration>> LoadedMigrations = new(() => Migration.LoadEmbedded("PimModule.Postgres."));
    private readonly NpgsqlDataSource _dataSource;
    private readonly string _server;
    private readonly string _database;
    private readonly string _user;

    public PostgresStoreProvider(string connectionString)
    {
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or KeyNotFoundException)
        {
            throw PimErrors.StoreConnectionStringInvalid($"The PostgreSQL connection string is not valid: {RedactParseError(connectionString, e.Message)}", null,
                "Give a connection string such as 'Host=db.contoso.com;Port=5432;Database=pim;Username=pim;Password=…'.", e);
        }
        Location = Redact(builder);                         // what the user gave, less every secret
        builder.ApplicationName ??= "PimModule";           // how the sessions show in pg_stat_activity
        // The module keeps no session state on a connection: what a transaction sets is SET LOCAL or SET TRANSACTION, and it
        // takes no advisory lock, LISTENs to nothing and makes no temporary table. A connection back in the pool then needs
        // no reset (DISCARD ALL, or its seven statements once a statement is prepared) run by the server before each command's
        // first statement; a transaction left open is still rolled back when the connection is closed. Given in the
        // connection string, the setting is the user's.
        if (!builder.ContainsKey("No Reset On Close")) builder.NoResetOnClose = true;
        _server = $"{builder.Host ?? "localhost"}:{builder.Port}";
        _database = builder.Database ?? builder.Username ?? "";
        _user = builder.Username ?? Environment.UserName;
        _dataSourceKey = builder.ConnectionString;
        _dataSource = Acquire(_dataSourceKey);
    }

    /// <summary>
    /// A key whose value is a secret: Password (PWD, PSW), SSL Password, and any key that names a password, a
    /// passphrase or a secret. Such values never reach Location, an error, -Verbose or the audit log.
    /// </summary>
    internal static bool IsSecretKey(string key)
    {
        var k = key.Replace(" ", "", StringComparison.Ordinal).ToLowerInvariant();
        return k is "pwd" or "psw" || k.Contains("password", StringComparison.Ordinal)
            || k.Contains("passphrase", StringComparison.Ordinal) || k.Contains("secret", StringComparison.Ordinal);
    }

    /// <summary>The connection string as it may be shown: every secret keyword removed (Npgsql's canonical keys).</summary>
    internal static string Redact(NpgsqlConnectionStringBuilder builder)
    {
        var display = new NpgsqlConnectionStringBuilder(builder.ConnectionString);
        foreach (var key in display.Keys.ToArray())
            if (IsSecretKey(key)) display.Remove(key);
        return display.ConnectionString;
    }

    /// <summary>Npgsql's word on a connection string it could not parse, with the value of any secret key blanked out.</summary>
    private static string RedactParseError(string connectionString, string message)
    {
        try
        {
            var generic = new DbConnectionStringBuilder { ConnectionString = connectionString };
            foreach (string key in generic.Keys)
                if (IsSecretKey(key) && generic[key]?.ToString() is { Length: > 0 } value)
                    message = message.Replace(value, "(secret)", StringComparison.Ordinal);
        }
        catch (ArgumentException)
        {
            // not even key=value pairs: Npgsql's message then names a position, never a value
        }
        return message;
    }

    // One data source (one pool) per connection string in the process, shared by every PimStore opened on it
    // (Connect-PimStore -Principal opens the same store again as someone else) and closed with the last one.
    private static readonly Dictionary<string, (NpgsqlDataSource Source, int Users)> DataSources = new(StringComparer.Ordinal);
    private readonly string _dataSourceKey;
    private int _disposed;

    private static NpgsqlDataSource Acquire(string connectionString)
    {
        lock (DataSources)
        {
            var (source, users) = DataSources.TryGetValue(connectionString, out var e) ? e : (NpgsqlDataSource.Create(connectionString), 0);
            DataSources[connectionString] = (source, users + 1);
            return source;
        }
    }

    private static void Release(string connectionString)
    {
        lock (DataSources)
        {
            if (!DataSources.TryGetValue(connectionString, out var e)) return;
            if (e.Users > 1) { DataSources[connectionString] = (e.Source, e.Users - 1); return; }
            DataSources.Remove(connectionString);
            e.Source.Dispose();
        }
    }

    public PimStoreProvider Kind => PimStoreProvider.PostgreSql;
    public string Location { get; }
    public IReadOnlyList<Migration> Migrations => LoadedMigrations.Value;

    public void CheckTarget()
    {
        try
        {
            using var connection = OpenConnection();
            if (TableExists(connection, "schema_version")) return; // a PIM store (the Migrator checks its version)
            using var cmd = connection.CreateCommand();
            // (A write lock table alone is what a first migration that failed leaves: still an empty store.)
            cmd.CommandText = $"SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name <> '{WriteLockTable}'";
            var tables = Convert.ToInt64(cmd.ExecuteScalar());
            if (tables > 0)
                throw PimErrors.StoreInvalid($"The database '{_database}' on {_server} already holds {tables} table(s) but no PIM store (no schema_version table), " +
                    "so it cannot be a PIM store. It was left untouched.",
                    Location, "Give the connection string of a PIM store, or of an empty database to create a new store in.");
        }
        catch (Exception e) when (e is not PimException && Translate(e) is { } translated)
        {
            throw translated;
        }
    }

    public DbConnection OpenConnection()
    {
        try
        {
            return _dataSource.OpenConnection();
        }
        catch (NpgsqlException e) when (IsConnectionFailure(e))
        {
            // One more try: a server restarting or a dropped pooled connection; a wrong host or port fails again.
            Thread.Sleep(250);
            return _dataSource.OpenConnection();
        }
    }

    public DbTransaction BeginSnapshot(DbConnection connection)
    {
        var tx = ((NpgsqlConnection)connection).BeginTransaction(IsolationLevel.RepeatableRead); // one snapshot for every statement
        using var cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = "SET TRANSACTION READ ONLY";
        cmd.ExecuteNonQuery();
        return tx;
    }

    public (DbTransaction Transaction, DateTime Now) BeginWrite(DbConnection connection, TimeProvider clock)
    {
        if (!_writeLockReady) _writeLockReady = PrepareWriteLock(connection);
        var tx = ((NpgsqlConnection)connection).BeginTransaction(IsolationLevel.ReadCommitted);
        try
        {
            using var cmd = connection.CreateCommand();
            cmd.Transaction = tx;
            // The write lock first: a lock held longer than the limit is PimStoreBusy (lock_timeout, for every lock this
            // transaction waits on). READ COMMITTED: every statement after the lock sees everything committed before it was
            // granted. The server's clock, read once the lock is held, stamps the change (schema-qualified, so a search_path
            // given in the connection string cannot put another clock_timestamp() in front of it).
            cmd.CommandText = $"SET LOCAL lock_timeout = '{(long)Policy.Limits.StoreWriteLockWait.TotalMilliseconds}ms'; " +
                              $"LOCK TABLE {WriteLockTable} IN EXCLUSIVE MODE; SELECT pg_catalog.clock_timestamp()";
            DateTime? server = null;
            using (var reader = cmd.ExecuteReader())
            {
                do
                {
                    if (reader.FieldCount == 1 && reader.GetFieldType(0) == typeof(DateTime) && reader.Read()) server = reader.GetDateTime(0);
                }
                while (server is null && reader.NextResult());
            }
            if (server is not { } s) throw new InvalidOperationException("The PostgreSQL server did not say its time.");
            var utc = s.Kind == DateTimeKind.Utc ? s : DateTime.SpecifyKind(s.ToUniversalTime(), DateTimeKind.Utc);
            return (tx, StoreClock.StampsWithClient(clock) ? clock.GetUtcNow().UtcDateTime : StoreClock.CheckSkew(utc, clock, Location));
        }
        catch
        {
            tx.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Makes sure the write lock table is there, and is the store's: true when it is. An empty database, or a store made
    /// before schema version 13, has none yet: the login that makes or migrates the store's tables (the owner) makes it first,
    /// in a statement of its own, so the migration that follows holds the lock like every other write (and migration 0013
    /// records it). Two sessions doing so at once both go on; the second then waits for the first's lock. Any other login
    /// is refused: it could not migrate the store anyway. A lock table that belongs to someone other than the tables' owner
    /// is refused too: whoever owns it could hold every change back.
    /// </summary>
    private bool PrepareWriteLock(DbConnection connection)
    {
        string? tablesOwnerName;
        using (var cmd = connection.CreateCommand())
        {
            cmd.CommandText = "SELECT (SELECT w.relowner::regrole::text FROM pg_catalog.pg_class w WHERE w.oid = pg_catalog.to_regclass(pg_catalog.quote_ident(current_schema()) || '.pim_write_lock')), " +
                              "(SELECT s.relowner::regrole::text FROM pg_catalog.pg_class s WHERE s.oid = pg_catalog.to_regclass(pg_catalog.quote_ident(current_schema()) || '.schema_version'))";
            using var reader = cmd.ExecuteReader();
            reader.Read();
            var lockOwner = reader.IsDBNull(0) ? null : reader.GetString(0);
            var tablesOwner = reader.IsDBNull(1) ? null : reader.GetString(1);
            tablesOwnerName = tablesOwner; // as regrole prints it: a quoted identifier where one is needed
            if (lockOwner is not null)
            {
                if (tablesOwner is null || lockOwner == tablesOwner) return true;
                throw PimErrors.StoreInvalid(
                    $"The store's write lock table {WriteLockTable} at '{Location}' belongs to {Shown(lockOwner)}, not to the role that owns the store's tables " +
                    $"({Shown(tablesOwner)}): whoever owns it could hold every change back. Nothing was changed.", Location,
                    $"As the database's administrator, give it to the tables' owner (ALTER TABLE {WriteLockTable} OWNER TO <the tables' owner>), then run the command again.");
            }
            if (tablesOwner is not null)
            {
                reader.Close();
                if (!LoginOwnsStore(connection))
                    throw PimErrors.StoreNotWritable(
                        $"The store at '{Location}' has no write lock table ({WriteLockTable}; a store before schema version 13 has none yet), and only the " +
                        $"role that owns its tables can add it. The login '{_user}' does not own them. Nothing was changed.", Location,
                        "Have an administrator connect once with the owner's connection string to migrate the store (README, PostgreSQL), then connect with this login again.");
            }
        }
        try
        {
            using var create = connection.CreateCommand();
            // Given to the tables' owner (a superuser migrating, or the dba acting as the owner, may hand it over): a
            // lock table of another owner is refused above.
            create.CommandText = CreateWriteLockTable + (tablesOwnerName is { } o ? $"; ALTER TABLE {WriteLockTable} OWNER TO {o}" : "");
            create.ExecuteNonQuery();
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.DuplicateTable or PostgresErrorCodes.DuplicateObject)
        {
            // made at the same moment by another session opening the store
        }
        return true;
    }

    /// <summary>The SQLSTATE the store's audit time check raises (migration 0012, pim_audit_time).</summary>
    internal const string AuditTimeRefused = "PT427";

    /// <summary>
    /// True when the login could disable the store's own checks: a superuser, or a member of the role that owns the store's
    /// audit log (it may act as that owner). False before the store has tables.
    /// </summary>
    public bool LoginOwnsStore(DbConnection connection)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "SELECT r.rolsuper OR COALESCE(pg_catalog.pg_has_role(current_user, c.relowner, 'MEMBER'), false) " +
                          "FROM pg_catalog.pg_roles r LEFT JOIN pg_catalog.pg_class c ON c.oid = pg_catalog.to_regclass(pg_catalog.quote_ident(current_schema()) || '.audit_log') " +
                          "WHERE r.rolname = current_user";
        return cmd.ExecuteScalar() is true;
    }

    /// <summary>The login's name (what PimStoreOwnerLogin names).</summary>
    public string Login => _user;

    /// <summary>Nothing more to take: every write transaction, a migration's included, already holds the write lock (BeginWrite).</summary>
    public void LockForMigration(UnitOfWork work) { }

    public bool TableExists(DbConnection connection, string table)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = @n";
        cmd.Parameters.Add(new NpgsqlParameter("n", table));
        return Convert.ToInt64(cmd.ExecuteScalar()) > 0;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0) Release(_dataSourceKey);
    }
}
