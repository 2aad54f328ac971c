using PimModule.Identity.Keys;
using Xunit;

namespace PimModule.Tests;

/// <summary>
/// Issue 29: the rules Request-PimActivation and Request-PimDeactivation decide by (Kernel/ActivationRules.cs,
/// Kernel/RequestLimits.cs, the role's text rules) are the ones the replay judges their sealed records by. What a
/// modified module seals with the requester's own key, past a rule the module refuses, counts for nothing.
/// </summary>
public sealed class ReplayedRequestRulesTests : IDisposable
{
    private readonly VerifiedPeople _people = new();
    private static readonly PimRoleReference Reader = new("Security Reader");
    private static readonly Guid ReaderId = RoleCatalog.BuiltIn.First(r => r.Name == "Security Reader").Id;

    public void Dispose() => _people.Dispose();

    /// <summary>
    /// Everyone's clock (a step of a few minutes is a test's to take), an hour behind the machine's: on PostgreSQL a record
    /// is never dated after the server's clock.
    /// </summary>
    private readonly Microsoft.Extensions.Time.Testing.FakeTimeProvider _clock = new(DateTimeOffset.UtcNow.AddHours(-1));

    /// <summary>user1 is eligible for Security Reader at '/'; activations need approval by a1 (or none), no MFA.</summary>
    private (PimStore Admin, PimStore User1) Given(bool approval, bool requireJustification = false)
        => _people.ReaderEligible(_clock, approval, requireJustification);

    /// <summary>What a modified module could seal with user1's key: a pending activation request at '/' for an hour.</summary>
    private static void ForgeRequest(PimStore user1, string? justification = null, bool mfaClaimed = false) => user1.Session.Write(work =>
    {
        var id = Ids.New();
        AuditLog.AppendRecord(work, "SelfActivate", "Request", id.ToString("D"), ReaderId, "user1@contoso.com", null,
            new { RequestId = id, Status = "PendingApproval", Scope = "/", StartDateTime = work.Now, EndDateTime = work.Now.AddHours(1),
                  Duration = TimeSpan.FromHours(1).ToString("c"), Justification = justification, TicketNumber = (string?)null, MfaVerified = mfaClaimed });
        return 0;
    });

    private static void CountsForNothing(PimStore admin, string why)
    {
        var check = admin.Audit.Verify();
        Assert.False(check.IsValid);
        Assert.Contains(check.Disagreements, d => d.Problem == "NotEntitled" && d.Detail.Contains(why));
    }

    /// <summary>
    /// After one activation request (pending when the role needs approval, active at once when it does not), the module
    /// refuses a second at the same scope; the same request sealed by a modified module counts for nothing.
    /// </summary>
    [Theory]
    [InlineData(true, "PimRequestPending", "was pending for user1@contoso.com then")]               // one pending request per scope
    [InlineData(false, "PimAlreadyActive", "the role was active for user1@contoso.com at / then")]   // no overlap with an active assignment
    public void A_second_request_at_the_scope_counts_for_nothing(bool approval, string refusedAs, string why)
    {
        var (admin, user1) = Given(approval);
        user1.Activations.RequestActivation(new PimActivationInput { Role = Reader, Duration = TimeSpan.FromHours(1) });
        Assert.Equal(refusedAs, Assert.Throws<PimException>(() => user1.Activations.RequestActivation(new PimActivationInput { Role = Reader })).ErrorId);
        ForgeRequest(user1);
        CountsForNothing(admin, why);
    }

    [Fact]
    public void A_request_without_the_justification_the_role_requires_counts_for_nothing()
    {
        var (admin, user1) = Given(approval: true, requireJustification: true);
        Assert.Equal("PimJustificationRequired", Assert.Throws<PimException>(() => user1.Activations.RequestActivation(new PimActivationInput { Role = Reader })).ErrorId);
        ForgeRequest(user1, justification: null);
        CountsForNothing(admin, "its texts break the role's settings then (PimJustificationRequired)");
    }

    [Fact]
    public void A_request_that_leaves_its_texts_out_is_checked_as_having_none()
    {
        var (admin, user1) = Given(approval: true, requireJustification: true);
        user1.Session.Write(work =>
        {
            var id = Ids.New();
            AuditLog.AppendRecord(work, "SelfActivate", "Request", id.ToString("D"), ReaderId, "user1@contoso.com", null,
                new { RequestId = id, Status = "PendingApproval", Scope = "/", StartDateTime = work.Now, EndDateTime = work.Now.AddHours(1),
                      Duration = TimeSpan.FromHours(1).ToString("c") });
            return 0;
        });
        CountsForNothing(admin, "its texts break the role's settings then (PimJustificationRequired)");
    }

    [Fact]
    public void A_deactivation_in_the_activations_first_minutes_counts_for_nothing()
    {
        var (admin, user1) = Given(approval: false);
        var request = user1.Activations.RequestActivation(new PimActivationInput { Role = Reader, Duration = TimeSpan.FromHours(1) })!;
        Assert.Equal("PimDeactivationTooSoon", Assert.Throws<PimException>(() => user1.Activations.RequestDeactivation(Reader, null, null)).ErrorId);
        user1.Session.Write(work =>
        {
            var row = AssignmentsTable.Find(work, request.AssignmentId!.Value)!;
            AuditLog.AppendRecord(work, "SelfDeactivate", "Assignment", row.Id.ToString("D"), row.RoleId, row.Principal, Audit.Events.AssignmentView.Of(row), Audit.Events.AssignmentView.Of(row with { End = work.Now }));
            return 0;
        });
        CountsForNothing(admin, "first 5 minutes");
    }

    /// <summary>
    /// The last administrator's guard (Kernel/Administrators.EndsAdministrationSooner): the module refuses to remove the
    /// only administrator assignment (PimLastAdministrator); a removal a modified module seals anyway counts for nothing —
    /// the replay used to apply it, and the store's verified state had nobody left to administer it. Once a second
    /// administrator holds a permanent assignment, the same removal is honest and counts.
    /// </summary>
    [Fact]
    public void Removing_the_last_administrator_counts_for_nothing()
    {
        var (admin, _) = Given(approval: false);
        var only = admin.Assignments.Query(new PimAssignmentQuery { Principal = "admin@contoso.com" }).Single(a => a.RoleId == RoleCatalog.PrivilegedRoleAdministrator || a.RoleId == RoleCatalog.GlobalAdministrator);
        var refused = Assert.Throws<PimException>(() => admin.Assignments.Remove(only.AssignmentId));
        Assert.Equal(PimErrors.IdOf(nameof(PimErrors.LastAdministrator)), refused.ErrorId);
        admin.Session.Write(work =>
        {
            var row = AssignmentsTable.Find(work, only.AssignmentId)!;
            AuditLog.AppendRecord(work, "AdminRemove", "Assignment", row.Id.ToString("D"), row.RoleId, row.Principal, Audit.Events.AssignmentView.Of(row), null);
            return 0;
        });
        CountsForNothing(admin, "the last administrator's guard");
    }

    /// <summary>
    /// An activation that has started is ended, never deleted (deleting it would erase that it was held): the kernel's rule
    /// (ActivationRules.Withdrawn) for the module and the replay alike. The replay used to allow a deletion up to five
    /// minutes after the start.
    /// </summary>
    [Fact]
    public void Deleting_an_activation_that_started_counts_for_nothing()
    {
        var (admin, user1) = Given(approval: false);
        var request = user1.Activations.RequestActivation(new PimActivationInput { Role = Reader, Duration = TimeSpan.FromHours(1) })!;
        // Past its first five minutes (within them, the kernel refuses any deactivation first).
        _clock.Advance(TimeSpan.FromMinutes(6));
        user1.Session.Write(work =>
        {
            var row = AssignmentsTable.Find(work, request.AssignmentId!.Value)!;
            AuditLog.AppendRecord(work, "SelfDeactivate", "Assignment", row.Id.ToString("D"), row.RoleId, row.Principal, Audit.Events.AssignmentView.Of(row), null);
            return 0;
        });
        CountsForNothing(admin, "an activation that started is ended, not deleted");
    }

    /// <summary>
    /// A pending request by a principal eligible for nothing: the module refuses it (PimNotEligible); the replay judged
    /// pending requests without their eligibility, and it counted (its approval would not have provisioned anything, but
    /// it waited in the approvers' queue). The kernel's one decision (ActivationRequestRules) now judges both.
    /// </summary>
    [Fact]
    public void A_request_by_a_principal_who_is_not_eligible_counts_for_nothing()
    {
        var (admin, _) = Given(approval: true);
        var a1 = _people.Open("a1@contoso.com", _clock);
        Assert.Equal("PimNotEligible", Assert.Throws<PimException>(() => a1.Activations.RequestActivation(new PimActivationInput { Role = Reader })).ErrorId);
        a1.Session.Write(work =>
        {
            var id = Ids.New();
            AuditLog.AppendRecord(work, "SelfActivate", "Request", id.ToString("D"), ReaderId, "a1@contoso.com", null,
                new { RequestId = id, Status = "PendingApproval", Scope = "/", StartDateTime = work.Now, EndDateTime = work.Now.AddHours(1),
                      Duration = TimeSpan.FromHours(1).ToString("c"), Justification = (string?)null, TicketNumber = (string?)null, MfaVerified = false });
            return 0;
        });
        CountsForNothing(admin, "a1@contoso.com was not eligible for the role at / then");
    }

    [Fact]
    public void A_request_that_does_not_claim_the_mfa_the_role_requires_counts_for_nothing()
    {
        var (admin, user1) = Given(approval: true);
        admin.Settings.Update(Reader, new PimRoleSettingUpdate { ActivationRequirement = PimActivationRequirement.Mfa });
        Assert.Equal("PimMfaRequired", Assert.Throws<PimException>(() => user1.Activations.RequestActivation(new PimActivationInput { Role = Reader })).ErrorId);
        // The log holds the writer's claim, and no more: a record claiming a checked code verifies as far as MFA goes;
        // one that does not claim it counts for nothing.
        ForgeRequest(user1, mfaClaimed: false);
        CountsForNothing(admin, "required an MFA code");
    }

    [Fact]
    public void Honest_requests_and_deactivations_verify()
    {
        var (admin, user1) = Given(approval: false, requireJustification: true);
        user1.Activations.RequestActivation(new PimActivationInput { Role = Reader, Duration = TimeSpan.FromHours(1), Justification = "  incident 7  " });
        Assert.True(admin.Audit.Verify().IsValid);
    }
}
