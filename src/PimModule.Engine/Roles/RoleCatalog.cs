using PimModule.Storage;

namespace PimModule.Roles;

/// <summary>The Entra built-in directory roles (name, template id, privileged, description), shipped as a resource.</summary>
internal static class RoleCatalog
{
    public static readonly Guid GlobalAdministrator = Guid.Parse("62e90394-69f5-4237-9190-012177145e10");
    public static readonly Guid PrivilegedRoleAdministrator = Guid.Parse("e8611ab8-c189-46e8-94e1-60213ab1f814");

    /// <summary>The roles whose active holders administer PIM itself (settings, assignments, default approvers).</summary>
    public static readonly Guid[] RoleAdministrators = [PrivilegedRoleAdministrator, GlobalAdministrator];

    public static readonly Guid SecurityAdministrator = Guid.Parse("194ae4cb-b126-40b2-bd5b-6091b380977d");
    public static readonly Guid SecurityOperator = Guid.Parse("5f2222b1-57c3-48ba-8ad5-d4759f1fde6f");
    public static readonly Guid SecurityReader = Guid.Parse("5d6b6bb7-de71-4623-b4af-96380a352509");
    public static readonly Guid GlobalReader = Guid.Parse("f2ef992c-3afb-46b9-b7cf-a126ee74c451");

    /// <summary>
    /// The roles Graph lets read PIM (its role management and audit APIs): their active holders at '/' read everything
    /// through the module; everyone else reads their own (docs/security.md, "Who may read what").
    /// </summary>
    public static readonly Guid[] PimReaders =
        [PrivilegedRoleAdministrator, GlobalAdministrator, SecurityAdministrator, SecurityOperator, SecurityReader, GlobalReader];

    private static readonly Lazy<IReadOnlyList<PimRole>> Loaded = new(Load);

    public static IReadOnlyList<PimRole> BuiltIn => Loaded.Value;

    private static readonly Lazy<Dictionary<Guid, PimRole>> ById = new(() => Loaded.Value.ToDictionary(r => r.Id));
    private static readonly Lazy<Dictionary<string, PimRole>> ByKey = new(() => Loaded.Value.ToDictionary(r => RoleName.Key(r.Name), StringComparer.Ordinal));

    /// <summary>The built-in role of this id, as the module ships it (null for a custom role).</summary>
    public static PimRole? BuiltInById(Guid id) => ById.Value.GetValueOrDefault(id);

    /// <summary>The built-in role whose name has this key (RoleName.Key), as the module ships it.</summary>
    public static PimRole? BuiltInByNameKey(string key) => ByKey.Value.GetValueOrDefault(key);

    private static IReadOnlyList<PimRole> Load()
    {
        using var s = typeof(RoleCatalog).Assembly.GetManifestResourceStream("PimModule.BuiltInRoles.tsv")
                      ?? throw new InvalidOperationException("The built-in role catalogue is missing from the engine assembly.");
        using var r = new StreamReader(s);
        var roles = new List<PimRole>();
        r.ReadLine(); // header
        while (r.ReadLine() is { } line)
        {
            if (line.Length == 0) continue;
            var f = line.Split('\t');
            roles.Add(new PimRole
            {
                Name = f[0], Id = Guid.Parse(f[1]), IsPrivileged = bool.Parse(f[2]), Description = f[3], IsBuiltIn = true,
            });
        }
        return roles;
    }

    /// <summary>Inserts the catalogue into a new store (in the creating transaction).</summary>
    public static void Seed(UnitOfWork work) => RolesTable.InsertMany(work, BuiltIn.Select(r => new PimRole
    {
        Id = r.Id, Name = r.Name, Description = r.Description, IsBuiltIn = true, IsPrivileged = r.IsPrivileged,
        CreatedDateTime = work.Now, CreatedBy = "PimModule",
    }));
}
