using PimModule.Identity.Keys;
using Xunit;

namespace PimModule.Tests;

/// <summary>
/// Issue 29 (a hostile review of the one decision for an activation request, ActivationRequestRules): Request-PimActivation
/// refuses as it did, in its order; honest requests verify; and a sealed request or activation the module would refuse —
/// a scope, a text or a time it does not accept — counts for nothing, without an exception out of the replay.
/// </summary>
public sealed class ActivationRequestDecisionTests : IDisposable
{
    private readonly VerifiedPeople _people = new();
    private static readonly PimRoleReference Reader = new("Security Reader");
    private static readonly Guid ReaderId = RoleCatalog.BuiltIn.First(r => r.Name == "Security Reader").Id;
    private readonly Microsoft.Extensions.Time.Testing.FakeTimeProvider _clock = new(DateTimeOffset.UtcNow.AddHours(-1));
    private static readonly DateTime FarFuture = new(8999, 12, 31, 0, 0, 0, DateTimeKind.Utc);

    public void Dispose() => _people.Dispose();

    private (PimStore Admin, PimStore User1) Given(bool approval, bool permanent = true, DateTime? eligibleStart = null, DateTime? eligibleEnd = null)
        => _people.ReaderEligible(_clock, approval, permanent: permanent, eligibleStart: eligibleStart, eligibleEnd: eligibleEnd);

    private static void Forge(PimStore user, string principal, string scope, DateTime start, DateTime end, string duration, string? justification = null,
        string status = "PendingApproval") => user.Session.Write(work =>
    {
        var id = Ids.New();
        AuditLog.AppendRecord(work, "SelfActivate", "Request", id.ToString("D"), ReaderId, principal, null,
            new { RequestId = id, Status = status, Scope = scope, StartDateTime = start, EndDateTime = end,
                  Duration = duration, Justification = justification, TicketNumber = (string?)null, MfaVerified = false });
        return 0;
    });

    // ---- the writer: Times.Add(start, duration) is now evaluated before every rule -----------------------------------

    /// <summary>Before 43a46e0 a principal eligible for nothing was told PimNotEligible, whatever the start.</summary>
    [Fact]
    public void W1_far_future_start_by_a_principal_not_eligible_is_NotEligible()
    {
        Given(approval: true);
        var a1 = _people.Open("a1@contoso.com", _clock);
        var e = Assert.Throws<PimException>(() => a1.Activations.RequestActivation(new PimActivationInput { Role = Reader, StartDateTime = FarFuture, Duration = TimeSpan.FromDays(2) }));
        Assert.Equal("PimNotEligible", e.ErrorId);
    }

    /// <summary>Before 43a46e0 a duration over ActivationMaxDuration was PimDurationExceedsMaximum before its end was computed.</summary>
    [Fact]
    public void W2_far_future_start_asking_more_than_the_maximum_is_DurationExceedsMaximum()
    {
        var (_, user1) = Given(approval: true);
        var e = Assert.Throws<PimException>(() => user1.Activations.RequestActivation(new PimActivationInput { Role = Reader, StartDateTime = FarFuture, Duration = TimeSpan.FromDays(400) }));
        Assert.Equal("PimDurationExceedsMaximum", e.ErrorId);
    }

    /// <summary>Same through -WhatIf (Check).</summary>
    [Fact]
    public void W3_whatif_far_future_start_by_a_principal_not_eligible_is_NotEligible()
    {
        Given(approval: true);
        var a1 = _people.Open("a1@contoso.com", _clock);
        var (passes, _, blocker) = a1.Activations.CheckActivation(new PimActivationInput { Role = Reader, StartDateTime = FarFuture, Duration = TimeSpan.FromDays(2) });
        Assert.False(passes);
        Assert.Equal("PimNotEligible", blocker!.ErrorId);
    }

    // ---- the replay: honest records ----------------------------------------------------------------------------------

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void H1_honest_request_capped_by_an_eligibility_that_starts_later_and_ends_soon_verifies(bool approval)
    {
        var now = _clock.GetUtcNow().UtcDateTime;
        var (admin, user1) = Given(approval, permanent: false, eligibleStart: now.AddHours(1), eligibleEnd: now.AddHours(3));
        user1.Activations.RequestActivation(new PimActivationInput { Role = Reader, StartDateTime = now.AddHours(1), Duration = TimeSpan.FromHours(8) });
        var check = admin.Audit.Verify();
        Assert.True(check.IsValid, string.Join("\n", check.Disagreements.Select(d => d.Detail)));
    }

    [Fact]
    public void H2_honest_request_at_a_sub_scope_then_a_second_scope_verifies()
    {
        var (admin, user1) = Given(approval: true);
        user1.Activations.RequestActivation(new PimActivationInput { Role = Reader, Scope = "/administrativeUnits/x", Duration = TimeSpan.FromHours(1) });
        user1.Activations.RequestActivation(new PimActivationInput { Role = Reader, Scope = "/administrativeUnits/y", Duration = TimeSpan.FromHours(1) });
        var check = admin.Audit.Verify();
        Assert.True(check.IsValid, string.Join("\n", check.Disagreements.Select(d => d.Detail)));
    }

    // ---- the replay: hostile records ---------------------------------------------------------------------------------

    [Theory]
    [InlineData("10675199.02:48:05.4775807")]   // TimeSpan.MaxValue
    [InlineData("-01:00:00")]
    [InlineData("00:00:00")]
    public void R1_hostile_durations_count_for_nothing_without_throwing(string duration)
    {
        var (admin, user1) = Given(approval: true);
        var now = _clock.GetUtcNow().UtcDateTime;
        Forge(user1, "user1@contoso.com", "/", now, now.AddHours(1), duration);
        var check = admin.Audit.Verify();
        Assert.False(check.IsValid);
    }

    [Fact]
    public void R2_start_at_the_end_of_time_counts_for_nothing_without_throwing()
    {
        var (admin, user1) = Given(approval: true);
        Forge(user1, "user1@contoso.com", "/", DateTime.MaxValue, DateTime.MaxValue, "01:00:00");
        Assert.False(admin.Audit.Verify().IsValid);
    }

    /// <summary>The module refuses these scopes (PimScopeInvalid); a modified module seals them with the user's key.</summary>
    [Theory]
    [InlineData("//")]
    [InlineData("/a/")]
    [InlineData("/a/../b")]
    public void R3_a_request_at_a_scope_the_module_refuses_counts_for_nothing(string scope)
    {
        var (admin, user1) = Given(approval: true);
        Assert.Equal("PimScopeInvalid", Assert.Throws<PimException>(() => user1.Activations.RequestActivation(new PimActivationInput { Role = Reader, Scope = scope })).ErrorId);
        var now = _clock.GetUtcNow().UtcDateTime;
        Forge(user1, "user1@contoso.com", scope, now, now.AddHours(1), "01:00:00");
        Assert.False(admin.Audit.Verify().IsValid);
    }

    /// <summary>One pending request per scope: "/" waits; a second at "//" (the same place, unnormalised) slips past SameScope.</summary>
    [Fact]
    public void R4_a_second_pending_request_at_an_unnormalised_root_counts_for_nothing()
    {
        var (admin, user1) = Given(approval: true);
        user1.Activations.RequestActivation(new PimActivationInput { Role = Reader, Duration = TimeSpan.FromHours(1) });
        var now = _clock.GetUtcNow().UtcDateTime;
        Forge(user1, "user1@contoso.com", "//", now, now.AddHours(1), "01:00:00");
        Assert.False(admin.Audit.Verify().IsValid);
    }

    /// <summary>The module refuses a justification with control characters or over 500 characters (Input.Text).</summary>
    [Theory]
    [InlineData("\u001b[2J\u001b[1;1HApproved by the CISO")]
    [InlineData(null)]
    public void R5_a_justification_the_module_refuses_counts_for_nothing(string? text)
    {
        text ??= new string('x', 100_000);
        var (admin, user1) = Given(approval: true);
        Assert.Throws<PimException>(() => user1.Activations.RequestActivation(new PimActivationInput { Role = Reader, Justification = text }));
        var now = _clock.GetUtcNow().UtcDateTime;
        Forge(user1, "user1@contoso.com", "/", now, now.AddHours(1), "01:00:00", justification: text);
        Assert.False(admin.Audit.Verify().IsValid);
    }

    /// <summary>The module never starts an activation after 9000-01-01 (Times.Utc); the replay takes any start an eligibility covers.</summary>
    [Fact]
    public void R6_a_request_starting_after_the_stores_last_time_counts_for_nothing()
    {
        var (admin, user1) = Given(approval: true);
        var start = new DateTime(9500, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        Forge(user1, "user1@contoso.com", "/", start, start.AddHours(1), "01:00:00");
        Assert.False(admin.Audit.Verify().IsValid);
    }


    /// <summary>
    /// A role without approval, user1 eligible at /administrativeUnits/x only: a modified module seals, with user1's key, a
    /// request provisioned at once and its activation at '/administrativeUnits/x/../y' (the module refuses '..': PimScopeInvalid).
    /// </summary>
    [Fact]
    public void R7_a_self_activation_at_a_dot_dot_scope_counts_for_nothing()
    {
        var admin = _people.Open("admin@contoso.com", _clock);
        admin.Credentials.Register("user1@contoso.com", CredentialFolder.Create("user1@contoso.com", null, "", root: _people.KeysOf("user1@contoso.com")).PublicKey, propose: false);
        admin.Settings.Update(Reader, new PimRoleSettingUpdate { RequireApproval = false, ActivationRequirement = PimActivationRequirement.None, RequireJustification = false });
        admin.Assignments.Assign(PimAssignmentType.Eligible, new PimAssignmentInput { Principal = "user1@contoso.com", Role = Reader, Scope = "/administrativeUnits/x", Permanent = true });
        var user1 = _people.Open("user1@contoso.com", _clock);
        const string scope = "/administrativeUnits/x/../y";
        Assert.Equal("PimScopeInvalid", Assert.Throws<PimException>(() => user1.Activations.RequestActivation(new PimActivationInput { Role = Reader, Scope = scope })).ErrorId);
        user1.Session.Write(work =>
        {
            var eligible = AssignmentsTable.ForRequests.Held(work, "user1@contoso.com", ReaderId).Single();
            var id = Ids.New();
            var row = new AssignmentRow(Ids.New(), "user1@contoso.com", ReaderId, scope, PimAssignmentType.Active, PimMemberType.Activated,
                work.Now, work.Now.AddHours(1), null, null, null, "user1@contoso.com", work.Now, id, eligible.Id);
            AuditLog.AppendRecord(work, "SelfActivate", "Request", id.ToString("D"), ReaderId, "user1@contoso.com", null,
                new { RequestId = id, Status = "Provisioned", Scope = scope, StartDateTime = work.Now, EndDateTime = work.Now.AddHours(1),
                      Duration = TimeSpan.FromHours(1).ToString("c"), Justification = (string?)null, TicketNumber = (string?)null, MfaVerified = false, AssignmentId = row.Id });
            row.Add(work);   // as the module's own write path does (ActivationRequests.Request)
            AuditLog.AppendRecord(work, "SelfActivate", "Assignment", row.Id.ToString("D"), ReaderId, "user1@contoso.com", null, Audit.Events.AssignmentView.Of(row));
            return 0;
        });
        var check = admin.Audit.Verify();
        Assert.False(check.IsValid, string.Join("\n", check.Disagreements.Select(d => d.Problem + " " + d.Detail)));
    }

}
