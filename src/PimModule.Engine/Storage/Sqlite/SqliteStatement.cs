using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace PimModule.Storage.Sqlite;

/// <summary>
/// One statement run once per row — a store's bulk insert (<see cref="SqliteBulkInsert"/>), the replay's writes to a
/// checkpoint (an assignment, a batch's notices): prepared once on the connection's own handle, its values bound by
/// position (from 1) and the statement stepped per row (SQLitePCL.raw, which Microsoft.Data.Sqlite is built on). SQLite
/// runs in the process, so a row costs its binds and a step — none of the per-execution lookup of every parameter by name,
/// nor a reader per statement, that a SqliteCommand costs. It runs in the connection's transaction (SQLite's is the
/// connection's); texts are bound as Microsoft.Data.Sqlite binds them (UTF-8); an error is the SqliteException
/// Microsoft.Data.Sqlite would raise, so it is translated as any other. Every parameter is bound again before each run.
/// </summary>
internal sealed class SqliteStatement : IDisposable
{
    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _statement;
    private byte[] _utf8 = new byte[512]; // a text's UTF-8, reused (SQLite copies what is bound)

    public SqliteStatement(SqliteConnection connection, string sql)
    {
        _db = connection.Handle ?? throw new InvalidOperationException("The SQLite connection is not open.");
        Check(raw.sqlite3_prepare_v2(_db, sql, out _statement));
    }

    private void Check(int rc)
    {
        if (rc != raw.SQLITE_OK) SqliteException.ThrowExceptionForRC(rc, _db);
    }

    /// <summary>Binds a text (null: NULL).</summary>
    public void Text(int index, string? value)
    {
        if (value is null)
        {
            Null(index);
            return;
        }
        var max = System.Text.Encoding.UTF8.GetMaxByteCount(value.Length);
        if (max > _utf8.Length) _utf8 = new byte[Math.Max(max, _utf8.Length * 2)];
        var n = System.Text.Encoding.UTF8.GetBytes(value, _utf8);
        Check(raw.sqlite3_bind_text(_statement, index, _utf8.AsSpan(0, n)));
    }

    /// <summary>Binds a GUID's text ("D"), formatted straight into UTF-8.</summary>
    public void Id(int index, Guid value)
    {
        Span<byte> text = stackalloc byte[36];
        value.TryFormat(text, out var n, "D");
        Check(raw.sqlite3_bind_text(_statement, index, text[..n]));
    }

    public void Long(int index, long? value)
        => Check(value is { } v ? raw.sqlite3_bind_int64(_statement, index, v) : raw.sqlite3_bind_null(_statement, index));

    public void Null(int index) => Check(raw.sqlite3_bind_null(_statement, index));

    public void Blob(int index, ReadOnlySpan<byte> value) => Check(raw.sqlite3_bind_blob(_statement, index, value));

    /// <summary>Runs the statement with the values bound, and readies it for the next row.</summary>
    public void Run()
    {
        var rc = raw.sqlite3_step(_statement);
        raw.sqlite3_reset(_statement);
        if (rc != raw.SQLITE_DONE) SqliteException.ThrowExceptionForRC(rc, _db);
    }

    public void Dispose() => _statement.Dispose(); // finalizes the statement
}
