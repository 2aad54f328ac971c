using System.Data;
using System.Data.Common;
using Microsoft.Data.Sqlite;
using PimModule.Errors;
using PimModule.Files;

namespace PimModule.Storage.Sqlite;

/// <summary>The embedded store: one SQLite file in WAL mode, shared by processes through SQLite's locks.</summary>
internal sealed class SqliteStoreProvider : IStoreProvider
{
    private static readonly byte[] Header = "SQLite format 3\0"u8.ToArray();
    private static readonly Lazy<IReadOnlyList<Migration>> LoadedMigrations = new(() => Migration.LoadEmbedded("PimModule.Sqlite."));
    private readonly string _connectionString;

    public SqliteStoreProvider(string path)
    {
        Location = Path.GetFullPath(path);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Location,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
    }

    /// <summary>The mode of a store file this provider creates on Linux and macOS: read and write for its owner only.</summary>
    internal const UnixFileMode PrivateFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>The files SQLite keeps beside a store: it opens one already there as it is (its owner, its mode).</summary>
    private static readonly string[] SideFiles = ["-wal", "-shm", "-journal"];

    public PimStoreProvider Kind => PimStoreProvider.Sqlite;
    public string Location { get; }
    public IReadOnlyList<Migration> Migrations => LoadedMigrations.Value;

    public bool NothingThere() => !FileTarget.Check(Location, opensThroughLinks: true);

    public void CheckTarget()
    {
        // What is at the path, before SQLite opens anything there (it would make a -journal or -wal beside it): a store file,
        // or nothing. A folder, a device such as /dev/null, a pipe or a link to one of them (or to nothing) is refused.
        var exists = FileTarget.Check(Location, opensThroughLinks: true);
        // Connections this process pooled for the path may be to a file removed or replaced since: the store is opened
        // from the file as it is now.
        using (var pooled = new SqliteConnection(_connectionString)) SqliteConnection.ClearPool(pooled);
        var folder = Path.GetDirectoryName(Location)!;
        if (!Directory.Exists(folder)) CreateFolder(folder);

        if (exists)
        {
            var head = new byte[Header.Length];
            int read;
            try
            {
                using var fs = new FileStream(Location, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                read = fs.Read(head, 0, head.Length);
                // An empty file is where a new store is made (SQLite writes its header at the first commit): it must be
                // this user's, and owner-only like a file the module creates; so must any -wal/-shm/-journal beside it.
                if (read == 0)
                {
                    FileTarget.AdoptEmpty(fs.SafeFileHandle, Location);
                    FileTarget.CheckBeside(Location, SideFiles);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw PimErrors.StoreNotReadable($"Cannot read the store '{Location}': {e.Message}", Location,
                    "Check the file's permissions, or give another -Path.", e);
            }
            if (read > 0 && (read < Header.Length || !head.AsSpan().SequenceEqual(Header)))
                throw PimErrors.StoreInvalid($"The file '{Location}' is not a SQLite database, so it cannot be a PIM store. It was left untouched.",
                    Location, "Give the -Path of a PIM store, or of a file that does not exist yet to create a new store.");
            return;
        }

        // A new store: prove the folder is writable before SQLite creates anything, and create the file readable
        // by its owner only (0600 on Linux and macOS): SQLite gives its -wal and -shm files the mode of the database.
        // A -wal, -shm or -journal already there (a leftover, or put there by another user) is opened by SQLite as it is.
        FileTarget.CheckBeside(Location, SideFiles);
        try
        {
            var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.ReadWrite, Share = FileShare.None };
            if (!OperatingSystem.IsWindows()) create.UnixCreateMode = PrivateFileMode;
            using (new FileStream(Location, create)) { }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Another process won the race: its file may still be empty (SQLite writes the header only when it first
            // commits); the migration lock then decides which process creates the store.
            if (e is IOException && File.Exists(Location)) return;
            throw PimErrors.StoreNotWritable($"Cannot create the store '{Location}': the folder '{folder}' is not writable ({e.Message}).",
                Location, "Give a -Path in a folder you can write to, or fix the folder's permissions.", e);
        }
    }

    /// <summary>The mode of a folder this provider creates for a new store on Linux and macOS: its owner's only.</summary>
    internal const UnixFileMode PrivateFolderMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>
    /// A new store's missing folder is created with its missing parents, each readable by its owner only (0700 on Linux
    /// and macOS); folders that exist are left as they are. A path that cannot be a folder (under a file) is refused.
    /// </summary>
    private void CreateFolder(string folder)
    {
        try
        {
            if (OperatingSystem.IsWindows()) { Directory.CreateDirectory(folder); return; }
            // Each missing level is made 0700 (Directory.CreateDirectory gives the mode to the last one only).
            var missing = new Stack<string>();
            for (var f = folder; !string.IsNullOrEmpty(f) && !Directory.Exists(f); f = Path.GetDirectoryName(f)) missing.Push(f);
            while (missing.TryPop(out var f)) Directory.CreateDirectory(f, PrivateFolderMode);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            throw PimErrors.StoreFolderNotFound($"Cannot create the store '{Location}': its folder '{folder}' does not exist and cannot be created ({e.Message}).",
                Location, "Give a -Path (or $env:PIM_STORE_PATH) in a folder you can write to; a part of the path that is a file cannot be a folder.", e);
        }
    }

    public DbConnection OpenConnection()
    {
        var c = new SqliteConnection(_connectionString);
        c.Open();
        using var cmd = c.CreateCommand();
        // WAL lets readers and one writer share the file across processes; NORMAL sync is durable
        // against a process crash. busy_timeout makes SQLite wait for the lock instead of failing.
        cmd.CommandText = "PRAGMA busy_timeout = 15000; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA cache_size = -65536;";
        cmd.ExecuteNonQuery();
        return c;
    }

    public (DbTransaction Transaction, DateTime Now) BeginWrite(DbConnection connection, TimeProvider clock)
        => (((SqliteConnection)connection).BeginTransaction(IsolationLevel.Serializable, deferred: false), // BEGIN IMMEDIATE
            clock.GetUtcNow().UtcDateTime);

    public void LockForMigration(UnitOfWork work) { } // BEGIN IMMEDIATE already holds the write lock

    // BEGIN DEFERRED: in WAL mode the first read fixes the snapshot the whole transaction reads; writers are not blocked.
    public DbTransaction BeginSnapshot(DbConnection connection) => ((SqliteConnection)connection).BeginTransaction(deferred: true);

    public bool TableExists(DbConnection connection, string table)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = @n";
        cmd.Parameters.Add(new SqliteParameter("@n", table));
        return Convert.ToInt64(cmd.ExecuteScalar()) > 0;
    }

    public bool IsTransient(Exception exception)
        => exception is SqliteException { SqliteErrorCode: 5 or 6 }; // SQLITE_BUSY, SQLITE_LOCKED

    public PimException? Translate(Exception exception)
    {
        if (exception is not SqliteException e) return null;
        return e.SqliteErrorCode switch
        {
            26 => PimErrors.StoreInvalid($"The file '{Location}' is not a SQLite database (or is encrypted), so it cannot be a PIM store.",
                Location, "Give the -Path of a PIM store, or of a file that does not exist yet.", e),
            8 => PimErrors.StoreNotWritable($"The store '{Location}' is read-only: {e.Message}", Location,
                "Make the store file and its folder writable, or open another store.", e),
            11 => PimErrors.StoreCorrupt($"The store '{Location}' is damaged: {e.Message}", Location,
                "Restore the store from a backup.", e),
            14 => PimErrors.StoreNotWritable($"Cannot open the store '{Location}': {e.Message}", Location,
                "Check the file and its folder exist and are writable.", e),
            13 => PimErrors.StoreFull($"The store '{Location}' is full: the disk that holds it has no space left (SQLite: {e.Message}). " +
                "Nothing of this command was written.", Location,
                $"Free space on the disk that holds '{Path.GetDirectoryName(Location)}' (or move the store there with Copy-PimStore), " +
                "then run the command again.", e),
            5 or 6 => PimErrors.StoreBusy($"The store '{Location}' stayed locked by another process: {e.Message}", Location,
                "Try again; if it persists, look for a process holding the store open in a transaction.", e),
            _ => PimErrors.StoreError($"The store '{Location}' failed: {e.Message}", Location, "Try again; if it fails again, check the disk (space, permissions) and run Test-PimAuditLog.", e),
        };
    }

    /// <summary>Closes this store's pooled connections (only this store's: other stores of the session keep theirs).</summary>
    public void Dispose()
    {
        using var connection = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(connection);
    }
}

/// <summary>
/// SQLite's bulk insert: one single-row INSERT prepared once per batch (<see cref="SqliteStatement"/>), its values bound
/// by position and the statement stepped per row, in the connection's transaction.
/// </summary>
internal sealed class SqliteBulkInsert : BulkInsert
{
    private readonly SqliteConnection _connection;
    private SqliteStatement? _statement;
    private int _next = -1; // the column the next value is for; -1 before the first row

    public SqliteBulkInsert(UnitOfWork work, string table, string[] columns) : base(work, table, columns)
    {
        _connection = (SqliteConnection)work.Connection;
    }

    private SqliteStatement Statement => _statement ?? throw new InvalidOperationException("Start a bulk row with Row() first.");

    public override void Row()
    {
        if (_statement is null) _statement = new SqliteStatement(_connection, Sql);
        else Send();
        _next = 1;
        Rows++;
    }

    public override void Text(string? value) => Statement.Text(_next++, value);

    public override void Id(Guid value) => Statement.Id(_next++, value);

    public override void Long(long value) => Statement.Long(_next++, value);

    public override void Null() => Statement.Null(_next++);

    private void Send()
    {
        if (_next != Columns + 1) throw new InvalidOperationException($"A bulk row has {_next - 1} values for {Columns} columns.");
        Statement.Run();
        _next = -1;
    }

    protected override void Finish()
    {
        if (_next >= 0) Send();
    }

    public override void Dispose()
    {
        _statement?.Dispose();
        _statement = null;
    }
}
