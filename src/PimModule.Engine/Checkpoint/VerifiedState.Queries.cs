using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Dapper;
using Microsoft.Data.Sqlite;
using PimModule.Storage;
using PimModule.Identity;

namespace PimModule.Checkpoint;

/// <summary>What the engine asks of the verified state (the checkpoint): digests, requests, decisions, policies, reviews, and the report's aggregates.</summary>
internal sealed partial class VerifiedState
{
    // ---- what the engine asks ------------------------------------------------------------------------------

    /// <summary>An assignment as the verified log has it (its facts, not its view); null when it has none.</summary>
    public VerifiedAssignment? Assignment(Guid id)
    {
        lock (_gate) return _db.QueryFirstOrDefault<VerifiedAssignment>(VerifiedAssignment.Select + " WHERE id = @id", new { id = id.ToString("D") });
    }

    /// <summary>The digest of an assignment as the verified log has it (of the view the audit log writes); null when it has none.</summary>
    public byte[]? AssignmentDigest(Guid id)
    {
        lock (_gate)
        {
            // The listing asks once per row (up to every assignment of the store): one prepared statement, reused.
            if (_viewById is null)
            {
                _viewById = _db.CreateCommand();
                _viewById.CommandText = "SELECT digest FROM verified_assignments WHERE id = $id";
                _viewId = _viewById.Parameters.Add("$id", SqliteType.Text);
                _viewById.Prepare();
            }
            _viewId!.Value = id.ToString("D");
            return _viewById.ExecuteScalar() as byte[];
        }
    }

    /// <summary>
    /// The digests of every verified assignment of a role, read in one pass (the listing goes role by role over up to every
    /// assignment of the store: one sequential read per role instead of a lookup per row).
    /// </summary>
    public Dictionary<Guid, byte[]> DigestsOfRole(Guid roleId)
    {
        lock (_gate)
        {
            var digests = new Dictionary<Guid, byte[]>();
            using var cmd = _db.CreateCommand();
            cmd.CommandText = "SELECT id, digest FROM verified_assignments WHERE role_id = $role";
            cmd.Parameters.AddWithValue("$role", roleId.ToString("D"));
            using var reader = cmd.ExecuteReader();
            while (reader.Read())
                if (Guid.TryParse(reader.GetString(0), out var id)) digests[id] = (byte[])reader.GetValue(1);
            return digests;
        }
    }

    /// <summary>What the checkpoint keeps of an assignment's view: its SHA-256.</summary>
    public static byte[] DigestOf(string view) => SHA256.HashData(Encoding.UTF8.GetBytes(view));

    /// <summary>The size of <see cref="DigestOf(string)"/>.</summary>
    public const int DigestSize = SHA256.HashSizeInBytes;

    /// <summary><see cref="DigestOf(string)"/> into <paramref name="digest"/> (<see cref="DigestSize"/> bytes), with nothing allocated for a short view.</summary>
    public static void DigestOf(string view, Span<byte> digest)
    {
        var max = Encoding.UTF8.GetMaxByteCount(view.Length);
        byte[]? rented = null;
        var utf8 = max <= 1024 ? stackalloc byte[1024] : (rented = System.Buffers.ArrayPool<byte>.Shared.Rent(max));
        try
        {
            var n = Encoding.UTF8.GetBytes(view, utf8);
            SHA256.HashData(utf8[..n], digest);
        }
        finally
        {
            if (rented is not null) System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// True when the store's row is the assignment as the verified log has it — and, for an activation, while the eligible
    /// assignment it came from still covers it as the verified log has that one (removing or shortening an eligibility ends
    /// its activations, whatever a row says).
    /// </summary>
    public bool Believes(AssignmentRow a)
        => AssignmentDigest(a.Id) is { } d && d.AsSpan().SequenceEqual(DigestOf(Audit.Events.AssignmentView.Of(a).Json)) && EligibilityHolds(a);

    /// <summary>
    /// For an activation: the verified eligibility it names (or, when it names none — earlier versions, or a modified
    /// module's — some verified eligibility of its principal and role) still holds it (the kernel's
    /// <see cref="Kernel.EligibilityRules.Holds"/>). True for anything else.
    /// </summary>
    public bool EligibilityHolds(AssignmentRow a)
    {
        if (a.MemberType != PimMemberType.Activated) return true;
        lock (_gate)
        {
            if (a.EligibleId is not { } eligibleId)
                return _db.Query<VerifiedAssignment>(VerifiedAssignment.Select + " WHERE principal_key = @p AND role_id = @r AND type = 'Eligible'",
                        new { p = a.PrincipalKey, r = a.RoleId.ToString("D") }).Any(e => Kernel.EligibilityRules.Holds(e, a));
            return _db.QueryFirstOrDefault<VerifiedAssignment>(VerifiedAssignment.Select + " WHERE id = @id", new { id = eligibleId.ToString("D") }) is { } named
                   && Kernel.EligibilityRules.Holds(named, a);
        }
    }

    private SqliteCommand? _viewById;
    private SqliteParameter? _viewId;


    /// <summary>A request as the verified log has it (self-service requests: activation, extension, renewal).</summary>
    /// <remarks>
    /// Justification and TicketNumber are what the requester wrote, as sealed (what an approver reads and decides on);
    /// TextsSealed is 0 for a request whose record did not carry them (a store written before they were sealed).
    /// </remarks>
    internal sealed record RequestState(string Id, string Action, string Status, string PrincipalKey, string RoleId, string? Scope,
        string? TargetId, string? AssignmentId, long CreatedTicks, long? DurationTicks, long Stage, long StageStartedTicks,
        string? Justification, string? TicketNumber, long TextsSealed);

    public const string RequestColumns = "id, action, status, principal_key, role_id, scope, target_id, assignment_id, created_ticks, duration_ticks, stage, stage_started_ticks, " +
                                         "justification, ticket_number, texts_sealed";

    public RequestState? Request(Guid id)
    {
        lock (_gate) return _db.QueryFirstOrDefault<RequestState>(
            "SELECT " + RequestColumns + " FROM verified_requests WHERE id = @id",
            new { id = id.ToString("D") });
    }

    /// <summary>True when a decision row is as the verified log has it: by an approver entitled for its stage, counted there.</summary>
    public bool Believes(Storage.RequestApprovalsTable.Row r)
    {
        lock (_gate)
        {
            var v = _db.QueryFirstOrDefault<DecisionState>(
                "SELECT stage, decision, decided_ticks FROM verified_decisions WHERE request_id = @id AND approver_key = @key",
                new { id = r.RequestId.ToString("D"), key = r.Key });
            return v is { } d && r.Key == Principal.Fold(r.Approver) && d.Stage == r.Stage && d.Decision == r.Decision && d.DecidedTicks == Storage.SqlTypes.Ticks(r.Decided);
        }
    }

    /// <summary>When each of the principals last acted, by the verified records (up to the verified head).</summary>
    public Dictionary<string, DateTime> LastActed(IReadOnlyCollection<string> actorKeys)
    {
        lock (_gate)
        {
            var all = _db.Query<(string Key, long Ticks)>("SELECT actor_key, last_ticks FROM verified_activity").ToList();
            var asked = actorKeys as IReadOnlySet<string> ?? actorKeys.ToHashSet(StringComparer.Ordinal);
            return all.Where(r => asked.Contains(r.Key)).ToDictionary(r => r.Key, r => new DateTime(r.Ticks, DateTimeKind.Utc), StringComparer.Ordinal);
        }
    }

    internal sealed record DecisionState(long Stage, string Decision, long DecidedTicks);

    /// <summary>True when the store's request row is as the verified log has it (what decides who may act on it).</summary>
    public bool Believes(Requests.RequestRow q)
    {
        if (Request(q.Id) is not { } v) return false;
        return v.Action == q.Action.ToString() && v.Status == q.Status.ToString() && v.PrincipalKey == Principal.Fold(q.Principal)
               && Guid.TryParse(v.RoleId, out var role) && role == q.RoleId
               && (v.Scope is null || string.Equals(v.Scope, q.Scope, StringComparison.Ordinal))
               && (v.TargetId is null || string.Equals(v.TargetId, q.TargetAssignmentId?.ToString("D"), StringComparison.OrdinalIgnoreCase))
               && (v.AssignmentId is null || string.Equals(v.AssignmentId, q.AssignmentId?.ToString("D"), StringComparison.OrdinalIgnoreCase))
               && v.CreatedTicks == Storage.SqlTypes.Ticks(q.Created)
               && (v.DurationTicks is null || v.DurationTicks == q.Duration?.Ticks)
               && v.Stage == q.Stage && v.StageStartedTicks == Storage.SqlTypes.Ticks(q.StageStart)
               // What the approver reads: the justification and ticket the requester sealed, not a row rewritten since.
               && (v.TextsSealed == 0 || (string.Equals(v.Justification, q.Justification, StringComparison.Ordinal)
                                          && string.Equals(v.TicketNumber, q.TicketNumber, StringComparison.Ordinal)));
    }

    /// <summary>A role's policy as an administrator sealed it last: its rules (null for records from before they were logged) and its description.</summary>
    internal sealed record PolicyState(string RoleId, string Describe, string? Rules);

    public PolicyState? Policy(Guid roleId)
    {
        lock (_gate) return _db.QueryFirstOrDefault<PolicyState>("SELECT role_id, describe, rules FROM verified_policies WHERE role_id = @id", new { id = roleId.ToString("D") });
    }

    /// <summary>A group as administrators made it (CreateGroup records).</summary>
    internal sealed record GroupState(string Id, string DisplayName, string? Description, long IsAssignableToRole, string CreatedBy, long CreatedTicks);

    /// <summary>A direct membership as administrators made it (AddGroupMember records).</summary>
    internal sealed record GroupMemberState(string GroupId, string MemberKey, string Member, string AddedBy, long AddedTicks);

    /// <summary>The verified groups of the given ids.</summary>
    public IReadOnlyList<GroupState> GroupsByIds(IReadOnlyCollection<string> ids)
    {
        lock (_gate) return _db.Query<GroupState>("SELECT id, display_name, description, is_assignable_to_role, created_by, created_ticks FROM verified_groups WHERE id IN @ids", new { ids }).ToList();
    }

    public IReadOnlyList<GroupState> Groups()
    {
        lock (_gate) return _db.Query<GroupState>("SELECT id, display_name, description, is_assignable_to_role, created_by, created_ticks FROM verified_groups").ToList();
    }

    /// <summary>Whether a principal key (a group's key) holds any verified assignment.</summary>
    public bool HoldsAssignments(string principalKey)
    {
        lock (_gate) return _db.ExecuteScalar<long>("SELECT COUNT(*) FROM verified_assignments WHERE principal_key = @principalKey", new { principalKey }) > 0;
    }

    /// <summary>Every verified membership (Test-PimAuditLog compares the store's rows with them).</summary>
    public IReadOnlyList<GroupMemberState> AllGroupMembers()
    {
        lock (_gate) return _db.Query<GroupMemberState>("SELECT group_id, member_key, member, added_by, added_ticks FROM verified_group_members").ToList();
    }

    public IReadOnlyList<GroupMemberState> GroupMembersOf(string groupId)
    {
        lock (_gate) return _db.Query<GroupMemberState>("SELECT group_id, member_key, member, added_by, added_ticks FROM verified_group_members WHERE group_id = @groupId", new { groupId }).ToList();
    }

    /// <summary>The groups a member (a principal key, or a group's key) belongs to directly.</summary>
    public IReadOnlyList<(string GroupId, long AddedTicks)> GroupsOf(string memberKey)
    {
        lock (_gate) return _db.Query<(string, long)>("SELECT group_id, added_ticks FROM verified_group_members WHERE member_key = @memberKey", new { memberKey }).ToList();
    }

    public IReadOnlyList<(string GroupId, long Count)> GroupMemberCounts()
    {
        lock (_gate) return _db.Query<(string, long)>("SELECT group_id, COUNT(*) FROM verified_group_members GROUP BY group_id").ToList();
    }

    /// <summary>A directory object as an administrator imported it (ImportDirectoryObject records).</summary>
    internal sealed record DirectoryState(string Id, string UserPrincipalName, string PrincipalKey, string? DisplayName);

    private const string DirectorySelect = "SELECT id, user_principal_name, principal_key, display_name FROM verified_directory";

    public IReadOnlyList<DirectoryState> DirectoryObjects()
    {
        lock (_gate) return _db.Query<DirectoryState>(DirectorySelect + " ORDER BY principal_key").ToList();
    }

    public DirectoryState? DirectoryById(string id)
    {
        lock (_gate) return _db.QueryFirstOrDefault<DirectoryState>(DirectorySelect + " WHERE id = @id", new { id });
    }

    public DirectoryState? DirectoryByKey(string principalKey)
    {
        lock (_gate) return _db.QueryFirstOrDefault<DirectoryState>(DirectorySelect + " WHERE principal_key = @principalKey", new { principalKey });
    }

    /// <summary>An access review as the verified log has it (reviewers: their canonical keys, in order).</summary>
    internal sealed record ReviewState(string Id, string RoleId, string AssignmentType, string Reviewers, long SelfReview, string Status,
        long StartTicks, long EndTicks, string DefaultDecision, long AutoApply, string Recurrence, long DurationTicks, string SeriesId, long Occurrence)
    {
        /// <summary>The occurrence as its schedule has it (what <see cref="Kernel.ReviewRules.DecideOccurrence"/> judges).</summary>
        public Kernel.ReviewOccurrence AsOccurrence() => new(Guid.Parse(RoleId), Enum.Parse<PimAccessReviewAssignmentType>(AssignmentType),
            Enum.Parse<PimAccessReviewRecurrence>(Recurrence), TimeSpan.FromTicks(DurationTicks), (int)Occurrence,
            new DateTime(StartTicks, DateTimeKind.Utc), new DateTime(EndTicks, DateTimeKind.Utc));
    }

    public const string ReviewColumns =
        "id, role_id, assignment_type, reviewers, self_review, status, start_ticks, end_ticks, default_decision, auto_apply, recurrence, duration_ticks, series_id, occurrence";

    /// <summary>A series' first occurrence (its anchor) and its latest, as the verified log has them.</summary>
    public (ReviewState First, ReviewState Latest)? Series(Guid seriesId)
    {
        lock (_gate)
        {
            var rows = _db.Query<ReviewState>("SELECT " + ReviewColumns + " FROM verified_reviews WHERE series_id = @id ORDER BY occurrence", new { id = seriesId.ToString("D") }).ToList();
            return rows.Count == 0 ? null : (rows[0], rows[^1]);
        }
    }

    /// <summary>An access review item as the verified log has it (reviewed_by: the decider's key).</summary>
    internal sealed record ReviewItemState(string Id, string ReviewId, string AssignmentId, string PrincipalKey, string Recommendation, string Decision,
        string? ReviewedBy);

    public ReviewState? Review(Guid id)
    {
        lock (_gate) return _db.QueryFirstOrDefault<ReviewState>(
            "SELECT " + ReviewColumns + " FROM verified_reviews WHERE id = @id", new { id = id.ToString("D") });
    }

    public IReadOnlyList<ReviewItemState> ReviewItems(Guid reviewId)
    {
        lock (_gate) return _db.Query<ReviewItemState>(
            "SELECT id, review_id, assignment_id, principal_key, recommendation, decision, reviewed_by FROM verified_review_items WHERE review_id = @id",
            new { id = reviewId.ToString("D") }).ToList();
    }

    /// <summary>True when the store's review row is the review as the verified log has it.</summary>
    public bool Believes(ReviewRow r)
        => Review(r.Id) is { } v && Guid.TryParse(v.RoleId, out var role) && role == r.RoleId && v.AssignmentType == r.AssignmentType.ToString()
           && v.Status == r.Status && (v.SelfReview != 0) == r.SelfReview && v.StartTicks == Storage.SqlTypes.Ticks(r.Start)
           && v.EndTicks == Storage.SqlTypes.Ticks(r.End) && v.DefaultDecision == r.DefaultDecision.ToString() && (v.AutoApply != 0) == r.AutoApply
           && v.Recurrence == r.Recurrence.ToString() && v.DurationTicks == r.Duration.Ticks && v.Occurrence == r.Occurrence
           && Guid.TryParse(v.SeriesId, out var series) && series == r.SeriesId
           && (JsonSerializer.Deserialize<string[]>(v.Reviewers) ?? []).SequenceEqual(
               r.Reviewers.Select(Principal.Fold).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal));

    /// <summary>True when the store's item row is the item as the verified log has it (its decision and decider too).</summary>
    public static bool Matches(ReviewItemState v, ReviewItemRow i)
        => Guid.TryParse(v.ReviewId, out var review) && review == i.ReviewId && Guid.TryParse(v.AssignmentId, out var a) && a == i.AssignmentId
           && v.PrincipalKey == i.PrincipalKey && v.Recommendation == i.Recommendation.ToString() && v.Decision == i.Decision.ToString()
           && v.ReviewedBy == (i.ReviewedBy is { } by ? Principal.Fold(by) : null);

    /// <summary>The mail settings as an administrator sealed them last (as the audit log wrote them); null when none was.</summary>
    public string? Mail()
    {
        lock (_gate) return _db.QueryFirstOrDefault<string>("SELECT view FROM verified_mail WHERE id = 1");
    }

    /// <summary>True when a verified change queued this outbox message with this content.</summary>
    public bool HasNotification(Guid id, string digest)
    {
        lock (_gate) return _db.QueryFirstOrDefault<string>("SELECT digest FROM verified_notifications WHERE id = @id", new { id = id.ToString("D") }) == digest;
    }

    /// <summary>Every verified assignment's id and view, in id order (Test-PimAuditLog compares the store's rows with them).</summary>
    public IEnumerable<(string Id, byte[] Digest)> AllAssignments()
    {
        lock (_gate) return _db.Query<(string, byte[])>("SELECT id, digest FROM verified_assignments ORDER BY id").ToList();
    }

    public IReadOnlyList<PolicyState> AllPolicies()
    {
        lock (_gate) return _db.Query<PolicyState>("SELECT role_id, describe, rules FROM verified_policies ORDER BY role_id").ToList();
    }

    /// <summary>The sealed changes whose actors were not entitled to them (they count for nothing), in chain order.</summary>
    public IReadOnlyList<(long Sequence, string Kind, string? Id, string Reason, string Problem)> Refused()
    {
        lock (_gate) return _db.Query<(long, string, string?, string, string)>("SELECT sequence, kind, id, reason, problem FROM verified_refused ORDER BY sequence").ToList();
    }

    /// <summary>The digest of an outbox message's content: what its QueueNotifications record holds.</summary>
    public static string Digest(Guid id, string recipient, string subject, string body, string evt, bool critical)
    {
        var text = string.Join("\u001f", id.ToString("D"), Principal.Fold(recipient), evt, critical ? "1" : "0", subject, body);
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text))).ToLowerInvariant();
    }

    // ---- Export-PimReport: the same aggregates as the store's tables answer, over the verified state -------------

    /// <summary>Provisioned activation requests made in [from, to), by role and UTC day.</summary>
    public List<Reports.DailyCount> ActivationsPerDay(DateTime from, DateTime to)
    {
        lock (_gate) return _db.Query<Reports.DailyCount>(
            "SELECT role_id AS role, created_ticks / " + Reports.DailyCount.TicksPerDay + " AS day, COUNT(*) AS count FROM verified_requests " +
            "WHERE action = 'SelfActivate' AND created_ticks >= @from AND created_ticks < @to AND status = 'Provisioned' " +
            "GROUP BY role_id, created_ticks / " + Reports.DailyCount.TicksPerDay, new { from = from.Ticks, to = to.Ticks }).AsList();
    }

    /// <summary>Time from request to approval per role (count, median, 90th percentile by nearest rank, in ticks).</summary>
    public List<Reports.ApprovalWait> ApprovalWaits(DateTime from, DateTime to)
    {
        lock (_gate) return _db.Query<Reports.ApprovalWait>(
            "WITH w AS (SELECT role_id, decided_ticks - created_ticks AS wait FROM verified_requests " +
            "  WHERE action = 'SelfActivate' AND created_ticks >= @from AND created_ticks < @to AND status = 'Provisioned' AND decided_ticks IS NOT NULL), " +
            "r AS (SELECT role_id, wait, ROW_NUMBER() OVER (PARTITION BY role_id ORDER BY wait) AS k, COUNT(*) OVER (PARTITION BY role_id) AS n FROM w) " +
            "SELECT role_id AS role, MAX(n) AS count, MAX(CASE WHEN k = (n + 1) / 2 THEN wait END) AS median, " +
            "MAX(CASE WHEN k = (9 * n + 9) / 10 THEN wait END) AS p90 FROM r GROUP BY role_id", new { from = from.Ticks, to = to.Ticks }).AsList();
    }

    /// <summary>The principals (keys) with the most activation requests made in [from, to).</summary>
    public List<Reports.RequesterCount> TopRequesters(DateTime from, DateTime to, int max)
    {
        lock (_gate) return _db.Query<Reports.RequesterCount>(
            "SELECT principal_key AS principal, COUNT(*) AS count FROM verified_requests WHERE action = 'SelfActivate' " +
            "AND created_ticks >= @from AND created_ticks < @to GROUP BY principal_key ORDER BY COUNT(*) DESC, principal_key LIMIT @max",
            new { from = from.Ticks, to = to.Ticks, max = (long)max }).AsList();
    }

    /// <summary>The latest activation requests made in [from, to), newest first.</summary>
    public List<RequestState> LatestActivations(DateTime from, DateTime to, int max)
    {
        lock (_gate) return _db.Query<RequestState>(
            "SELECT " + RequestColumns + " FROM verified_requests " +
            "WHERE action = 'SelfActivate' AND created_ticks >= @from AND created_ticks < @to ORDER BY created_ticks DESC, id LIMIT @max",
            new { from = from.Ticks, to = to.Ticks, max = (long)max }).AsList();
    }

    /// <summary>Every verified assignment by type, member type and state at <paramref name="at"/>.</summary>
    public List<Reports.AssignmentCount> CountByTypeAndState(DateTime at)
    {
        const string State = "CASE WHEN start_ticks > @at THEN 'Scheduled' WHEN end_ticks IS NOT NULL AND end_ticks <= @at THEN 'Expired' ELSE 'Active' END";
        lock (_gate) return _db.Query<Reports.AssignmentCount>(
            $"SELECT type, member_type, {State} AS state, COUNT(*) AS count FROM verified_assignments GROUP BY type, member_type, {State}",
            new { at = at.Ticks }).AsList();
    }

    /// <summary>Verified direct assignments of the given roles not ended at <paramref name="at"/>: permanent and time-bound, by role and type.</summary>
    public List<Reports.PermanenceCount> PermanenceOfRoles(IReadOnlyCollection<Guid> roles, DateTime at)
    {
        if (roles.Count == 0) return [];
        lock (_gate) return _db.Query<Reports.PermanenceCount>(
            "SELECT role_id AS role, type, SUM(CASE WHEN end_ticks IS NULL THEN 1 ELSE 0 END) AS permanent, " +
            "SUM(CASE WHEN end_ticks IS NULL THEN 0 ELSE 1 END) AS time_bound FROM verified_assignments " +
            "WHERE role_id IN (SELECT value FROM json_each(@roles)) AND member_type = 'Direct' AND (end_ticks IS NULL OR end_ticks > @at) GROUP BY role_id, type",
            new { roles = JsonSerializer.Serialize(roles.Select(r => r.ToString("D"))), at = at.Ticks }).AsList();
    }
}
