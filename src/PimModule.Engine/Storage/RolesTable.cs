namespace PimModule.Storage;

/// <summary>
/// The roles table: its SQL, its row type and its named predicates. No other file writes SQL against roles.
/// </summary>
internal static partial class RolesTable
{
    /// <summary>A roles row as read (name_key is derived from the name and not read back).</summary>
    internal sealed record Row(Guid RoleId, string Name, string Description, bool IsBuiltIn, bool IsPrivileged, DateTime CreatedUtc, string CreatedBy)
    {
        public PimRole ToRole() => new()
        {
            Id = RoleId, Name = Name, Description = Description, IsBuiltIn = IsBuiltIn, IsPrivileged = IsPrivileged,
            CreatedDateTime = CreatedUtc, CreatedBy = CreatedBy,
        };
    }

    private const string Select = "SELECT role_id, name, description, is_built_in, is_privileged, created_utc, created_by FROM roles";

    private static readonly string[] Columns =
        ["role_id", "name", "name_key", "description", "is_built_in", "is_privileged", "created_utc", "created_by"];

    /// <summary>Every role, by name (case-insensitive order of the name key).</summary>
    public static List<PimRole> All(UnitOfWork work) => work.Query<Row>(Select + " ORDER BY name_key").ConvertAll(r => r.ToRole());

    public static PimRole? ById(UnitOfWork work, Guid id) => work.QueryFirstOrDefault<Row>(Select + " WHERE role_id = @id", new { id })?.ToRole();

    /// <summary>The role whose name has this key (RoleName.Key).</summary>
    public static PimRole? ByNameKey(UnitOfWork work, string key) => work.QueryFirstOrDefault<Row>(Select + " WHERE name_key = @key", new { key })?.ToRole();

    /// <summary>Role names by id (the audit log and the outbox show them), read once per unit of work.</summary>
    public static IReadOnlyDictionary<Guid, string> Names(UnitOfWork work) => work.Memo("roles.names",
        () => (IReadOnlyDictionary<Guid, string>)work.Query<NameRow>("SELECT role_id, name FROM roles").ToDictionary(r => r.RoleId, r => r.Name));

    private sealed record NameRow(Guid RoleId, string Name);

    public static void Insert(UnitOfWork work, PimRole role) => work.Execute(
        "INSERT INTO roles (role_id, name, name_key, description, is_built_in, is_privileged, created_utc, created_by) " +
        "VALUES (@Id, @Name, @NameKey, @Description, @IsBuiltIn, @IsPrivileged, @CreatedDateTime, @CreatedBy)",
        new { role.Id, role.Name, NameKey = RoleName.Key(role.Name), role.Description, role.IsBuiltIn, role.IsPrivileged, role.CreatedDateTime, role.CreatedBy });

    /// <summary>Inserts many roles at once (the built-in catalogue of a new store).</summary>
    public static void InsertMany(UnitOfWork work, IEnumerable<PimRole> roles) => BulkRows.Insert(work, "roles", Columns,
        roles.Select(r => new object?[] { r.Id, r.Name, RoleName.Key(r.Name), r.Description, r.IsBuiltIn, r.IsPrivileged, r.CreatedDateTime, r.CreatedBy })
            .ToList());

    public static int Delete(UnitOfWork work, Guid id) => work.Execute("DELETE FROM roles WHERE role_id = @id", new { id });

    public static long Count(UnitOfWork work) => work.Scalar<long>("SELECT COUNT(*) FROM roles");

    public static long CustomCount(UnitOfWork work) => work.Scalar<long>("SELECT COUNT(*) FROM roles WHERE is_built_in = 0");

    /// <summary>A role's id and display name.</summary>
    internal sealed record Named(Guid Id, string Name);

    /// <summary>
    /// Every role's id and name, in the listing order of assignments (by name key): Get-PimAssignment names the roles of
    /// the rows it lists from this, instead of joining roles to each row.
    /// </summary>
    public static List<Named> InNameOrder(UnitOfWork work)
        => work.Query<Named>("SELECT role_id AS id, name FROM roles ORDER BY name_key");

    /// <summary>These roles' ids and names (those the store has), in the same order.</summary>
    public static List<Named> InNameOrder(UnitOfWork work, IEnumerable<Guid> ids)
        => work.Query<Named>("SELECT role_id AS id, name FROM roles WHERE " + work.AnyOf("role_id", "ids") + " ORDER BY name_key",
            new { ids = work.TextList(ids.Select(id => id.ToString("D"))) });
}
