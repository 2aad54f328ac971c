using PimModule.Identity.Keys;
using PimModule.Storage;
using Xunit;

namespace PimModule.Tests;

/// <summary>A Verified store's state comes from its verified log; its schema migrations are an administrator's sealed change.</summary>
public sealed class VerifiedStateTests : IDisposable
{
    private readonly VerifiedPeople _people = new();

    public void Dispose() => _people.Dispose();

    private PimStore Open(string principal) => _people.Open(principal);

    private static readonly Migration Next = new(9999, "a test migration", "CREATE TABLE verified_migration_test (x INTEGER)");

    private static bool TableExists(PimStore store) => store.Session.Read(w => w.Scalar<long>(
        store.Provider == PimStoreProvider.PostgreSql
            ? "SELECT COUNT(*) FROM pg_tables WHERE tablename = 'verified_migration_test'"
            : "SELECT COUNT(*) FROM sqlite_master WHERE name = 'verified_migration_test'") > 0);

    [Fact]
    public void A_Verified_stores_migration_needs_an_administrators_seal()
    {
        var admin = Open("admin@contoso.com");
        var credential = CredentialFolder.Create("user1@contoso.com", null, "", root: _people.KeysOf("user1@contoso.com"));
        admin.Credentials.Register("user1@contoso.com", credential.PublicKey, propose: false);
        var user1 = Open("user1@contoso.com");
        var records = admin.Session.Read(AuditLogTable.Count);

        var refused = Assert.Throws<PimException>(() => user1.Session.MigrateSealed(Migrator.IdentityVersion, [Next]));
        Assert.Equal("PimNotAuthorized", refused.ErrorId);
        Assert.False(TableExists(admin));
        Assert.Equal(records, admin.Session.Read(AuditLogTable.Count));

        // The administrator's sealed migration, with the login that owns the tables (PostgreSQL: the writer may not create them).
        _people.Open("admin@contoso.com", asOwner: true).Session.MigrateSealed(Migrator.IdentityVersion, [Next]);
        Assert.True(TableExists(admin));
        var record = Assert.Single(admin.Audit.Query(new PimAuditQuery { Actions = [PimStore.MigrateAction] }));
        Assert.Equal("admin@contoso.com", record.Actor);
        Assert.Equal(PimIdentityMode.Verified, record.IdentityMode);
        Assert.True(admin.Audit.Verify().IsValid);
    }

    [Fact]
    public void A_migration_record_sealed_by_a_principal_who_is_not_an_administrator_counts_for_nothing()
    {
        var admin = Open("admin@contoso.com");
        var credential = CredentialFolder.Create("user1@contoso.com", null, "", root: _people.KeysOf("user1@contoso.com"));
        admin.Credentials.Register("user1@contoso.com", credential.PublicKey, propose: false);
        var user1 = Open("user1@contoso.com");
        // What a modified module could seal with user1's own key: a migration record, without the administrator's check.
        user1.Session.Write(work =>
        {
            AuditLog.AppendRecord(work, PimStore.MigrateAction, "Store", user1.StoreId, null, null, null, new { SchemaVersion = 9999 });
            return 0;
        });
        var check = admin.Audit.Verify();
        Assert.False(check.IsValid);
        var finding = Assert.Single(check.Disagreements, d => d.Kind == "Record");
        Assert.Equal("NotEntitled", finding.Problem);
        Assert.Contains("not an administrator", finding.Detail);
    }
}

/// <summary>
/// Approval stages in a Verified store: the verified state counts a quorum only of distinct approvers entitled for the
/// request's stage, whatever the rows or a modified module's records say.
/// </summary>
public sealed class VerifiedApprovalStageTests : IDisposable
{
    private readonly VerifiedPeople _people = new();
    private static readonly PimRoleReference Reader = new("Security Reader");

    public void Dispose() => _people.Dispose();

    /// <summary>Security Reader needs two of a1, a2, a3 (a quorum of 2); user1 asked to activate it and a1 approved.</summary>
    private (PimStore Admin, PimStore A1, PimRequest Request) OneOfTwoApprovals()
    {
        var admin = _people.Open("admin@contoso.com");
        foreach (var p in new[] { "user1@contoso.com", "a1@contoso.com", "a2@contoso.com" })
            admin.Credentials.Register(p, CredentialFolder.Create(p, null, "", root: _people.KeysOf(p)).PublicKey, propose: false);
        admin.Settings.Update(Reader, new PimRoleSettingUpdate
        {
            RequireApproval = true, ActivationRequirement = PimActivationRequirement.None, RequireJustification = false, RequireApproverJustification = false,
            Approvers = ["a1@contoso.com", "a2@contoso.com", "a3@contoso.com"], RequiredApprovals = 2,
        });
        admin.Assignments.Assign(PimAssignmentType.Eligible, new PimAssignmentInput { Principal = "user1@contoso.com", Role = Reader, Permanent = true });
        var request = _people.Open("user1@contoso.com").Activations.RequestActivation(new PimActivationInput { Role = Reader, Duration = TimeSpan.FromHours(1) })!;
        var a1 = _people.Open("a1@contoso.com");
        var one = a1.Activations.Approve(request.RequestId, null)!;
        Assert.Equal(PimRequestStatus.PendingApproval, one.Status);
        return (admin, a1, request);
    }

    private static bool Holds(PimStore store) => store.Assignments.CheckAccess("user1@contoso.com", Reader, null, null).HasAccess;

    [Fact]
    public void A_second_approval_sealed_by_the_same_approver_provisions_nothing()
    {
        var (admin, a1, request) = OneOfTwoApprovals();
        // What a modified module could seal with a1's own key: a1 approving again, and the activation that approval provisions.
        a1.Session.Write(work =>
        {
            var activation = new AssignmentRow(Ids.New(), "user1@contoso.com", request.RoleId, "/", PimAssignmentType.Active, PimMemberType.Activated,
                work.Now, work.Now.AddHours(1), null, null, null, "user1@contoso.com", work.Now, request.RequestId, null);
            AuditLog.AppendRecord(work, "ApproveRequest", "Request", request.RequestId.ToString("D"), request.RoleId, request.Principal,
                new { Status = "PendingApproval" }, new { Status = "Provisioned", ApprovedBy = "a1@contoso.com", AssignmentId = activation.Id });
            activation.Add(work);
            AuditLog.AppendRecord(work, "SelfActivate", "Assignment", activation.Id.ToString("D"), activation.RoleId, activation.Principal, null, Audit.Events.AssignmentView.Of(activation));
            return 0;
        });
        var check = admin.Audit.Verify();
        Assert.False(check.IsValid);
        Assert.Contains(check.Disagreements, d => d.Problem == "NotEntitled" && d.Detail.Contains("decided the request already"));
        Assert.False(Holds(admin));
        var seen = admin.Requests.Query(new PimRequestQuery { RequestId = request.RequestId }).SingleOrDefault();
        Assert.True(seen is null || seen.Status == PimRequestStatus.PendingApproval && seen.Approvals.Count == 1);
    }

    [Fact]
    public void A_forged_decision_row_does_not_count_towards_the_quorum()
    {
        var (admin, a1, request) = OneOfTwoApprovals();
        // Someone with the database writes a2's approval into request_approvals, around the module.
        admin.Session.Write(work => work.Execute("INSERT INTO request_approvals (request_id, approver_key, approver, stage, decision, justification, decided_utc) " +
                                         "VALUES (@id, 'a2@contoso.com', 'a2@contoso.com', 1, 'Approve', NULL, @at)", new { id = request.RequestId.ToString("D"), at = SqlTypes.Ticks(work.Now) }));
        var seen = admin.Requests.Query(new PimRequestQuery { RequestId = request.RequestId }).Single();
        Assert.Equal(PimRequestStatus.PendingApproval, seen.Status);
        Assert.Equal(["a1@contoso.com"], seen.Approvals.Select(a => a.Approver));
        // a2 may still decide: the forged row is not theirs; their approval reaches the quorum and provisions the request.
        Assert.Contains("a2@contoso.com", seen.PendingApprovers);
        var done = _people.Open("a2@contoso.com").Activations.Approve(request.RequestId, null);
        Assert.True(done is null || done.Status == PimRequestStatus.Provisioned);
    }

    [Fact]
    public void An_approval_without_the_reason_the_roles_settings_require_counts_for_nothing()
    {
        var (admin, a1, request) = OneOfTwoApprovals();
        admin.Settings.Update(Reader, new PimRoleSettingUpdate { RequireApproverJustification = true });
        // The write path refuses a2's approval without a reason (the kernel's ApprovalRules.LacksJustification)...
        var a2 = _people.Open("a2@contoso.com");
        Assert.Equal("PimJustificationRequired", Assert.Throws<PimException>(() => a2.Activations.Approve(request.RequestId, null)).ErrorId);
        // ...and a modified module's sealed approval without one counts for nothing in the replay, which calls the same rule.
        a2.Session.Write(work =>
        {
            AuditLog.AppendRecord(work, "ApproveRequest", "Request", request.RequestId.ToString("D"), request.RoleId, request.Principal,
                new { Status = "PendingApproval" }, new { Status = "Provisioned", ApprovedBy = "a2@contoso.com", Justification = (string?)null });
            return 0;
        });
        var check = admin.Audit.Verify();
        Assert.False(check.IsValid);
        Assert.Contains(check.Disagreements, d => d.Problem == "NotEntitled" && d.Detail.Contains("RequireApproverJustification"));
        Assert.False(Holds(admin));
    }

    [Fact]
    public void An_approval_after_the_maximum_duration_was_lowered_provisions_what_was_asked_and_verifies()
    {
        var admin = _people.Open("admin@contoso.com");
        foreach (var p in new[] { "user1@contoso.com", "a1@contoso.com" })
            admin.Credentials.Register(p, CredentialFolder.Create(p, null, "", root: _people.KeysOf(p)).PublicKey, propose: false);
        admin.Settings.Update(Reader, new PimRoleSettingUpdate
        {
            RequireApproval = true, ActivationRequirement = PimActivationRequirement.None, RequireJustification = false, RequireApproverJustification = false,
            Approvers = ["a1@contoso.com"], ActivationMaxDuration = TimeSpan.FromHours(8),
        });
        admin.Assignments.Assign(PimAssignmentType.Eligible, new PimAssignmentInput { Principal = "user1@contoso.com", Role = Reader, Permanent = true });
        var request = _people.Open("user1@contoso.com").Activations.RequestActivation(new PimActivationInput { Role = Reader, Duration = TimeSpan.FromHours(4) })!;
        // The administrator lowers the maximum while the request waits; the approver then approves what was asked, under the
        // settings it was asked under (the writer and the replay decide it by one rule: Kernel/ActivationRules.cs).
        admin.Settings.Update(Reader, new PimRoleSettingUpdate { ActivationMaxDuration = TimeSpan.FromHours(1) });
        var done = _people.Open("a1@contoso.com").Activations.Approve(request.RequestId, null)!;
        Assert.Equal(PimRequestStatus.Provisioned, done.Status);
        var check = admin.Audit.Verify();
        Assert.True(check.IsValid, string.Join("; ", check.Disagreements.Select(d => d.Detail)));
        Assert.True(Holds(admin));
    }

    [Fact]
    public void A_sealed_request_that_asks_more_than_the_roles_maximum_counts_for_nothing()
    {
        var (admin, _, _) = OneOfTwoApprovals();
        var user1 = _people.Open("user1@contoso.com");
        // What a modified module could seal with user1's own key: a pending request for 20 hours under a maximum of 8 (an
        // approved request provisions the duration it asked, so the request itself is what the replay holds to the maximum).
        var id = Ids.New();
        user1.Session.Write(work =>
        {
            AuditLog.AppendRecord(work, "SelfActivate", "Request", id.ToString("D"), RoleCatalog.BuiltIn.First(r => r.Name == "Security Reader").Id, "user1@contoso.com", null,
                new { RequestId = id, Status = "PendingApproval", Scope = "/administrativeUnits/x", StartDateTime = work.Now, EndDateTime = work.Now.AddHours(20),
                      Duration = TimeSpan.FromHours(20).ToString("c"), Justification = (string?)null, TicketNumber = (string?)null });
            return 0;
        });
        var check = admin.Audit.Verify();
        Assert.False(check.IsValid);
        Assert.Contains(check.Disagreements, d => d.Problem == "NotEntitled" && d.Detail.Contains("more than the role's ActivationMaxDuration"));
    }

    [Fact]
    public void Two_distinct_entitled_approvals_provision_and_verify()
    {
        var (admin, _, request) = OneOfTwoApprovals();
        var done = _people.Open("a2@contoso.com").Activations.Approve(request.RequestId, null)!;
        Assert.Equal(PimRequestStatus.Provisioned, done.Status);
        Assert.Equal("a2@contoso.com", done.ApprovedBy);
        Assert.True(Holds(admin));
        Assert.True(admin.Audit.Verify().IsValid);
    }
}
