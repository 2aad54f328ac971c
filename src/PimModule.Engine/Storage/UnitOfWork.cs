using System.Data;
using System.Data.Common;
using Dapper;
using PimModule.Errors;

namespace PimModule.Storage;

/// <summary>
/// One command's work on the store: a connection, its transaction (for writes), the acting principal and
/// the time of the command, read once from the injected clock so every row the command writes agrees.
/// </summary>
internal sealed partial class UnitOfWork
{
    static UnitOfWork() => SqlTypes.Register();

    public UnitOfWork(DbConnection connection, DbTransaction? transaction, string actor, DateTime now, CommandCache? cache = null)
    {
        Connection = connection;
        Transaction = transaction;
        Actor = actor;
        Now = now;
        Cache = cache;
    }

    /// <summary>Prepared commands kept across the batches of a bulk path (same connection); null = a command per statement.</summary>
    public CommandCache? Cache { get; }

    public DbConnection Connection { get; }
    public DbTransaction? Transaction { get; }
    public string Actor { get; }
    public DateTime Now { get; }

    /// <summary>In a Verified store, the acting principal's key that seals this unit of work's audit records; null in a Lab store.</summary>
    public PimModule.Identity.Keys.Sealer? Sealer { get; set; }

    /// <summary>The store's identity mode (Lab until the store is known to be Verified).</summary>
    public PimIdentityMode IdentityMode { get; set; }

    /// <summary>In a Verified store, the state the verified log yields (the session's checkpoint); null in a Lab store.</summary>
    public PimModule.Checkpoint.VerifiedState? Verified { get; set; }

    /// <summary>
    /// True when <see cref="Transaction"/> is a read snapshot that may have begun before another session of this user moved
    /// the verified checkpoint on (a sync then asks for a new snapshot rather than take the store for rolled back); false
    /// for a write (it holds the store's write lock, so it sees every commit) and for the last snapshot a caller takes.
    /// </summary>
    public bool SnapshotMayLag { get; init; }

#if PIM_TEST_HOOKS
    /// <summary>
    /// TEST BUILD ONLY: this unit of work writes what a modified module would (AuditLog.AppendRecord), so its own records
    /// are committed even where the verifier will count them for nothing — as a modified module's are. The module users
    /// load has no such property: it never commits a record of its own that counts for nothing.
    /// </summary>
    internal bool AsModifiedModule { get; set; }
#endif

    private bool _verifiedSynced;

    /// <summary>
    /// The verified state brought up to the store's head, once per unit of work (inside a write's transaction, before its
    /// decisions): what others committed since is verified and applied first. Null in a Lab store. A log that no longer
    /// verifies is refused (PimStoreTampered): nothing in it is trusted.
    /// </summary>
    public PimModule.Checkpoint.VerifiedState? VerifiedNow()
    {
        if (Verified is not { } v || _verifiedSynced) return Verified;
        var check = v.Sync(this, rebuild: false);
        if (!check.IsValid)
            throw PimErrors.StoreTampered($"The store's log no longer verifies: {check.Reason} Nothing was changed, and nothing in it is trusted.",
                check.FirstInvalidSequence, "Run Test-PimAuditLog, restore the store from a backup, and find out who changed it outside PimModule.");
        _verifiedSynced = true;
        return v;
    }

    private HashSet<Guid>? _writtenHere;

    /// <summary>
    /// An assignment or request row this unit of work writes (after reading it as the verified log has it): it counts when
    /// read again in this transaction, whose records seal the change.
    /// </summary>
    public void Wrote(Guid id) => (_writtenHere ??= []).Add(id);

    /// <summary>Runs a statement that writes the row <paramref name="id"/> (see <see cref="Wrote(Guid)"/>).</summary>
    public T Wrote<T>(Guid id, Func<T> write)
    {
        Wrote(id);
        return write();
    }

    /// <summary>True when an assignment row counts: in a Lab store always; in a Verified store when the verified log has it as it is.</summary>
    public bool Believes(AssignmentRow a) => VerifiedNow() is not { } v || _writtenHere?.Contains(a.Id) == true || v.Believes(a);

    /// <summary>
    /// True when the verified log holds an assignment of this id, as the row is or not (Lab stores: always): what an
    /// administrator may remove — a row someone changed around the module is not thereby out of reach.
    /// </summary>
    public bool Knows(AssignmentRow a) => VerifiedNow() is not { } v || _writtenHere?.Contains(a.Id) == true || v.AssignmentDigest(a.Id) is not null;

    /// <summary>True when a self-service request row counts (Verified stores: as the verified log has it).</summary>
    public bool Believes(PimModule.Requests.RequestRow q) => VerifiedNow() is not { } v || _writtenHere?.Contains(q.Id) == true || v.Believes(q);

    private HashSet<(Guid, string, long)>? _decidedHere;

    /// <summary>Runs a statement that writes a decision on a request (that very row counts when read again in this transaction).</summary>
    public T Decided<T>(Guid requestId, string approverKey, DateTime decided, Func<T> write)
    {
        (_decidedHere ??= []).Add((requestId, approverKey, SqlTypes.Ticks(decided)));
        return write();
    }

    /// <summary>True when a decision row counts (Verified stores: as the verified log has it, or the row this unit of work wrote).</summary>
    public bool Believes(RequestApprovalsTable.Row r)
        => VerifiedNow() is not { } v || _decidedHere?.Contains((r.RequestId, r.Key, SqlTypes.Ticks(r.Decided))) == true || v.Believes(r);

    private Dictionary<string, object>? _memo;

    /// <summary>A value computed once per unit of work (the bulk paths ask the same questions per row).</summary>
    public T Memo<T>(string key, Func<T> compute) where T : notnull
    {
        _memo ??= new Dictionary<string, object>(StringComparer.Ordinal);
        if (_memo.TryGetValue(key, out var v)) return (T)v;
        var value = compute();
        _memo[key] = value;
        return value;
    }

    // ---- the one commit path -----------------------------------------------------------------------

    private readonly List<ICommitParticipant> _participants = [];
    private readonly HashSet<ICommitParticipant> _ran = [];

    /// <summary>The participant of type <typeparamref name="T"/> of this unit of work, enlisted on first use.</summary>
    public T Participant<T>() where T : class, ICommitParticipant, new()
    {
        foreach (var p in _participants)
            if (p is T t) return t;
        var created = new T();
        _participants.Add(created);
        return created;
    }

    /// <summary>
    /// Commits the unit of work: every enlisted participant writes what it holds (lowest order first; one may enlist
    /// another while it runs), then the transaction commits. PimStore.Write, the bulk writer and the migrator all commit
    /// through here.
    /// </summary>
    public void Commit()
    {
        if (Transaction is null) throw new InvalidOperationException("A read has nothing to commit.");
        while (_participants.Where(p => !_ran.Contains(p)).OrderBy(p => p.Order).FirstOrDefault() is { } next)
        {
            _ran.Add(next);
            next.BeforeCommit(this);
        }
        // A Verified store's session verifies what it has just sealed before it commits, from memory (the records it wrote
        // and its seal, judged by the verifier's own rules with this computer's clock; nothing re-read from the store): a
        // change the verified log would not count is refused here, with nothing committed. Applied to the session's
        // verified state once the store has committed.
        using var own = Verified is { } verified && Sealer is { Seal: { } seal } && Participant<PimModule.Audit.AuditChain>().Written is { Count: > 0 } written
            ? verified.PrepareOwn(this, written, seal) : null;
        Transaction.Commit();
        Sealer?.Committed();
        own?.Complete();
    }

    // ---- Dapper ------------------------------------------------------------------------------------
    // Parameters are objects (anonymous or rows); a list is one parameter, bound with AnyOf and TextList; value conversions are SqlTypes'.
    // Enums are passed as text (enum.ToString()).

    public List<T> Query<T>(string sql, object? param = null)
        => _ahead is not null && Answered(sql, param, false, out var rows) && rows is List<T> list ? list : Connection.Query<T>(sql, param, Transaction).AsList();

    public T? QueryFirstOrDefault<T>(string sql, object? param = null)
        => _ahead is not null && Answered(sql, param, true, out var row) && row is null or T ? (T?)row : Connection.QueryFirstOrDefault<T>(sql, param, Transaction);

    /// <summary>Rows read one at a time while the caller enumerates (the connection's one open reader).</summary>
    public IEnumerable<T> Stream<T>(string sql, object? param = null) => Connection.Query<T>(sql, param, Transaction, buffered: false);

    /// <summary>A query's rows read one by one (a hot path that makes its own objects, with no mapping per row).</summary>
    public IDataReader Reader(string sql, object? param = null) => Connection.ExecuteReader(sql, param, Transaction);

    public T? Scalar<T>(string sql, object? param = null) => Connection.ExecuteScalar<T>(sql, param, Transaction);

    public int Execute(string sql, object? param = null)
    {
        Writes++;
        return Connection.Execute(sql, param, Transaction);
    }

    /// <summary>
    /// "<paramref name="column"/> is one of the texts of the list parameter <paramref name="parameter"/>", whose value is
    /// <see cref="TextList"/>: one parameter however long the list — an array on PostgreSQL (<c>= ANY(@p)</c>), a JSON
    /// array on SQLite (<c>IN (SELECT value FROM json_each(@p))</c>), where Dapper's <c>IN @list</c> would bind one
    /// parameter per item and Microsoft.Data.Sqlite look each of them up by name. Both use the column's index.
    /// </summary>
    public string AnyOf(string column, string parameter) => OnPostgres
        ? $"{column} = ANY(@{parameter})"
        : $"{column} IN (SELECT value FROM json_each(@{parameter}))";

    /// <summary>
    /// <paramref name="table"/> read through <paramref name="index"/>: SQLite's <c>INDEXED BY</c> where its planner,
    /// which has no statistics, would pick another index (PostgreSQL's planner has them: the table alone).
    /// </summary>
    public string Through(string table, string index) => OnPostgres ? table : $"{table} INDEXED BY {index}";

    /// <summary>
    /// <paramref name="table"/> read in full, through no index: SQLite's <c>NOT INDEXED</c> for a query that reads most of the
    /// table, where its planner would look up each row through an index on one of the conditions (PostgreSQL's planner
    /// scans by itself).
    /// </summary>
    public string Scan(string table) => OnPostgres ? table : $"{table} NOT INDEXED";

    /// <summary>The value of an <see cref="AnyOf"/> parameter.</summary>
    public object TextList(IEnumerable<string> values) => OnPostgres
        ? values.ToArray()
        : System.Text.Json.JsonSerializer.Serialize(values as string[] ?? values.ToArray(), EngineJson.Default.StringArray);

    /// <summary>
    /// Rows of one table written together (the bulk paths): binary COPY on PostgreSQL; on SQLite one prepared INSERT,
    /// bound by position and stepped per row. Give the values of each row in the order of <paramref name="columns"/>;
    /// <see cref="BulkInsert.Complete"/> sends what is left.
    /// </summary>
    public BulkInsert Bulk(string table, params string[] columns)
        => OnPostgres ? PostgresBulk(table, columns) : new Sqlite.SqliteBulkInsert(this, table, columns);

    // Npgsql is named only here, in a method of its own: a SQLite store never loads it (issue 30, start-up).
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private Postgres.PostgresBulkInsert PostgresBulk(string table, string[] columns)
        => new(this, (Npgsql.NpgsqlConnection)Connection, table, columns);

    /// <summary>
    /// True on a PostgreSQL store (the SQL of the two differs here and there). Asked of the SQLite type, never of Npgsql's:
    /// naming Npgsql's connection type loads Npgsql, which a SQLite store never needs.
    /// </summary>
    public bool OnPostgres => Connection is not Microsoft.Data.Sqlite.SqliteConnection;

    /// <summary>Counts rows a bulk insert wrote (see <see cref="Writes"/>).</summary>
    internal void Wrote(int rows) => Writes += rows;

    /// <summary>Statements run through <see cref="Execute"/> so far (MFA checks that nothing of the call was written before them).</summary>
    public int Writes { get; private set; }
}

/// <summary>Commands prepared once per connection and reused (the bulk paths run the same statements per row).</summary>
internal sealed class CommandCache : IDisposable
{
    private readonly Dictionary<string, DbCommand> _commands = new(StringComparer.Ordinal);

    public DbCommand Get(DbConnection connection, string sql)
    {
        if (_commands.TryGetValue(sql, out var cmd) && cmd.Connection == connection) return cmd;
        cmd?.Dispose();
        cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        _commands[sql] = cmd;
        return cmd;
    }

    public void Dispose()
    {
        foreach (var c in _commands.Values) c.Dispose();
        _commands.Clear();
    }
}

/// <summary>
/// Rows of one table written together (<see cref="UnitOfWork.Bulk"/>): start each row with <see cref="Row"/>, give its
/// values in the order of the columns, then <see cref="Complete"/>. Values are the store's: text, or 64-bit integers
/// (times as UTC ticks, flags 0/1, ids as GUID text — the conversions of <see cref="SqlTypes"/>).
/// </summary>
internal abstract class BulkInsert : IDisposable
{
    protected BulkInsert(UnitOfWork work, string table, string[] columns)
    {
        Work = work;
        Sql = $"INSERT INTO {table} ({string.Join(", ", columns)}) VALUES ({string.Join(", ", columns.Select((_, i) => "@p" + i))})";
        Columns = columns.Length;
    }

    protected UnitOfWork Work { get; }

    /// <summary>The one-row INSERT (the SQLite path runs it per row).</summary>
    protected string Sql { get; }

    protected int Columns { get; }

    /// <summary>Rows given so far.</summary>
    public int Rows { get; protected set; }

    public abstract void Row();
    public abstract void Text(string? value);
    public abstract void Long(long value);
    public abstract void Null();

    public void Long(long? value)
    {
        if (value is { } v) Long(v); else Null();
    }

    public virtual void Id(Guid value) => Text(value.ToString("D"));

    public void Id(Guid? value)
    {
        if (value is { } v) Id(v); else Null();
    }

    public void Time(DateTime value) => Long(SqlTypes.Ticks(value));

    public void Time(DateTime? value)
    {
        if (value is { } v) Time(v); else Null();
    }

    public void Flag(bool value) => Long(value ? 1L : 0L);

    /// <summary>Sends the rows not sent yet; returns how many rows were written in all.</summary>
    public int Complete()
    {
        Finish();
        Work.Wrote(Rows);
        return Rows;
    }

    protected abstract void Finish();

    public abstract void Dispose();
}
