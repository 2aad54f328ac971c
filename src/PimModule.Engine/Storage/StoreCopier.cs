using PimModule.Storage;

namespace PimModule.Storage;

/// <summary>
/// Copies a whole store into another, new one (SQLite → PostgreSQL and back): every table row for row, in one
/// transaction on the destination, so the audit chain (hashes, sequence, head) arrives intact and verifies there.
/// </summary>
internal static class StoreCopier
{
    /// <summary>Tables in an order that respects references; schema_version is the destination's own.</summary>
    private static readonly string[] Tables =
        ["store_info", "roles", "policy_rules", "assignments", "requests", "mfa_methods", "notifications", "audit_log"];

    public static (int Tables, long Rows) Copy(PimStore source, PimStore destination, Action<string, long>? progress)
    {
        if (source.SchemaVersion != destination.SchemaVersion)
            throw PimErrors.StoreSchemaMismatch($"The stores have different schema versions ({source.SchemaVersion} and {destination.SchemaVersion}).",
                destination.Location, "Open both with the same PimModule version.");
        return destination.Write(dst =>
        {
            var foreign = dst.ScalarLong("SELECT COUNT(*) FROM assignments") > 1 || dst.ScalarLong("SELECT COUNT(*) FROM audit_log") > 2
                          || dst.ScalarLong("SELECT COUNT(*) FROM roles WHERE is_built_in = 0") > 0;
            if (foreign)
                throw PimErrors.StoreNotEmpty($"The destination '{destination.Location}' already holds data; a store is copied only into a new, empty one.",
                    destination.Location, "Give a destination that does not exist yet (or an empty database).");
            foreach (var t in Enumerable.Reverse(Tables)) dst.Execute($"DELETE FROM {t}");
            long rows = 0;
            foreach (var table in Tables)
            {
                progress?.Invoke(table, rows);
                var batch = source.Stream(src => src.Stream($"SELECT * FROM {table}", r =>
                {
                    var values = new (string, object?)[r.FieldCount];
                    for (var i = 0; i < r.FieldCount; i++) values[i] = (r.GetName(i), r.IsDBNull(i) ? null : r.GetValue(i));
                    return values;
                }));
                foreach (var row in batch)
                {
                    dst.Insert(table, row);
                    rows++;
                }
            }
            return (Tables.Length, rows);
        });
    }
}
