using PimModule.Roles;

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

    // In a Verified store the built-in roles are what the module ships (their names, ids and whether they are privileged):
    // a roles row renamed or flipped around the module does not make "Reports Reader" mean Global Administrator.

    /// <summary>A row as it counts: a built-in role's as the module ships it (Verified stores), any other as stored.</summary>
    private static PimRole Counted(UnitOfWork work, Row r)
    {
        var role = r.ToRole();
        if (work.Verified is null) return role;
        if (RoleCatalog.BuiltInById(r.RoleId) is { } shipped)
            return new PimRole { Id = shipped.Id, Name = shipped.Name, Description = shipped.Description, IsBuiltIn = true, IsPrivileged = shipped.IsPrivileged,
                CreatedDateTime = role.CreatedDateTime, CreatedBy = role.CreatedBy };
        return role;
    }

    /// <summary>Every role, by name (case-insensitive order of the name key).</summary>
    public static List<PimRole> All(UnitOfWork work)
    {
        var roles = work.Query<Row>(Select + " ORDER BY name_key").ConvertAll(r => Counted(work, r));
        // A custom row that took a built-in name (the built-in one renamed away around the module) is not listed as it.
        return work.Verified is null ? roles
            : roles.Where(r => r.IsBuiltIn || RoleCatalog.BuiltInByNameKey(RoleName.Key(r.Name)) is null).OrderBy(r => RoleName.Key(r.Name), StringComparer.Ordinal).ToList();
    }

    private const string ByIdSql = Select + " WHERE role_id = @id";

    public static PimRole? ById(UnitOfWork work, Guid id)
        => work.QueryFirstOrDefault<Row>(ByIdSql, new { id }) is { } r ? Counted(work, r) : null;

    /// <summary><see cref="ById"/>'s question, to send ahead (<see cref="AheadQuery"/>).</summary>
    public static AheadQuery ByIdAhead(Guid id) => AheadQuery.FirstOrDefault<Row>(ByIdSql, new { id });

    /// <summary>
    /// The question <see cref="Roles.RoleService.Find"/> asks first for a reference, to send ahead, with the id it would ask
    /// about; null when it is not known without the store (a custom role's name, a name that is not valid).
    /// </summary>
    public static (AheadQuery Query, Guid Id)? FindAhead(UnitOfWork work, PimRoleReference reference)
    {
        if (reference.Id is { } id) return (ByIdAhead(id), id);
        if (work.Verified is null || reference.Name is null) return null;
        try
        {
            return RoleCatalog.BuiltInByNameKey(RoleName.Key(reference.Name, "Role")) is { } shipped ? (ByIdAhead(shipped.Id), shipped.Id) : null;
        }
        catch (PimException)
        {
            return null; // the read refuses it as ever
        }
    }

    /// <summary>The role whose name has this key (RoleName.Key).</summary>
    public static PimRole? ByNameKey(UnitOfWork work, string key)
    {
        if (work.Verified is not null && RoleCatalog.BuiltInByNameKey(key) is { } shipped) return ById(work, shipped.Id);
        var role = work.QueryFirstOrDefault<Row>(Select + " WHERE name_key = @key", new { key }) is { } r ? Counted(work, r) : null;
        // Verified: a built-in row found under another name is that built-in role, not the name it was given.
        return role is { IsBuiltIn: true } && work.Verified is not null && RoleName.Key(role.Name) != key ? null : role;
    }

    /// <summary>Role names by id (the audit log and the outbox show them), read once per unit of work.</summary>
    public static IReadOnlyDictionary<Guid, string> Names(UnitOfWork work) => work.Memo("roles.names",
        () => (IReadOnlyDictionary<Guid, string>)work.Query<NameRow>("SELECT role_id, name FROM roles")
            .ToDictionary(r => r.RoleId, r => work.Verified is not null && RoleCatalog.BuiltInById(r.RoleId) is { } shipped ? shipped.Name : r.Name));

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
        => Shipped(work, work.Query<Named>("SELECT role_id AS id, name FROM roles ORDER BY name_key"));

    /// <summary>These roles' ids and names (those the store has), in the same order.</summary>
    public static List<Named> InNameOrder(UnitOfWork work, IEnumerable<Guid> ids)
        => Shipped(work, work.Query<Named>("SELECT role_id AS id, name FROM roles WHERE " + work.AnyOf("role_id", "ids") + " ORDER BY name_key",
            new { ids = work.TextList(ids.Select(id => id.ToString("D"))) }));

    /// <summary>Verified stores: built-in roles named as the module ships them, in name order.</summary>
    private static List<Named> Shipped(UnitOfWork work, List<Named> rows) => work.Verified is null ? rows
        : rows.Select(n => RoleCatalog.BuiltInById(n.Id) is { } shipped ? new Named(n.Id, shipped.Name) : n)
            .OrderBy(n => RoleName.Key(n.Name), StringComparer.Ordinal).ToList();
}
