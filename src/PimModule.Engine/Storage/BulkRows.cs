namespace PimModule.Storage;

/// <summary>
/// Rows given as value arrays (the audit records and outbox messages a unit of work holds until it commits, the built-in
/// roles, a store copied into another), written through the one bulk writer, <see cref="UnitOfWork.Bulk"/> (COPY on
/// PostgreSQL, one prepared INSERT stepped per row on SQLite). Values are converted as SqlTypes converts Dapper's
/// parameters (UTC ticks, 0/1, GUID text, enum names): every column is BIGINT or TEXT.
/// </summary>
internal static class BulkRows
{
    public static void Insert(UnitOfWork work, string table, string[] columns, IReadOnlyList<object?[]> rows)
    {
        if (rows.Count == 0) return;
        using var bulk = work.Bulk(table, columns);
        foreach (var row in rows)
        {
            bulk.Row();
            for (var i = 0; i < columns.Length; i++)
            {
                switch (Value(row[i]))
                {
                    case null: bulk.Null(); break;
                    case long l: bulk.Long(l); break;
                    case string t: bulk.Text(t); break;
                    case var other: throw new InvalidOperationException($"Column {columns[i]} of {table}: {other.GetType().Name} is neither BIGINT nor TEXT.");
                }
            }
        }
        bulk.Complete();
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
