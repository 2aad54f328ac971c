using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace PimModule.Checkpoint;

/// <summary>
/// One statement the state replay runs once per record (a bulk import's assignment, a batch's notices): prepared once on the
/// checkpoint's own handle, its values bound by position and the statement stepped per row (SQLitePCL.raw, which
/// Microsoft.Data.Sqlite is built on) — none of the per-execution lookup of each parameter by name, nor a reader per
/// statement, that a SqliteCommand costs. It runs in the replay's transaction (SQLite's is the connection's); texts are
/// bound as Microsoft.Data.Sqlite binds them (UTF-8), and an error is the SqliteException it would raise.
/// </summary>
internal sealed class CheckpointStatement : IDisposable
{
    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _statement;
    private byte[] _utf8 = new byte[512]; // a text's UTF-8, reused (SQLite copies what is bound)

    public CheckpointStatement(SqliteConnection db, string sql)
    {
        _db = db.Handle ?? throw new InvalidOperationException("The checkpoint is not open.");
        Check(raw.sqlite3_prepare_v2(_db, sql, out _statement));
    }

    private void Check(int rc)
    {
        if (rc != raw.SQLITE_OK) SqliteException.ThrowExceptionForRC(rc, _db);
    }

    /// <summary>Binds a text (null: NULL) to the parameter at <paramref name="index"/> (from 1).</summary>
    public void Text(int index, string? value)
    {
        if (value is null)
        {
            Check(raw.sqlite3_bind_null(_statement, index));
            return;
        }
        var max = System.Text.Encoding.UTF8.GetMaxByteCount(value.Length);
        if (max > _utf8.Length) _utf8 = new byte[Math.Max(max, _utf8.Length * 2)];
        var n = System.Text.Encoding.UTF8.GetBytes(value, _utf8);
        Check(raw.sqlite3_bind_text(_statement, index, _utf8.AsSpan(0, n)));
    }

    public void Long(int index, long? value)
        => Check(value is { } v ? raw.sqlite3_bind_int64(_statement, index, v) : raw.sqlite3_bind_null(_statement, index));

    public void Blob(int index, ReadOnlySpan<byte> value) => Check(raw.sqlite3_bind_blob(_statement, index, value));

    /// <summary>Runs the statement with the values bound, and readies it for the next row.</summary>
    public void Run()
    {
        var rc = raw.sqlite3_step(_statement);
        raw.sqlite3_reset(_statement);
        raw.sqlite3_clear_bindings(_statement);
        if (rc != raw.SQLITE_DONE) SqliteException.ThrowExceptionForRC(rc, _db);
    }

    public void Dispose() => _statement.Dispose(); // finalizes the statement
}
