namespace PimModule.Storage;

/// <summary>
/// The groups table (New-PimGroup, Add-PimGroupMember, …). What a Verified store trusts is the log's
/// CreateGroup, RemoveGroup, AddGroupMember and RemoveGroupMember records (replayed into the verified state); these tables
/// are what a Lab store reads (the members: GroupMembersTable). No other file writes SQL against groups.
/// </summary>
internal static class GroupsTable
{
    internal sealed record GroupRow(Guid Id, string DisplayName, string? Description, bool IsAssignableToRole, string CreatedBy, DateTime Created);

    private sealed record StoredGroup(string Id, string DisplayName, string? Description, long IsAssignableToRole, string CreatedBy, long CreatedUtc)
    {
        public GroupRow ToRow()
        {
            const string T = "groups";
            var id = StoredValue.Id(Id, T, "id", Id);
            return new(id, DisplayName, Description, IsAssignableToRole != 0, CreatedBy, StoredValue.Time(CreatedUtc, T, "created_utc", id));
        }
    }

    public static List<GroupRow> All(UnitOfWork work)
        => work.Query<StoredGroup>("SELECT id, display_name, description, is_assignable_to_role, created_by, created_utc FROM groups ORDER BY name_key, id").ConvertAll(g => g.ToRow());

    /// <summary>The groups of the given ids (one query).</summary>
    public static List<GroupRow> ByIds(UnitOfWork work, IReadOnlyCollection<Guid> ids)
        => ids.Count == 0 ? [] : work.Query<StoredGroup>("SELECT id, display_name, description, is_assignable_to_role, created_by, created_utc FROM groups " +
            $"WHERE {work.AnyOf("id", "ids")}", new { ids = work.TextList(ids.Select(i => i.ToString("D"))) }).ConvertAll(g => g.ToRow());

    public static void Insert(UnitOfWork work, GroupRow g) => work.Execute(
        "INSERT INTO groups (id, display_name, name_key, description, is_assignable_to_role, created_by, created_utc) " +
        "VALUES (@id, @name, @nameKey, @description, @roleAssignable, @createdBy, @created)",
        new { id = g.Id.ToString("D"), name = g.DisplayName, nameKey = NameKey(g.DisplayName), description = g.Description,
              roleAssignable = g.IsAssignableToRole ? 1L : 0L, createdBy = g.CreatedBy, created = SqlTypes.Ticks(g.Created) });

    /// <summary>Removes a group, its memberships, and its membership of other groups (GroupMembersTable).</summary>
    public static void Delete(UnitOfWork work, Guid id)
    {
        GroupMembersTable.RemoveGroup(work, id);
        work.Execute("DELETE FROM groups WHERE id = @id", new { id = id.ToString("D") });
    }

    /// <summary>How names are compared (one group name, whatever its case): invariant lower case.</summary>
    public static string NameKey(string name) => name.Trim().ToLowerInvariant();
}
