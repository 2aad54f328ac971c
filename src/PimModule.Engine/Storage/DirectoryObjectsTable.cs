namespace PimModule.Storage;

/// <summary>
/// The directory_objects table: the tenant's users by object id (Import-PimDirectoryObject). What a Verified store trusts is
/// the log's ImportDirectoryObject records (replayed into the verified state); this table is what a Lab store reads.
/// No other file writes SQL against directory_objects.
/// </summary>
internal static class DirectoryObjectsTable
{
    internal sealed record Row(string Id, string UserPrincipalName, string PrincipalKey, string? DisplayName, string ImportedBy, DateTime ImportedUtc);

    private const string Select = "SELECT id, user_principal_name, principal_key, display_name, imported_by, imported_utc FROM directory_objects";

    public static List<Row> All(UnitOfWork work) => work.Query<Row>(Select + " ORDER BY principal_key");

    public static Row? ById(UnitOfWork work, Guid id) => work.QueryFirstOrDefault<Row>(Select + " WHERE id = @id", new { id = id.ToString("D") });

    public static Row? ByPrincipalKey(UnitOfWork work, string principalKey)
        => work.QueryFirstOrDefault<Row>(Select + " WHERE principal_key = @principalKey", new { principalKey });

    /// <summary>The rows of the given ids (one query).</summary>
    public static List<Row> ByIds(UnitOfWork work, IReadOnlyCollection<string> ids)
        => ids.Count == 0 ? [] : work.Query<Row>(Select + $" WHERE {work.AnyOf("id", "ids")}", new { ids = work.TextList(ids) });

    /// <summary>The rows of the given principal keys (one query).</summary>
    public static List<Row> ByPrincipalKeys(UnitOfWork work, IReadOnlyCollection<string> keys)
        => keys.Count == 0 ? [] : work.Query<Row>(Select + $" WHERE {work.AnyOf("principal_key", "keys")}", new { keys = work.TextList(keys) });

    public static void Upsert(UnitOfWork work, Row r) => work.Execute(
        "INSERT INTO directory_objects (id, user_principal_name, principal_key, display_name, imported_by, imported_utc) " +
        "VALUES (@Id, @UserPrincipalName, @PrincipalKey, @DisplayName, @ImportedBy, @ImportedUtc) " +
        "ON CONFLICT (id) DO UPDATE SET user_principal_name = excluded.user_principal_name, display_name = excluded.display_name, " +
        "imported_by = excluded.imported_by, imported_utc = excluded.imported_utc", r);
}
