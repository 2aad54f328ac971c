namespace PimModule.Storage;

/// <summary>
/// The group_members table: the direct members of each group, a user by principal key, a group by its key. What a Verified
/// store trusts is the log's AddGroupMember and RemoveGroupMember records (replayed); this table is what a Lab store reads.
/// No other file writes SQL against group_members.
/// </summary>
internal static class GroupMembersTable
{
    /// <summary>A direct member: a user's principal (<see cref="MemberKey"/> its folded key) or a group's key (both <c>group:&lt;id&gt;</c>).</summary>
    internal sealed record MemberRow(Guid GroupId, string MemberKey, string Member, string AddedBy, DateTime Added);

    private sealed record StoredMember(string GroupId, string MemberKey, string Member, string AddedBy, long AddedUtc)
    {
        public MemberRow ToRow()
        {
            const string T = "group_members";
            var id = StoredValue.Id(GroupId, T, "group_id", MemberKey);
            return new(id, MemberKey, Member, AddedBy, StoredValue.Time(AddedUtc, T, "added_utc", MemberKey));
        }
    }

    private const string MemberSelect = "SELECT group_id, member_key, member, added_by, added_utc FROM group_members";

    /// <summary>Every membership (Test-PimAuditLog compares them with the verified ones).</summary>
    public static List<MemberRow> All(UnitOfWork work) => work.Query<StoredMember>(MemberSelect).ConvertAll(m => m.ToRow());

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

    public static void Add(UnitOfWork work, MemberRow m) => work.Execute(
        "INSERT INTO group_members (group_id, member_key, member, added_by, added_utc) VALUES (@group, @key, @member, @addedBy, @added)",
        new { group = m.GroupId.ToString("D"), key = m.MemberKey, member = m.Member, addedBy = m.AddedBy, added = SqlTypes.Ticks(m.Added) });

    public static void Remove(UnitOfWork work, Guid groupId, string memberKey)
        => work.Execute("DELETE FROM group_members WHERE group_id = @group AND member_key = @key", new { group = groupId.ToString("D"), key = memberKey });

    /// <summary>A group's memberships, and its membership of other groups.</summary>
    public static void RemoveGroup(UnitOfWork work, Guid id)
        => work.Execute("DELETE FROM group_members WHERE group_id = @id OR member_key = @key", new { id = id.ToString("D"), key = PimGroupKey.Of(id) });
}
