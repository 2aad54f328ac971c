using PimModule.Errors;

namespace PimModule.Storage;

/// <summary>
/// Copies a whole store into another, new one (SQLite → PostgreSQL and back): every table row for row, in one
/// transaction on the destination, so the audit chain (hashes, sequence, head) arrives intact and verifies there.
/// Generic: the rows are copied column by column as stored (BIGINT or TEXT), without knowing what they mean.
/// </summary>
internal static class StoreCopier
{
    /// <summary>
    /// Every table of the store, in the order the migrations make them (which respects references); schema_version is the
    /// destination's own. A table a new migration makes is copied without a word here.
    /// </summary>
    internal static readonly IReadOnlyList<string> Tables =
        Migration.TablesMadeBy(Migration.LoadEmbedded("PimModule.Sqlite.")).Where(t => t != "schema_version").ToList();

    /// <summary>Rows sent to the destination at a time.</summary>
    private const int Batch = 2000;

    public static (int Tables, long Rows) Copy(UnitOfWork source, UnitOfWork destination, string location, Action<string, long>? progress)
    {
        // A new store holds the catalogue, its creator's assignment and two audit records: anything more is someone's data.
        var foreign = AssignmentsTable.CountAll(destination) > 1 || AuditLogTable.Count(destination) > 2 || RolesTable.CustomCount(destination) > 0;
        if (foreign)
            throw PimErrors.StoreNotEmpty($"The destination '{location}' already holds data; a store is copied only into a new, empty one.",
                location, "Give a destination that does not exist yet (or an empty database).");
        foreach (var t in Enumerable.Reverse(Tables)) destination.Execute($"DELETE FROM {t}", new { });
        long rows = 0;
        foreach (var table in Tables)
        {
            progress?.Invoke(table, rows);
            string[]? columns = null;
            var batch = new List<object?[]>(Batch);
            foreach (IDictionary<string, object?> row in source.Stream<dynamic>($"SELECT * FROM {table}"))
            {
                columns ??= [.. row.Keys];
                batch.Add([.. row.Values]);
                rows++;
                if (batch.Count < Batch) continue;
                BulkRows.Insert(destination, table, columns, batch);
                batch.Clear();
            }
            if (columns is not null) BulkRows.Insert(destination, table, columns, batch);
        }
        return (Tables.Count, rows);
    }
}
