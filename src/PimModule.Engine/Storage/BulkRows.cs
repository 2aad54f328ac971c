using System.Collections.Concurrent;
using System.Data.Common;
using System.Text;
using Npgsql;
using NpgsqlTypes;

namespace PimModule.Storage;

/// <summary>
/// Many rows of one table written at once, on the bulk paths (the audit records and outbox messages a unit of work
/// holds until it commits, a store copied into another): on PostgreSQL one binary COPY, on SQLite (in-process) one
/// prepared INSERT run per row. The table classes call it with their own column lists; values are converted as
/// SqlTypes converts Dapper's parameters (UTC ticks, 0/1, GUID text, enum names), and every column is BIGINT or TEXT.
/// </summary>
internal static class BulkRows
{
    private static readonly ConcurrentDictionary<string, string> InsertSql = new(StringComparer.Ordinal);

    public static void Insert(UnitOfWork work, string table, string[] columns, IReadOnlyList<object?[]> rows)
    {
        if (rows.Count == 0) return;
        if (work.Connection is NpgsqlConnection pg && rows.Count > 1)
        {
            Copy(pg, table, columns, rows);
            return;
        }
        using var cmd = work.Connection.CreateCommand();
        cmd.Transaction = work.Transaction;
        cmd.CommandText = InsertSql.GetOrAdd(table + "|" + string.Join(",", columns), _ =>
        {
            var sb = new StringBuilder("INSERT INTO ").Append(table).Append(" (").Append(string.Join(", ", columns)).Append(") VALUES (");
            for (var i = 0; i < columns.Length; i++) sb.Append(i == 0 ? "" : ", ").Append('@').Append('p').Append(i);
            return sb.Append(')').ToString();
        });
        var ps = new DbParameter[columns.Length];
        for (var i = 0; i < columns.Length; i++)
        {
            ps[i] = cmd.CreateParameter();
            ps[i].ParameterName = "@p" + i;
            cmd.Parameters.Add(ps[i]);
        }
        foreach (var row in rows)
        {
            for (var i = 0; i < ps.Length; i++) ps[i].Value = Value(row[i]) ?? DBNull.Value;
            cmd.ExecuteNonQuery();
        }
    }

    private static void Copy(NpgsqlConnection connection, string table, string[] columns, IReadOnlyList<object?[]> rows)
    {
        using var importer = connection.BeginBinaryImport($"COPY {table} ({string.Join(", ", columns)}) FROM STDIN (FORMAT BINARY)");
        foreach (var row in rows)
        {
            importer.StartRow();
            for (var i = 0; i < columns.Length; i++)
            {
                switch (Value(row[i]))
                {
                    case null: importer.WriteNull(); break;
                    case long l: importer.Write(l, NpgsqlDbType.Bigint); break;
                    case string s: importer.Write(s, NpgsqlDbType.Text); break;
                    case var other: throw new InvalidOperationException($"Column {columns[i]} of {table}: {other.GetType().Name} is neither BIGINT nor TEXT.");
                }
            }
        }
        importer.Complete();
    }

    /// <summary>A value as the store keeps it: long (times as UTC ticks, flags 0/1, durations as ticks) or text, or null.</summary>
    public static object? Value(object? value) => value switch
    {
        null or DBNull => null,
        string s => s,
        long l => l,
        int i => (long)i,
        short h => (long)h,
        bool b => b ? 1L : 0L,
        DateTime d => SqlTypes.Ticks(d),
        DateTimeOffset o => o.UtcTicks,
        TimeSpan t => t.Ticks,
        Guid g => g.ToString("D"),
        Enum e => e.ToString(),
        _ => value,
    };
}
