namespace PimModule.Storage;

/// <summary>
/// The groups and group_members tables (New-PimGroup, Add-PimGroupMember, …). What a Verified store trusts is the log's
/// CreateGroup, RemoveGroup, AddGroupMember and RemoveGroupMember records (replayed into the verified state); these tables
/// are what a Lab store reads. No other file writes SQL against groups or group_members.
/// </summary>
internal static class GroupsTable
{
    internal sealed record GroupRow(Guid Id, string DisplayName, string? Description, bool IsAssignableToRole, string CreatedBy, DateTime Created);

    /// <summary>A direct member: a user's principal (<see cref="MemberKey"/> its folded key) or a group's key (both <c>group:&lt;id&gt;</c>).</summary>
    internal sealed record MemberRow(Guid GroupId, string MemberKey, string Member, string AddedBy, DateTime Added);

    private sealed record StoredGroup(string Id, string DisplayName, string? Description, long IsAssignableToRole, string CreatedBy, long CreatedUtc)
    {
        public GroupRow ToRow()
        {
            const string T = "groups";
            var id = StoredValue.Id(Id, T, "id", Id);
            return new(id, DisplayName, Description, IsAssignableToRole != 0, CreatedBy, StoredValue.Time(CreatedUtc, T, "created_utc", id));
        }
    }

    private sealed record StoredMember(string GroupId, string MemberKey, string Member, string AddedBy, long AddedUtc)
    {
        public MemberRow ToRow()
        {
            const string T = "group_members";
            var id = StoredValue.Id(GroupId, T, "group_id", MemberKey);
            return new(id, MemberKey, Member, AddedBy, StoredValue.Time(AddedUtc, T, "added_utc", MemberKey));
        }
    }

    public static List<GroupRow> All(UnitOfWork work)
        => work.Query<StoredGroup>("SELECT id, display_name, description, is_assignable_to_role, created_by, created_utc FROM groups ORDER BY name_key, id").ConvertAll(g => g.ToRow());

    private const string MemberSelect = "SELECT group_id, member_key, member, added_by, added_utc FROM group_members";

    /// <summary>A group's direct members (one index lookup).</summary>
    public static List<MemberRow> MembersOf(UnitOfWork work, Guid groupId)
        => work.Query<StoredMember>(MemberSelect + " WHERE group_id = @group", new { group = groupId.ToString("D") }).ConvertAll(m => m.ToRow());

    /// <summary>The groups a member (a principal key, or a group's key) belongs to directly (one index lookup).</summary>
    public static List<(Guid Group, DateTime Added)> GroupsOf(UnitOfWork work, string memberKey)
        => work.Query<(string GroupId, long AddedUtc)>("SELECT group_id, added_utc FROM group_members WHERE member_key = @memberKey", new { memberKey })
            .ConvertAll(m => (StoredValue.Id(m.GroupId, "group_members", "group_id", memberKey), StoredValue.Time(m.AddedUtc, "group_members", "added_utc", memberKey)));

    /// <summary>How many direct members each group has (groups with none are left out).</summary>
    public static Dictionary<Guid, int> MemberCounts(UnitOfWork work)
        => work.Query<(string GroupId, long Count)>("SELECT group_id, COUNT(*) FROM group_members GROUP BY group_id")
            .ToDictionary(c => StoredValue.Id(c.GroupId, "group_members", "group_id", null), c => (int)c.Count);

    public static void Insert(UnitOfWork work, GroupRow g) => work.Execute(
        "INSERT INTO groups (id, display_name, name_key, description, is_assignable_to_role, created_by, created_utc) " +
        "VALUES (@id, @name, @nameKey, @description, @roleAssignable, @createdBy, @created)",
        new { id = g.Id.ToString("D"), name = g.DisplayName, nameKey = NameKey(g.DisplayName), description = g.Description,
              roleAssignable = g.IsAssignableToRole ? 1L : 0L, createdBy = g.CreatedBy, created = SqlTypes.Ticks(g.Created) });

    /// <summary>Removes a group and its memberships, and its membership of other groups.</summary>
    public static void Delete(UnitOfWork work, Guid id)
    {
        var p = new { id = id.ToString("D"), key = PimGroupKey.Of(id) };
        work.Execute("DELETE FROM group_members WHERE group_id = @id OR member_key = @key", p);
        work.Execute("DELETE FROM groups WHERE id = @id", p);
    }

    public static void AddMember(UnitOfWork work, MemberRow m) => work.Execute(
        "INSERT INTO group_members (group_id, member_key, member, added_by, added_utc) VALUES (@group, @key, @member, @addedBy, @added)",
        new { group = m.GroupId.ToString("D"), key = m.MemberKey, member = m.Member, addedBy = m.AddedBy, added = SqlTypes.Ticks(m.Added) });

    public static void RemoveMember(UnitOfWork work, Guid groupId, string memberKey)
        => work.Execute("DELETE FROM group_members WHERE group_id = @group AND member_key = @key", new { group = groupId.ToString("D"), key = memberKey });

    /// <summary>How names are compared (one group name, whatever its case): invariant lower case.</summary>
    public static string NameKey(string name) => name.Trim().ToLowerInvariant();
}
