using Xunit;

namespace PimModule.Tests;

/// <summary>
/// The requests table on the active provider: rows round-trip through Dapper, the one "pending" predicate agrees with
/// its in-memory twin at the 24-hour edge, a decision closes only a pending request, and Get-PimRequest's list filters
/// (bound as lists) select what they say.
/// </summary>
public class RequestsTableTests
{
    private static readonly DateTime T0 = new(2026, 1, 5, 9, 0, 0, DateTimeKind.Utc);
    private static readonly Guid Reader = RoleCatalog.BuiltIn.Single(r => r.Name == "Security Reader").Id;
    private static readonly Guid GlobalReader = RoleCatalog.BuiltIn.Single(r => r.Name == "Global Reader").Id;

    private static RequestRow Row(Guid roleId, DateTime created, PimRequestAction action = PimRequestAction.SelfActivate,
        PimRequestStatus status = PimRequestStatus.PendingApproval, string principal = "User1@Contoso.com") => new(
        Ids.New(), action, status, principal, roleId, "/", PimAssignmentType.Active, TimeSpan.FromHours(2), created, created.AddHours(2),
        "why", "T-1", "Jira", principal, created);

    private static void Add(TestStore t, params RequestRow[] rows) => t.Store.Session.Write(work =>
    {
        foreach (var r in rows) RequestsTable.Insert(work, r);
        return 0;
    });

    private static T Read<T>(TestStore t, Func<UnitOfWork, T> read) => t.Store.Session.Write(read);

    /// <summary>A row as it reads back: in stage 1 since it was made, with no decisions yet.</summary>
    private static RequestRow Stored(RequestRow q) => q with { StageStarted = q.StageStart, Decisions = new SqlTypes.AggregateText("") };

    [Fact]
    public void A_row_reads_back_as_it_was_written()
    {
        using var t = new TestStore();
        var full = Row(Reader, T0) with
        {
            ApprovedBy = "approver@contoso.com", DecisionJustification = "ok", Decided = T0.AddMinutes(5), AssignmentId = Ids.New(),
            TargetAssignmentId = Ids.New(), AuthenticationContext = "c1", MfaVerified = true,
        };
        var sparse = new RequestRow(Ids.New(), PimRequestAction.AdminRemove, PimRequestStatus.Provisioned, "admin@contoso.com", Reader, "/x",
            PimAssignmentType.Eligible, null, null, null, null, null, null, "admin@contoso.com", T0);
        Add(t, full, sparse);
        var back = Read(t, work => (RequestsTable.Find(work, full.Id), RequestsTable.Find(work, sparse.Id), RequestsTable.Find(work, Ids.New())));
        Assert.Equal(Stored(full), back.Item1);
        Assert.Equal(Stored(sparse), back.Item2);
        Assert.Null(back.Item3);
        Assert.Equal(DateTimeKind.Utc, back.Item1!.Created.Kind);
    }

    [Fact]
    public void Pending_ends_24_hours_after_the_request_in_sql_and_in_memory_alike()
    {
        using var t = new TestStore();
        var q = Row(Reader, T0);
        Add(t, q);
        foreach (var (at, pending) in new[] { (T0.AddHours(24).AddTicks(-1), true), (T0.AddHours(24), false), (T0.AddHours(30), false) })
        {
            var (count, expired, mine, queue) = Read(t, work => (RequestsTable.CountPendingAt(work, at), RequestsTable.ExpiredUndecidedAt(work, at),
                RequestsTable.PendingActivationsAt(work, "user1@contoso.com", Reader, at), RequestsTable.PendingForRoleAt(work, Reader, at)));
            Assert.Equal(pending, RequestsTable.IsPendingAt(q, at));
            Assert.Equal(pending ? PimRequestStatus.PendingApproval : PimRequestStatus.Expired, RequestsTable.StatusAt(q, at));
            Assert.Equal(pending ? 1 : 0, count);
            Assert.Equal(pending ? 0 : 1, expired.Count);
            Assert.Equal(pending ? 1 : 0, mine.Count);   // the principal key is folded: any spelling finds its requests
            Assert.Equal(pending ? 1 : 0, queue.Count);
        }
    }

    [Fact]
    public void A_request_closes_once_and_only_while_pending()
    {
        using var t = new TestStore();
        var q = Row(Reader, T0);
        var late = Row(Reader, T0.AddHours(-25));
        Add(t, q, late);
        var assignment = Ids.New();
        var (first, second, expired) = Read(t, work => (
            RequestsTable.Close(work, q.Id, PimRequestStatus.Provisioned, "approver@contoso.com", "ok", T0.AddHours(1), assignment, T0.AddHours(1), T0.AddHours(3)),
            RequestsTable.Close(work, q.Id, PimRequestStatus.Denied, "other@contoso.com", "no", T0.AddHours(1)),
            RequestsTable.Close(work, late.Id, PimRequestStatus.Canceled, null, null, T0)));
        Assert.True(first);
        Assert.False(second);
        Assert.False(expired);
        var decided = Read(t, work => RequestsTable.Find(work, q.Id))!;
        Assert.Equal(Stored(q) with
        {
            Status = PimRequestStatus.Provisioned, ApprovedBy = "approver@contoso.com", DecisionJustification = "ok", Decided = T0.AddHours(1),
            AssignmentId = assignment, Start = T0.AddHours(1), End = T0.AddHours(3),
        }, decided);
        Assert.True(Read(t, work => RequestsTable.Expire(work, late)));
        var marked = Read(t, work => RequestsTable.Find(work, late.Id))!;
        Assert.Equal((PimRequestStatus.Expired, RequestsTable.ExpiresAt(late)), (marked.Status, marked.Decided!.Value));
    }

    [Fact]
    public void Listing_filters_by_lists_of_roles_actions_and_statuses()
    {
        using var t = new TestStore();
        var now = T0.AddHours(1);
        var pendingReader = Row(Reader, T0);
        var expiredReader = Row(Reader, T0.AddHours(-30));
        var deniedGlobal = Row(GlobalReader, T0, status: PimRequestStatus.Denied);
        var extendGlobal = Row(GlobalReader, T0.AddMinutes(1), action: PimRequestAction.SelfExtend, principal: "user2@contoso.com");
        Add(t, pendingReader, expiredReader, deniedGlobal, extendGlobal);
        List<Guid> Listed(IReadOnlyCollection<Guid>? roles = null, IReadOnlyCollection<PimRequestAction>? actions = null,
            IReadOnlyCollection<PimRequestStatus>? statuses = null, string? principal = null)
            => Read(t, work => RequestsTable.List(work, now, null, principal, roles, actions, statuses)
                .Where(r => r.Principal != "admin@contoso.com").Select(r => r.Id).ToList());

        Assert.Equal(new[] { expiredReader.Id, pendingReader.Id, deniedGlobal.Id, extendGlobal.Id }, Listed());
        Assert.Equal(new[] { expiredReader.Id, pendingReader.Id, deniedGlobal.Id, extendGlobal.Id }, Listed(roles: [Reader, GlobalReader]));
        Assert.Equal(new[] { deniedGlobal.Id, extendGlobal.Id }, Listed(roles: [GlobalReader]));
        Assert.Equal(new[] { extendGlobal.Id }, Listed(actions: [PimRequestAction.SelfExtend, PimRequestAction.SelfRenew]));
        Assert.Equal(new[] { pendingReader.Id, extendGlobal.Id }, Listed(statuses: [PimRequestStatus.PendingApproval]));
        Assert.Equal(new[] { expiredReader.Id }, Listed(statuses: [PimRequestStatus.Expired]));
        Assert.Equal(new[] { expiredReader.Id, deniedGlobal.Id }, Listed(statuses: [PimRequestStatus.Expired, PimRequestStatus.Denied]));
        Assert.Equal(new[] { pendingReader.Id }, Listed(roles: [Reader], statuses: [PimRequestStatus.PendingApproval, PimRequestStatus.Canceled]));
        Assert.Equal(new[] { extendGlobal.Id }, Listed(principal: "USER2@contoso.com"));
    }
}

/// <summary>An activation never outlives the eligibility it comes from, on every path that makes one.</summary>
public class EligibilityTests
{
    private static readonly PimRoleReference Reader = new("Security Reader");

    [Fact]
    public void An_approved_activation_ends_with_its_eligibility()
    {
        using var t = new TestStore();
        var t0 = t.Clock.GetUtcNow().UtcDateTime;
        t.Store.Settings.Update(Reader, new PimRoleSettingUpdate
        {
            RequireApproval = true, Approvers = ["approver@contoso.com"], ActivationRequirement = PimActivationRequirement.None,
            RequireJustification = false,
        });
        t.Store.Assignments.Assign(PimAssignmentType.Eligible, new PimAssignmentInput
            { Principal = "user1@contoso.com", Role = Reader, EndDateTime = t0.AddHours(3) });
        var r = t.As("user1@contoso.com").Activations.RequestActivation(new PimActivationInput { Role = Reader, Duration = TimeSpan.FromHours(2) })!;
        Assert.Equal(t0.AddHours(2), r.EndDateTime);
        t.Clock.Advance(TimeSpan.FromHours(2));
        var approved = t.As("approver@contoso.com").Activations.Approve(r.RequestId, "ok")!;
        Assert.Equal((t0.AddHours(2), t0.AddHours(3)), (approved.StartDateTime!.Value, approved.EndDateTime!.Value));
        // Read as the administrator: the approver reads the request they decided, not user1's assignments (issue 28, finding 13).
        var active = t.As("admin@contoso.com").Assignments.Query(new PimAssignmentQuery { Principal = "user1@contoso.com", Type = PimAssignmentType.Active }).Single();
        Assert.Equal(t0.AddHours(3), active.EndDateTime);
    }

    [Fact]
    public void Approval_is_refused_when_the_eligibility_is_gone()
    {
        using var t = new TestStore();
        t.Store.Settings.Update(Reader, new PimRoleSettingUpdate
        {
            RequireApproval = true, Approvers = ["approver@contoso.com"], ActivationRequirement = PimActivationRequirement.None,
            RequireJustification = false,
        });
        var eligible = t.Store.Assignments.Assign(PimAssignmentType.Eligible, new PimAssignmentInput { Principal = "user1@contoso.com", Role = Reader })!;
        var r = t.As("user1@contoso.com").Activations.RequestActivation(new PimActivationInput { Role = Reader })!;
        t.As("admin@contoso.com").Assignments.Remove(eligible.AssignmentId);
        var approver = t.As("approver@contoso.com");
        Assert.Equal("PimNotEligible", Assert.Throws<PimException>(() => approver.Activations.Approve(r.RequestId, "ok")).ErrorId);
        Assert.Equal(PimRequestStatus.PendingApproval, approver.Requests.Query(new PimRequestQuery { RequestId = r.RequestId }).Single().Status);
    }
}
