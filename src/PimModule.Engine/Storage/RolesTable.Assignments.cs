namespace PimModule.Storage;

/// <summary>What the assignment services ask of the roles table.</summary>
internal static partial class RolesTable
{
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
