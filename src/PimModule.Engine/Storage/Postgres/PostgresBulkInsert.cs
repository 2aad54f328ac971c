using Npgsql;

namespace PimModule.Storage.Postgres;

/// <summary>
/// PostgreSQL's bulk insert: one COPY per table and batch (Npgsql's text import), in the unit of work's transaction —
/// the rows stream to the server in one go instead of a statement and a round trip each. The rows are written in COPY's
/// text format straight into Npgsql's buffer (tab between values, a newline after each row, \N for NULL, backslash,
/// tab, newline and carriage return escaped): no per-value call into Npgsql's type machinery, which binary COPY costs
/// a bulk path more in client time than the server spends parsing text. The COPY starts with the first row; one left
/// incomplete (an exception) is cancelled when disposed, and the transaction rolls back.
/// </summary>
internal sealed class PostgresBulkInsert : BulkInsert
{
    private static readonly System.Buffers.SearchValues<char> Escaped = System.Buffers.SearchValues.Create("\\\t\n\r");
    private readonly NpgsqlConnection _connection;
    private readonly string _copy;
    private TextWriter? _writer;
    private bool _first = true; // the next value is a row's first (no tab before it)

    public PostgresBulkInsert(UnitOfWork work, NpgsqlConnection connection, string table, string[] columns) : base(work, table, columns)
    {
        _connection = connection;
        _copy = $"COPY {table} ({string.Join(", ", columns)}) FROM STDIN";
    }

    private TextWriter Writer => _writer ?? throw new InvalidOperationException("Start a bulk row with Row() first.");

    public override void Row()
    {
        if (_writer is null) _writer = _connection.BeginTextImport(_copy);
        else _writer.Write('\n');
        _first = true;
        Rows++;
    }

    private TextWriter Next()
    {
        var w = Writer;
        if (_first) _first = false;
        else w.Write('\t');
        return w;
    }

    public override void Text(string? value)
    {
        var w = Next();
        if (value is null)
        {
            w.Write("\\N");
            return;
        }
        var span = value.AsSpan();
        while (true)
        {
            var at = span.IndexOfAny(Escaped);
            if (at < 0)
            {
                w.Write(span);
                return;
            }
            w.Write(span[..at]);
            w.Write(span[at] switch { '\\' => "\\\\", '\t' => "\\t", '\n' => "\\n", _ => "\\r" });
            span = span[(at + 1)..];
        }
    }

    public override void Long(long value)
    {
        Span<char> digits = stackalloc char[20];
        value.TryFormat(digits, out var n, default, System.Globalization.CultureInfo.InvariantCulture);
        Next().Write(digits[..n]);
    }

    public override void Id(Guid value)
    {
        Span<char> text = stackalloc char[36];
        value.TryFormat(text, out var n, "D");
        Next().Write(text[..n]);
    }

    public override void Null() => Next().Write("\\N");

    protected override void Finish()
    {
        if (_writer is null) return;
        var w = _writer;
        _writer = null;
        w.Write('\n');
        w.Dispose(); // ends the COPY: the server checks and stores the rows, or the error is raised here
    }

    public override void Dispose()
    {
        if (_writer is null) return;
        try { ((NpgsqlCopyTextWriter)_writer).Cancel(); }
        catch (Exception) { /* the connection may be gone; the transaction rolls back */ }
        _writer = null;
    }
}
