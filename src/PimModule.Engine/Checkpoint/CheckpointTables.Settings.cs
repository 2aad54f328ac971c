using Dapper;
using Microsoft.Data.Sqlite;
using ReviewState = PimModule.Checkpoint.VerifiedState.ReviewState;
using ReviewItemState = PimModule.Checkpoint.VerifiedState.ReviewItemState;

namespace PimModule.Checkpoint;

/// <summary>The checkpoint's tables of role policies, mail settings, directory objects, queued notices and access reviews.</summary>
internal sealed partial class CheckpointTables
{
    // ---- role policies and mail settings -------------------------------------------------------------------

    public VerifiedState.PolicyState? Policy(string roleId)
        => db.QueryFirstOrDefault<VerifiedState.PolicyState>("SELECT role_id, describe, rules FROM verified_policies WHERE role_id = @roleId", new { roleId }, tx);

    /// <summary>Every role's kept rules (those of a role whose last change carried them).</summary>
    public List<(string RoleId, string Rules)> PolicyRules()
        => db.Query<(string RoleId, string Rules)>("SELECT role_id, rules FROM verified_policies WHERE rules IS NOT NULL", transaction: tx).AsList();

    public void PutPolicy(string roleId, string describe, string? rules)
        => db.Execute("INSERT INTO verified_policies (role_id, describe, rules) VALUES (@roleId, @describe, @rules) ON CONFLICT (role_id) DO UPDATE SET " +
                      "describe = excluded.describe, rules = excluded.rules", new { roleId, describe, rules }, tx);

    public void RemovePolicies() => db.Execute("DELETE FROM verified_policies", transaction: tx);

    /// <summary>The mail settings as their last record holds them (null: none).</summary>
    public void PutMail(string? view)
    {
        if (view is null) db.Execute("DELETE FROM verified_mail", transaction: tx);
        else db.Execute("INSERT INTO verified_mail (id, view) VALUES (1, @view) ON CONFLICT (id) DO UPDATE SET view = excluded.view", new { view }, tx);
    }

    // ---- directory objects and queued notices --------------------------------------------------------------

    /// <summary>The object id a principal's key is, if any.</summary>
    public string? DirectoryIdOf(string principalKey)
        => db.QueryFirstOrDefault<string>("SELECT id FROM verified_directory WHERE principal_key = @principalKey", new { principalKey }, tx);

    public string? DirectoryKeyOf(string id)
        => db.QueryFirstOrDefault<string>("SELECT principal_key FROM verified_directory WHERE id = @id", new { id }, tx);

    public void PutDirectoryObject(string id, string userPrincipalName, string principalKey, string? displayName)
        => db.Execute("INSERT INTO verified_directory (id, user_principal_name, principal_key, display_name) VALUES (@id, @userPrincipalName, @principalKey, @displayName) " +
                      "ON CONFLICT (id) DO UPDATE SET user_principal_name = excluded.user_principal_name, principal_key = excluded.principal_key, display_name = excluded.display_name",
            new { id, userPrincipalName, principalKey, displayName }, tx);

    // ---- groups (Groups/GroupRecords.cs decides) -------------------------------------------------------------

    /// <summary>A verified group's facts (the kernel's <see cref="Kernel.GroupFacts"/>), or null.</summary>
    public Kernel.GroupFacts? Group(Guid id)
        => db.QueryFirstOrDefault<long?>("SELECT is_assignable_to_role FROM verified_groups WHERE id = @id", new { id = id.ToString("D") }, tx) is { } flag
            ? new Kernel.GroupFacts(id, flag != 0) : null;

    /// <summary>Whether a principal key (a group's key) holds any verified assignment.</summary>
    public bool HoldsAssignments(string principalKey)
        => db.ExecuteScalar<long>("SELECT COUNT(*) FROM verified_assignments WHERE principal_key = @principalKey", new { principalKey }, tx) > 0;

    public int RoleAssignableGroupCount()
        => db.ExecuteScalar<int>("SELECT COUNT(*) FROM verified_groups WHERE is_assignable_to_role <> 0", transaction: tx);

    public bool IsGroupMember(Guid groupId, string memberKey)
        => db.ExecuteScalar<long>("SELECT COUNT(*) FROM verified_group_members WHERE group_id = @group AND member_key = @memberKey",
            new { group = groupId.ToString("D"), memberKey }, tx) > 0;

    /// <summary>The groups <paramref name="groupId"/> holds as direct members.</summary>
    public IEnumerable<Guid> MemberGroupsOf(Guid groupId)
        => db.Query<string>("SELECT member_key FROM verified_group_members WHERE group_id = @group AND member_key LIKE 'group:%'",
                new { group = groupId.ToString("D") }, tx)
            .Select(k => PimGroupKey.TryParse(k, out var id) ? id : Guid.Empty).Where(id => id != Guid.Empty).ToList();

    private void PutGroup(GroupPut g)
        => db.Execute("INSERT INTO verified_groups (id, display_name, description, is_assignable_to_role, created_by, created_ticks) " +
                      "VALUES (@Id, @DisplayName, @Description, @flag, @CreatedBy, @CreatedTicks)",
            new { g.Id, g.DisplayName, g.Description, flag = g.IsAssignableToRole ? 1L : 0L, g.CreatedBy, g.CreatedTicks }, tx);

    private void DropGroup(string id)
    {
        db.Execute("DELETE FROM verified_group_members WHERE group_id = @id OR member_key = @key", new { id, key = PimGroupKey.Prefix + id }, tx);
        db.Execute("DELETE FROM verified_groups WHERE id = @id", new { id }, tx);
    }

    private void PutGroupMember(GroupMemberPut m)
        => db.Execute("INSERT INTO verified_group_members (group_id, member_key, member, added_by, added_ticks) VALUES (@GroupId, @MemberKey, @Member, @AddedBy, @AddedTicks)", m, tx);

    private void DropGroupMember(string groupId, string memberKey)
        => db.Execute("DELETE FROM verified_group_members WHERE group_id = @groupId AND member_key = @memberKey", new { groupId, memberKey }, tx);

    /// <summary>Queued notices, by id and the digest of what they say (one statement prepared once, bound by position: a bulk batch queues thousands).</summary>
    public void AddNotices(IEnumerable<(string Id, string Digest)> notices)
    {
        var insert = _notice ??= new Storage.Sqlite.SqliteStatement(db, "INSERT INTO verified_notifications (id, digest) VALUES (?1, ?2) ON CONFLICT (id) DO NOTHING");
        foreach (var (id, digest) in notices)
        {
            insert.Text(1, id);
            insert.Text(2, digest);
            insert.Run();
        }
    }

    // ---- access reviews ------------------------------------------------------------------------------------

    public ReviewState? Review(string id) => db.QueryFirstOrDefault<ReviewState>(
        "SELECT " + VerifiedState.ReviewColumns + " FROM verified_reviews WHERE id = @id", new { id = id.ToLowerInvariant() }, tx);

    public ReviewItemState? ReviewItem(string id) => db.QueryFirstOrDefault<ReviewItemState>(
        "SELECT id, review_id, assignment_id, principal_key, recommendation, decision, reviewed_by FROM verified_review_items WHERE id = @id",
        new { id = id.ToLowerInvariant() }, tx);

    /// <summary>The occurrences of a series made so far, in order.</summary>
    public List<ReviewState> Series(string seriesId) => db.Query<ReviewState>(
        "SELECT " + VerifiedState.ReviewColumns + " FROM verified_reviews WHERE series_id = @seriesId ORDER BY occurrence", new { seriesId }, tx).AsList();

    /// <summary>A review started, in progress, with its items not reviewed yet.</summary>
    public void AddReview(ReviewState review, IEnumerable<(string Id, string AssignmentId, string PrincipalKey, string Recommendation)> items)
    {
        db.Execute("INSERT INTO verified_reviews (id, role_id, assignment_type, reviewers, self_review, status, start_ticks, end_ticks, default_decision, auto_apply, recurrence, " +
                   "duration_ticks, series_id, occurrence) VALUES (@Id, @RoleId, @AssignmentType, @Reviewers, @SelfReview, @Status, @StartTicks, @EndTicks, @DefaultDecision, " +
                   "@AutoApply, @Recurrence, @DurationTicks, @SeriesId, @Occurrence)", review, tx);
        foreach (var i in items)
            db.Execute("INSERT INTO verified_review_items (id, review_id, assignment_id, principal_key, recommendation, decision, reviewed_by) " +
                       "VALUES (@Id, @review, @AssignmentId, @PrincipalKey, @Recommendation, 'NotReviewed', NULL) ON CONFLICT (id) DO NOTHING",
                new { i.Id, review = review.Id, i.AssignmentId, i.PrincipalKey, i.Recommendation }, tx);
    }

    public void CompleteReview(string id) => db.Execute("UPDATE verified_reviews SET status = 'Completed' WHERE id = @id", new { id }, tx);

    public void DecideReviewItem(string id, string decision, string reviewedBy)
        => db.Execute("UPDATE verified_review_items SET decision = @decision, reviewed_by = @reviewedBy WHERE id = @id", new { id, decision, reviewedBy }, tx);
}
