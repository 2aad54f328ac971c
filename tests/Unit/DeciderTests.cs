using System.Text.Json;
using PimModule.Audit.Events;
using PimModule.Checkpoint;
using PimModule.Identity.Keys;
using PimModule.Policy;
using PimModule.Requests;
using PimModule.Reviews;
using PimModule.Verification;
using Xunit;

namespace PimModule.Tests;

/// <summary>
/// Issue 29, part 4: each kind of sealed record has one decider beside its writer (AssignmentRecords, RequestRecords,
/// ReviewRecords, SettingRecords). Given a verified state (the checkpoint's changes, applied as the replay applies them),
/// When a record sealed by someone at a time is decided, Then it counts and changes the state so, or it counts for nothing
/// and the reason says why. No store and no chain: a checkpoint in memory, and the decider.
/// </summary>
public sealed class DeciderTests : IDisposable
{
    private static readonly DateTime T0 = new(2026, 12, 7, 9, 0, 0, DateTimeKind.Utc);
    private static readonly string Reader = RoleCatalog.BuiltIn.First(r => r.Name == "Security Reader").Id.ToString("D");
    private static readonly string Pra = RoleCatalog.PrivilegedRoleAdministrator.ToString("D");
    private const string Admin = "admin@contoso.com", User = "user@contoso.com", Other = "other@contoso.com";

    private readonly VerifiedState _state;
    private readonly Microsoft.Data.Sqlite.SqliteTransaction _tx;
    private readonly CheckpointTables _view;
    private long _sequence;

    public DeciderTests()
    {
        Storage.SqlTypes.Register(); // as opening a store does: the checkpoint's columns map to the records' members
        _state = VerifiedState.InMemory(CheckpointSync.Instance);
        _tx = _state.Db.BeginTransaction();
        _view = new CheckpointTables(_state.Db, _tx);
        // Given: an administrator (a permanent active Privileged Role Administrator at the root) and an eligible user.
        Given(new AssignmentPut(Assignment(Admin, Pra, "Active", "Direct", T0.AddDays(-30), null)),
            new AssignmentPut(Assignment(User, Reader, "Eligible", "Direct", T0.AddDays(-30), T0.AddDays(30))));
    }

    public void Dispose()
    {
        _view.Dispose();
        _tx.Dispose();
        _state.Dispose();
    }

    // ---- Given / When ---------------------------------------------------------------------------------------

    private void Given(params CheckpointChange[] changes)
    {
        foreach (var c in changes) _view.Evolve(c);
    }

    private static VerifiedAssignment Assignment(string who, string role, string type, string member, DateTime start, DateTime? end, Guid? id = null,
        string scope = "/")
    {
        var view = new AssignmentView(id ?? Guid.NewGuid(), who, Guid.Parse(role), scope, type, member, start, end, "because", null, null, null);
        return AssignmentRecords.ToView(view.AssignmentId!.Value.ToString("D"), JsonSerializer.Serialize(view))!;
    }

    private SealedRecord Record(string action, string targetType, string? targetId, object? after, DateTime at, string? principal = null, string? role = null)
        => new(++_sequence, "h", action, "x", after is null ? null : after as string ?? JsonSerializer.Serialize(after), targetType, targetId, at.Ticks, principal, role);

    private static SealContext By(string actor, DateTime at, long transaction = 1) => new(actor, transaction, false, at.Ticks);

    private static void Counts(RecordVerdict v) => Assert.True(v.Refusal is null, $"it counts for nothing: {v.Refusal}");

    private static void Refused(RecordVerdict v, string because)
    {
        Assert.NotNull(v.Refusal);
        Assert.Contains(because, v.Refusal);
        Assert.Empty(v.Changes);
    }

    private RecordVerdict WhenAssigned(string action, string by, VerifiedAssignment a, DateTime at)
        => AssignmentRecords.Decide(Record(action, "Assignment", a.Id, a.Json, at, a.PrincipalKey, a.RoleId), By(by, at), _view);

    // ---- assignments ----------------------------------------------------------------------------------------

    [Fact]
    public void An_administrators_change_is_an_administrators()
    {
        var a = Assignment(Other, Reader, "Active", "Direct", T0, T0.AddDays(1));
        var v = WhenAssigned("AdminAssign", Admin, a, T0);
        Counts(v);
        Assert.Equal(a.Id, Assert.IsType<AssignmentPut>(Assert.Single(v.Changes)).Assignment.Id);
        Refused(WhenAssigned("AdminAssign", User, a, T0), $"{User} was not an administrator there");
        Refused(WhenAssigned("AdminAssign", Admin, Assignment(Other, Reader, "Active", "Direct", T0, T0.AddDays(1), scope: "/a/../b"), T0), "is not one PimModule accepts");
    }

    [Fact]
    public void An_activation_by_its_principal_needs_an_eligibility_and_no_approval()
    {
        var activation = Assignment(User, Reader, "Active", "Activated", T0, T0.AddHours(1));
        Counts(WhenAssigned("SelfActivate", User, activation, T0));
        Refused(WhenAssigned("SelfActivate", Other, Assignment(Other, Reader, "Active", "Activated", T0, T0.AddHours(1)), T0), "was not eligible");
        Refused(WhenAssigned("SelfActivate", User, Assignment(User, Reader, "Active", "Activated", T0, null), T0), "an activation always ends");
        Refused(WhenAssigned("SelfActivate", User, Assignment(User, Reader, "Active", "Activated", T0, T0.AddDays(40)), T0), "outlives its eligibility");
        // Given the role's settings need approval: an activation by its principal alone counts for nothing.
        var approval = RolePolicy.FromRules([]);
        approval.RequireApproval = true;
        Given(new PolicyPut(Reader, "{}", JsonSerializer.Serialize(approval.ToRules().ToDictionary(r => r.RuleId, r => r.Json))));
        Refused(WhenAssigned("SelfActivate", User, activation, T0), "the role's settings required approval");
    }

    [Fact]
    public void An_activation_for_someone_else_counts_only_when_an_approval_in_its_transaction_provisions_it()
    {
        var activation = Assignment(User, Reader, "Active", "Activated", T0, T0.AddHours(1));
        Refused(WhenAssigned("SelfActivate", Admin, activation, T0), "no approval sealed in its transaction provisions it");
        Given(new RequestClosed("q", "Provisioned", activation.Id, T0.Ticks, new ApprovedActivation(User, Reader, "/", TimeSpan.FromHours(1).Ticks)));
        Counts(WhenAssigned("SelfActivate", Admin, activation, T0));
        // Longer than the request asked.
        var longer = Assignment(User, Reader, "Active", "Activated", T0, T0.AddHours(3), Guid.Parse(activation.Id));
        Refused(WhenAssigned("SelfActivate", Admin, longer, T0), "longer than its request asked");
        // The approval was in another transaction: the next transaction's records do not see it.
        _view.Transaction(2);
        Refused(AssignmentRecords.Decide(Record("SelfActivate", "Assignment", activation.Id, activation.Json, T0, User, Reader), By(Admin, T0, 2), _view),
            "no approval sealed in its transaction provisions it");
    }

    [Fact]
    public void A_deactivation_is_its_holders_and_only_ends_the_activation()
    {
        var activation = Assignment(User, Reader, "Active", "Activated", T0, T0.AddHours(2));
        Given(new AssignmentPut(activation));
        var at = T0.AddHours(1);
        VerifiedAssignment Ending(DateTime? end) => Assignment(User, Reader, "Active", "Activated", T0, end, Guid.Parse(activation.Id));
        Counts(WhenAssigned("SelfDeactivate", User, Ending(at), at));
        Refused(WhenAssigned("SelfDeactivate", Other, Ending(at), at), $"{Other} deactivated {User}'s activation");
        Refused(WhenAssigned("SelfDeactivate", User, Ending(T0.AddHours(3)), at), "never lengthens");
        Refused(WhenAssigned("SelfDeactivate", User, Ending(at), T0.AddMinutes(2)), "first 5 minutes");
    }

    [Fact]
    public void Removing_the_last_administrator_counts_for_nothing()
    {
        var only = _view.AdministratorAssignments().Single();
        var removal = Record("AdminRemove", "Assignment", only.Id, null, T0, only.PrincipalKey, only.RoleId);
        Refused(AssignmentRecords.Decide(removal, By(Admin, T0), _view), "the last administrator's guard");
        Given(new AssignmentPut(Assignment(Other, Pra, "Active", "Direct", T0.AddDays(-1), null)));
        Counts(AssignmentRecords.Decide(removal, By(Admin, T0), _view));
    }

    // ---- requests -------------------------------------------------------------------------------------------

    private RecordVerdict WhenRequested(string by, string principal, DateTime at, TimeSpan duration, string scope = "/")
    {
        var id = Guid.NewGuid();
        var asks = new ActivationRequest
        {
            RequestId = id, Status = "PendingApproval", Scope = scope, StartDateTime = at, EndDateTime = at + duration, Duration = duration.ToString("c"),
            Justification = "incident", MfaVerified = true,
        };
        return RequestRecords.Decide(Record("SelfActivate", "Request", id.ToString("D"), asks, at, principal, Reader), By(by, at), _view, at);
    }

    [Fact]
    public void A_request_is_made_by_its_principal_within_the_request_rules()
    {
        var v = WhenRequested(User, User, T0, TimeSpan.FromHours(1));
        Counts(v);
        Assert.IsType<RequestAdded>(Assert.Single(v.Changes));
        Refused(WhenRequested(Other, User, T0, TimeSpan.FromHours(1)), $"{Other} made a request for {User}");
        Refused(WhenRequested(Other, Other, T0, TimeSpan.FromHours(1)), "was not eligible");
        Refused(WhenRequested(User, User, T0, TimeSpan.FromHours(9)), "more than the role's ActivationMaxDuration");
        Refused(WhenRequested(User, User, T0, TimeSpan.FromHours(1), "/a/../b"), "is not one PimModule accepts");
    }

    [Fact]
    public void A_decision_decides_a_verified_waiting_request()
    {
        var id = Guid.NewGuid().ToString("D");
        var decide = Record("ApproveRequest", "Request", id, new RequestDecision(null, 1, null, null, null, "on call", null, null, null), T0.AddMinutes(10));
        Refused(RequestRecords.Decide(decide, By(Admin, T0.AddMinutes(10)), _view, T0.AddMinutes(10)), "it decides no verified request");
        Given(new RequestAdded(new VerifiedState.RequestState(id, "SelfActivate", "PendingApproval", User, Reader, "/", null, null, T0.Ticks,
            TimeSpan.FromHours(1).Ticks, 1, T0.Ticks, null, null, 0)));
        Refused(RequestRecords.Decide(decide, By(User, T0.AddMinutes(10)), _view, T0.AddMinutes(10)), "requesters never decide their own requests");
        Refused(RequestRecords.Decide(decide, By(Other, T0.AddMinutes(10)), _view, T0.AddMinutes(10)), $"{Other} was not an approver of stage 1");
        var approved = RequestRecords.Decide(decide, By(Admin, T0.AddMinutes(10)), _view, T0.AddMinutes(10));
        Counts(approved);
        Assert.Contains(approved.Changes, c => c is DecisionAdded { ApproverKey: Admin, Decision: "Approve" });
        var expire = Record("ExpireRequest", "Request", id, null, T0.AddHours(1));
        Refused(RequestRecords.Decide(expire, By(Other, T0.AddHours(1)), _view, T0.AddHours(1)), "within its 24 hours");
    }

    // ---- settings, directory, pruning -------------------------------------------------------------------------

    [Fact]
    public void Settings_mail_and_directory_objects_are_an_administrators()
    {
        var upn = new DirectoryObjectView(Guid.NewGuid(), "ann@contoso.com", "Ann");
        var import = Record("ImportDirectoryObject", "DirectoryObject", upn.Id!.Value.ToString("D"), upn, T0);
        Refused(SettingRecords.DirectoryObject(import, By(User, T0), _view), "was not an administrator there");
        var v = SettingRecords.DirectoryObject(import, By(Admin, T0), _view);
        Counts(v);
        Given([.. v.Changes]);
        var renamed = Record("ImportDirectoryObject", "DirectoryObject", upn.Id!.Value.ToString("D"), upn with { UserPrincipalName = "ann.new@contoso.com" }, T0);
        Refused(SettingRecords.DirectoryObject(renamed, By(Admin, T0), _view), "is already another user principal name");
        var taken = Record("ImportDirectoryObject", "DirectoryObject", Guid.NewGuid().ToString("D"), upn with { Id = null }, T0);
        Refused(SettingRecords.DirectoryObject(taken, By(Admin, T0), _view), "ann@contoso.com is already the object");
        Refused(SettingRecords.Mail(Record("SetMailSetting", "MailSetting", "mail", new { SmtpServer = "x" }, T0), By(User, T0), _view), "was not an administrator there");
        Refused(SettingRecords.Mail(Record("SetMailSetting", "MailSetting", "mail", null, T0), By(Admin, T0), _view), "it holds no settings");
    }

    [Fact]
    public void A_pruning_removes_only_what_ended_thirty_days_before()
    {
        Counts(SettingRecords.Prune(Record("PruneHistory", "Store", null, new Pruning(T0.AddDays(-30), 0, 0, 0), T0), By(Admin, T0), _view));
        Refused(SettingRecords.Prune(Record("PruneHistory", "Store", null, new Pruning(T0.AddDays(-29), 0, 0, 0), T0), By(Admin, T0), _view), "not 30 days old");
        Refused(SettingRecords.Prune(Record("PruneHistory", "Store", null, new Pruning(T0.AddDays(-30), 0, 0, 0), T0), By(User, T0), _view), "was not an administrator there");
    }

    // ---- access reviews -----------------------------------------------------------------------------------------

    [Fact]
    public void An_access_review_item_is_decided_by_a_named_reviewer_while_the_review_is_open()
    {
        var review = Guid.NewGuid().ToString("D");
        var item = Guid.NewGuid().ToString("D");
        Given(new ReviewAdded(new VerifiedState.ReviewState(review, Reader, "Eligible", JsonSerializer.Serialize(new[] { Other }), 0, "InProgress", T0.Ticks,
            T0.AddDays(7).Ticks, "None", 0, "None", TimeSpan.FromDays(7).Ticks, review, 1), [(item, Guid.NewGuid().ToString("D"), User, "Approve")]));
        RecordVerdict Decide(string by, DateTime at) => ReviewRecords.Item(Record("DecideAccessReviewItem", "AccessReviewItem", item,
            new AccessReviewDecision(null, null, null, null, "Deny", null, null), at), By(by, at), _view);
        Counts(Decide(Other, T0.AddDays(1)));
        Refused(Decide(Admin, T0.AddDays(1)), $"{Admin} was not a reviewer of the review");
        Refused(Decide(Other, T0.AddDays(8)), "the review had ended");
        Refused(ReviewRecords.Review(Record("CompleteAccessReview", "AccessReview", review, null, T0.AddDays(1)), By(User, T0.AddDays(1)), _view),
            "was not an administrator there");
    }
}
