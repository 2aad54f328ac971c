using PimModule.Kernel;
using Xunit;

namespace PimModule.Tests;

/// <summary>
/// The decision kernel's rules (src/PimModule.Engine/Kernel), each written once and called by the write path and the state
/// replay alike: Given what is held, When a principal acts at a time, Then the rule's answer — every refusal named.
/// No store, no clock: the rules are pure.
/// </summary>
[Trait("Provider", "Neutral")]
public sealed class KernelTests
{
    private static readonly DateTime T0 = new(2026, 12, 7, 9, 0, 0, DateTimeKind.Utc);
    private static readonly Guid Pra = RoleCatalog.PrivilegedRoleAdministrator, Ga = RoleCatalog.GlobalAdministrator;
    private static readonly Guid Reader = RoleCatalog.BuiltIn.First(r => r.Name == "Security Reader").Id;

    private static HeldAssignment Given(string who, Guid role, PimAssignmentType type, string scope = "/", PimMemberType member = PimMemberType.Direct,
        DateTime? start = null, DateTime? end = null)
        => new(Guid.NewGuid(), Principal.Fold(who), role, type, scope, member, start ?? T0, end);

    // ---- administrators ----------------------------------------------------------------------------------

    [Theory]
    [InlineData("Active", "/", true)]
    [InlineData("Eligible", "/", false)]          // eligible: administers only once activated
    [InlineData("Active", "/administrativeUnits/x", false)] // not at the directory's root
    public void An_administrator_holds_an_active_administrator_role_at_the_root(string type, string scope, bool administers)
    {
        foreach (var role in new[] { Pra, Ga })
            Assert.Equal(administers, Administrators.Administers(Given("a@x.com", role, Enum.Parse<PimAssignmentType>(type), scope), T0));
        Assert.False(Administrators.Administers(Given("a@x.com", Reader, PimAssignmentType.Active), T0));
    }

    [Fact]
    public void An_administrator_assignment_administers_only_while_in_force()
    {
        var a = Given("a@x.com", Pra, PimAssignmentType.Active, start: T0, end: T0.AddHours(1));
        Assert.False(Administrators.Administers(a, T0.AddTicks(-1)));   // not started
        Assert.True(Administrators.Administers(a, T0));
        Assert.False(Administrators.Administers(a, T0.AddHours(1)));    // an end is exclusive
    }

    [Fact]
    public void An_activation_administers_but_never_makes_a_key_administrator()
    {
        var activated = Given("a@x.com", Ga, PimAssignmentType.Active, member: PimMemberType.Activated, end: T0.AddHours(1));
        Assert.True(Administrators.Administers(activated, T0));
        Assert.False(Administrators.IsKeyAdministratorAssignment(activated));
        Assert.True(Administrators.IsKeyAdministratorAssignment(activated with { MemberType = PimMemberType.Direct }));
    }

    // ---- an activation request: one decision, in one order ----------------------------------------------------

    private static RequestVerdict<HeldAssignment> Request(IReadOnlyCollection<HeldAssignment> held, DateTime? start = null, TimeSpan? duration = null,
        string scope = "/", string?[]? pending = null, bool mfa = true, Policy.RolePolicy? policy = null)
    {
        var s = start ?? T0;
        var d = duration ?? TimeSpan.FromHours(1);
        return ActivationRequestRules.Decide(policy ?? new Policy.RolePolicy(), scope, s, d, held, pending ?? [], mfa, T0, (x, y) => x + y);
    }

    [Fact]
    public void Given_an_eligibility_when_a_principal_asks_within_every_rule_then_the_activation_comes_from_it_and_ends_within_it()
    {
        var eligible = Given("u@x.com", Reader, PimAssignmentType.Eligible, end: T0.AddMinutes(30));
        var verdict = Request([eligible]);
        Assert.Null(verdict.Refusal);
        Assert.Same(eligible, verdict.Eligible);
        Assert.Equal(T0.AddMinutes(30), verdict.End);   // never after the eligibility
    }

    [Fact]
    public void Given_the_request_rules_when_each_is_broken_then_each_refusal_is_named_in_the_one_order()
    {
        var eligible = Given("u@x.com", Reader, PimAssignmentType.Eligible, start: T0.AddDays(-1));
        // A start too far in the past comes first, even before eligibility.
        Assert.Equal(RequestRefusal.StartsTooEarly, Request([], start: T0 - ActivationRules.StartTolerance - TimeSpan.FromTicks(1)).Refusal);
        Assert.Null(Request([eligible], start: T0 - ActivationRules.StartTolerance).Refusal);
        // No eligibility: refused, naming the next one that would cover it.
        var later = Given("u@x.com", Reader, PimAssignmentType.Eligible, start: T0.AddDays(2));
        var notYet = Request([later]);
        Assert.Equal((RequestRefusal.NotEligible, later), (notYet.Refusal!.Value, notYet.Later));
        var unit = Given("u@x.com", Reader, PimAssignmentType.Eligible, "/administrativeUnits/a", start: T0.AddDays(-1));
        Assert.Equal(RequestRefusal.NotEligible, Request([unit], scope: "/administrativeUnits/b").Refusal);
        Assert.Null(Request([unit], scope: "/administrativeUnits/a").Refusal);
        // More than the role's maximum.
        Assert.Equal(RequestRefusal.ExceedsMaximum, Request([eligible], duration: TimeSpan.FromHours(9)).Refusal);
        Assert.Null(Request([eligible], duration: TimeSpan.FromHours(8)).Refusal);
        // Active at the scope during it.
        var active = Given("u@x.com", Reader, PimAssignmentType.Active, member: PimMemberType.Activated, start: T0.AddMinutes(-10), end: T0.AddMinutes(50));
        var overlaps = Request([eligible, active]);
        Assert.Equal((RequestRefusal.Overlaps, active), (overlaps.Refusal!.Value, overlaps.Active));
        Assert.Null(Request([eligible, active], start: T0.AddMinutes(50)).Refusal);   // after it ends
        // The pending limits.
        Assert.Equal(RequestRefusal.SameScopePending, Request([eligible], pending: ["/"]).Refusal);
        Assert.Equal(RequestRefusal.TooManyPending, Request([eligible], pending: ["/a", "/b", "/c", "/d", "/e"]).Refusal);
        Assert.Null(Request([eligible], pending: ["/a", "/b", "/c", "/d"]).Refusal);
        // MFA where the settings need it, last.
        Assert.Equal(RequestRefusal.NoMfa, Request([eligible], mfa: false).Refusal);
        Assert.Null(Request([eligible], mfa: false, policy: new Policy.RolePolicy { ActivationRequirement = PimActivationRequirement.None }).Refusal);
        // The order: a request breaking two rules is refused by the earlier.
        Assert.Equal(RequestRefusal.ExceedsMaximum, Request([eligible, active], duration: TimeSpan.FromHours(9), mfa: false).Refusal);
    }

    [Fact]
    public void Deactivating_an_activation_that_has_not_started_withdraws_it()
    {
        Assert.True(ActivationRules.Withdrawn(T0.AddMinutes(1), T0));     // not started: withdrawn (deleted)
        Assert.False(ActivationRules.Withdrawn(T0, T0));                  // started now: ended
        Assert.False(ActivationRules.Withdrawn(T0, T0.AddMinutes(3)));    // started: ended, never deleted
    }

    [Fact]
    public void Given_an_activation_when_someone_deactivates_it_then_only_its_holder_after_its_first_minutes_and_before_its_end()
    {
        var activation = Given("u@x.com", Reader, PimAssignmentType.Active, member: PimMemberType.Activated, start: T0, end: T0.AddHours(1));
        var key = Principal.Fold("u@x.com");
        Assert.Equal(DeactivationRefusal.NotHolder, ActivationRules.WhyMayNotDeactivate(activation, Principal.Fold("a@x.com"), T0.AddMinutes(10)));
        Assert.Equal(DeactivationRefusal.NotAnActivation, ActivationRules.WhyMayNotDeactivate(
            Given("u@x.com", Reader, PimAssignmentType.Active, start: T0, end: T0.AddHours(1)), key, T0.AddMinutes(10)));
        Assert.Equal(DeactivationRefusal.TooSoon, ActivationRules.WhyMayNotDeactivate(activation, key, T0.AddMinutes(4)));
        Assert.Null(ActivationRules.WhyMayNotDeactivate(activation, key, T0.AddMinutes(5)));
        Assert.Equal(DeactivationRefusal.Ended, ActivationRules.WhyMayNotDeactivate(activation, key, T0.AddHours(1)));
        // One that has not started may be withdrawn at any time before its start.
        Assert.Null(ActivationRules.WhyMayNotDeactivate(activation, key, T0.AddMinutes(-30)));
    }

    [Fact]
    public void Given_administrator_assignments_when_one_would_end_sooner_then_only_the_one_nobody_else_outlasts_is_guarded()
    {
        var forever = Given("a@x.com", Pra, PimAssignmentType.Active);
        var week = Given("b@x.com", Ga, PimAssignmentType.Active, end: T0.AddDays(7));
        (Guid, DateTime?) InForce(IHeld a) => (a.Id, a.End);
        // The only administrator: not removed, not made to end.
        Assert.True(Administrators.EndsAdministrationSooner(forever, null, removed: true, [InForce(forever)], T0.AddHours(1)));
        Assert.True(Administrators.EndsAdministrationSooner(forever, T0.AddDays(30), removed: false, [InForce(forever)], T0.AddHours(1)));
        // Lengthened, or made permanent: never refused.
        Assert.False(Administrators.EndsAdministrationSooner(week, T0.AddDays(30), removed: false, [InForce(week)], T0.AddHours(1)));
        // Another administrator for a week: the permanent one cannot go; the one for a week can, the permanent one outlasts it.
        Assert.True(Administrators.EndsAdministrationSooner(forever, null, removed: true, [InForce(forever), InForce(week)], T0.AddHours(1)));
        Assert.False(Administrators.EndsAdministrationSooner(week, null, removed: true, [InForce(forever), InForce(week)], T0.AddHours(1)));
        // Shortened: refused when administration would then end sooner than it would have, allowed when another outlasts it.
        Assert.True(Administrators.EndsAdministrationSooner(forever, T0.AddDays(7), removed: false, [InForce(forever), InForce(week)], T0.AddHours(1)));
        var alsoForever = Given("c@x.com", Pra, PimAssignmentType.Active);
        Assert.False(Administrators.EndsAdministrationSooner(forever, T0.AddDays(7), removed: false, [InForce(forever), InForce(alsoForever)], T0.AddHours(1)));
        // Not an administrator assignment, or not in force: not guarded.
        Assert.False(Administrators.EndsAdministrationSooner(Given("u@x.com", Reader, PimAssignmentType.Active), null, removed: true, [], T0.AddHours(1)));
        Assert.False(Administrators.EndsAdministrationSooner(week, null, removed: true, [InForce(week)], T0.AddDays(8)));
    }

    // ---- request lifetime --------------------------------------------------------------------------------

    [Fact]
    public void A_request_is_pending_for_its_stages_lifetime_and_then_expired()
    {
        var expires = RequestLifetime.ExpiresAt(T0);
        Assert.Equal(T0 + Limits.PendingRequestLifetime, expires);
        Assert.True(RequestLifetime.IsPending(PimRequestStatus.PendingApproval, T0, expires.AddTicks(-1)));
        Assert.False(RequestLifetime.IsPending(PimRequestStatus.PendingApproval, T0, expires));
        Assert.True(RequestLifetime.HasExpired(T0, expires));
        Assert.False(RequestLifetime.HasExpired(T0, expires.AddTicks(-1)));
        Assert.False(RequestLifetime.IsPending(PimRequestStatus.Provisioned, T0, T0));     // decided: never pending
    }

    // ---- eligibility -------------------------------------------------------------------------------------

    [Fact]
    public void An_activation_comes_from_the_longest_eligibility_covering_its_scope_then()
    {
        var shortOne = Given("u@x.com", Reader, PimAssignmentType.Eligible, "/", end: T0.AddDays(1));
        var longOne = Given("u@x.com", Reader, PimAssignmentType.Eligible, "/", end: T0.AddDays(9));
        var elsewhere = Given("u@x.com", Reader, PimAssignmentType.Eligible, "/administrativeUnits/a");
        var active = Given("u@x.com", Reader, PimAssignmentType.Active, "/");
        Assert.Same(longOne, EligibilityRules.Source(new[] { shortOne, longOne, elsewhere, active }, "/administrativeUnits/b", T0));
        Assert.Same(elsewhere, EligibilityRules.Source(new[] { elsewhere }, "/administrativeUnits/a", T0));
        Assert.Null(EligibilityRules.Source(new[] { elsewhere, active }, "/", T0));          // a narrower scope and an active one: no source
        Assert.Null(EligibilityRules.Source(new[] { shortOne }, "/", T0.AddDays(1)));         // ended
        var later = Given("u@x.com", Reader, PimAssignmentType.Eligible, "/", start: T0.AddDays(2));
        Assert.Null(EligibilityRules.Source(new[] { later }, "/", T0));                       // not started
        Assert.Same(later, EligibilityRules.Next(new[] { later }, "/", T0));
    }

    [Fact]
    public void An_activation_never_outlives_its_eligibility_and_comes_only_from_its_own()
    {
        var eligible = Given("u@x.com", Reader, PimAssignmentType.Eligible, "/", end: T0.AddHours(2));
        Assert.Equal(T0.AddHours(2), EligibilityRules.Within(eligible, T0.AddHours(8)));
        Assert.Equal(T0.AddHours(1), EligibilityRules.Within(eligible, T0.AddHours(1)));
        var activation = Given("u@x.com", Reader, PimAssignmentType.Active, "/x", PimMemberType.Activated, T0, T0.AddHours(1));
        Assert.True(EligibilityRules.IsSourceOf(eligible, activation));
        Assert.False(EligibilityRules.IsSourceOf(eligible with { PrincipalKey = "v@x.com" }, activation));    // someone else's
        Assert.False(EligibilityRules.IsSourceOf(eligible with { RoleId = Pra }, activation));               // another role's
        Assert.False(EligibilityRules.IsSourceOf(eligible with { Scope = "/y" }, activation));               // another scope
        Assert.False(EligibilityRules.IsSourceOf(eligible with { End = T0 }, activation));                   // over when it starts
    }

    // ---- activations -------------------------------------------------------------------------------------

    [Fact]
    public void A_request_asks_at_most_the_roles_maximum_and_starts_at_most_five_minutes_ago()
    {
        var policy = new RolePolicy { ActivationMaxDuration = TimeSpan.FromHours(2) };
        Assert.False(ActivationRules.ExceedsMaximum(TimeSpan.FromHours(2), policy));
        Assert.True(ActivationRules.ExceedsMaximum(TimeSpan.FromHours(2).Add(TimeSpan.FromTicks(1)), policy));
        Assert.False(ActivationRules.StartsTooEarly(T0.AddMinutes(-5), T0));
        Assert.True(ActivationRules.StartsTooEarly(T0.AddMinutes(-5).AddTicks(-1), T0));
    }

    [Fact]
    public void An_activation_is_active_activated_ends_within_its_eligibility_and_lasts_at_most_what_was_allowed()
    {
        var eligible = Given("u@x.com", Reader, PimAssignmentType.Eligible, end: T0.AddHours(3));
        var activation = Given("u@x.com", Reader, PimAssignmentType.Active, member: PimMemberType.Activated, start: T0, end: T0.AddHours(2));
        Assert.Null(ActivationRules.WhyNot(activation, eligible, TimeSpan.FromHours(2)));
        Assert.Equal(ActivationRefusal.NotAnActivation, ActivationRules.WhyNot(activation with { MemberType = PimMemberType.Direct }, eligible, TimeSpan.FromHours(2)));
        Assert.Equal(ActivationRefusal.NotAnActivation, ActivationRules.WhyNot(activation with { Type = PimAssignmentType.Eligible }, eligible, TimeSpan.FromHours(2)));
        Assert.Equal(ActivationRefusal.NeverEnds, ActivationRules.WhyNot(activation with { End = null }, eligible, TimeSpan.FromHours(2)));
        Assert.Equal(ActivationRefusal.OutlivesEligibility, ActivationRules.WhyNot(activation with { End = T0.AddHours(4) }, eligible, TimeSpan.FromHours(8)));
        Assert.Equal(ActivationRefusal.LongerThanAllowed, ActivationRules.WhyNot(activation, eligible, TimeSpan.FromHours(1)));
        Assert.Null(ActivationRules.WhyNot(activation, eligible, TimeSpan.FromHours(2) - TimeSpan.FromSeconds(30)));   // the times' rounding
    }

    [Fact]
    public void A_request_needs_a_checked_mfa_code_unless_the_role_requires_none()
    {
        Assert.True(ActivationRules.NeedsMfa(new RolePolicy { ActivationRequirement = PimActivationRequirement.Mfa }));
        Assert.True(ActivationRules.NeedsMfa(new RolePolicy { ActivationRequirement = PimActivationRequirement.AuthenticationContext }));
        Assert.False(ActivationRules.NeedsMfa(new RolePolicy { ActivationRequirement = PimActivationRequirement.None }));
    }

    [Fact]
    public void A_request_may_not_overlap_an_active_assignment_at_its_scope()
    {
        var active = Given("u@x.com", Reader, PimAssignmentType.Active, "/a", PimMemberType.Activated, T0, T0.AddHours(1));
        Assert.Same(active, ActivationRules.Overlapping(new[] { active }, "/A", T0.AddMinutes(30), T0.AddHours(2), T0));   // scopes compare as text, ignoring case
        Assert.Null(ActivationRules.Overlapping(new[] { active }, "/a", T0.AddHours(1), T0.AddHours(2), T0));             // starts when it ends
        Assert.Null(ActivationRules.Overlapping(new[] { active }, "/b", T0, T0.AddHours(1), T0));                         // another scope
        Assert.Null(ActivationRules.Overlapping(new[] { active with { Type = PimAssignmentType.Eligible } }, "/a", T0, T0.AddHours(1), T0));
        Assert.Null(ActivationRules.Overlapping(new[] { active }, "/a", T0, T0.AddHours(1), T0.AddHours(1)));             // ended by then
    }

    [Fact]
    public void An_activation_is_not_deactivated_in_its_first_five_minutes()
    {
        Assert.True(ActivationRules.TooSoonToDeactivate(T0, T0));
        Assert.True(ActivationRules.TooSoonToDeactivate(T0, T0 + ActivationRules.MinimumActivation - TimeSpan.FromTicks(1)));
        Assert.False(ActivationRules.TooSoonToDeactivate(T0, T0 + ActivationRules.MinimumActivation));
        Assert.False(ActivationRules.TooSoonToDeactivate(T0.AddHours(1), T0));   // not started: it may be withdrawn
    }

    [Fact]
    public void One_pending_request_per_scope_and_at_most_five_of_a_role()
    {
        Assert.Null(RequestLimits.WhyNot([], "/"));
        Assert.Equal(PendingRefusal.SameScope, RequestLimits.WhyNot(["/A"], "/a"));
        var four = Enumerable.Range(1, Limits.MaxPendingActivationsPerRole - 1).Select(i => (string?)$"/s{i}").ToList();
        Assert.Null(RequestLimits.WhyNot(four, "/x"));
        Assert.Equal(PendingRefusal.TooMany, RequestLimits.WhyNot([.. four, "/s9"], "/x"));
    }

    // ---- approvals ---------------------------------------------------------------------------------------

    private static RolePolicy.ApprovalStageRule Stage(int required, string[] approvers, string[]? escalation = null, TimeSpan? after = null)
        => new([.. approvers], required, [.. escalation ?? []], after);

    [Fact]
    public void A_stage_is_decided_by_its_approvers_else_the_administrators_and_by_escalation_approvers_once_open()
    {
        var stage = Stage(1, ["A1@x.com"], ["e1@x.com"], TimeSpan.FromHours(4));
        Assert.Equal(["a1@x.com"], ApprovalRules.Entitled(stage, ["admin@x.com"], T0, T0.AddHours(4).AddTicks(-1)));
        Assert.Equal(new HashSet<string> { "a1@x.com", "e1@x.com" }, ApprovalRules.Entitled(stage, ["admin@x.com"], T0, T0.AddHours(4)));
        Assert.Equal(["admin@x.com"], ApprovalRules.Entitled(Stage(1, []), ["Admin@X.com"], T0, T0));
        Assert.Equal(["admin@x.com"], ApprovalRules.Entitled(null, ["admin@x.com"], T0, T0));   // an extension: the administrators
        Assert.Equal(1, ApprovalRules.Required(null));
        Assert.Equal(2, ApprovalRules.Required(Stage(2, ["a1@x.com"])));
    }

    [Fact]
    public void A_quorum_counts_distinct_approvals_in_the_stage_by_principals_entitled_now()
    {
        var entitled = new HashSet<string> { "a1@x.com", "a2@x.com" };
        Assert.Equal(2, ApprovalRules.Counted([("a1@x.com", 2, true), ("a2@x.com", 2, true)], 2, entitled));
        Assert.Equal(1, ApprovalRules.Counted([("a1@x.com", 2, true), ("a1@x.com", 2, true)], 2, entitled));   // twice: once
        Assert.Equal(0, ApprovalRules.Counted([("a1@x.com", 1, true)], 2, entitled));                        // another stage
        Assert.Equal(0, ApprovalRules.Counted([("a3@x.com", 2, true)], 2, entitled));                        // taken off the stage
        Assert.Equal(0, ApprovalRules.Counted([("a1@x.com", 2, false)], 2, entitled));                       // a denial
    }

    [Fact]
    public void Who_may_not_decide_a_request_and_why()
    {
        var entitled = new HashSet<string> { "a1@x.com", "u@x.com" };
        Assert.Equal(DecisionRefusal.OwnRequest, ApprovalRules.WhyMayNotDecide("u@x.com", "u@x.com", false, entitled));
        Assert.Equal(DecisionRefusal.DecidedAlready, ApprovalRules.WhyMayNotDecide("u@x.com", "a1@x.com", true, entitled));
        Assert.Equal(DecisionRefusal.NotApprover, ApprovalRules.WhyMayNotDecide("u@x.com", "a2@x.com", false, entitled));
        Assert.Null(ApprovalRules.WhyMayNotDecide("u@x.com", "a1@x.com", false, entitled));
        var policy = new RolePolicy { RequireApproverJustification = true };
        Assert.True(ApprovalRules.LacksJustification(policy, "  "));
        Assert.False(ApprovalRules.LacksJustification(policy, "on call"));
        Assert.False(ApprovalRules.LacksJustification(new RolePolicy { RequireApproverJustification = false }, null));
    }

    // ---- access review decisions -------------------------------------------------------------------------

    [Fact]
    public void A_review_is_open_a_day_to_its_period()
    {
        Assert.Equal(ReviewRules.MaxDuration, ReviewRules.Period(T0, PimAccessReviewRecurrence.None));
        Assert.Equal(TimeSpan.FromDays(7), ReviewRules.Period(T0, PimAccessReviewRecurrence.Weekly));
        Assert.Equal(TimeSpan.FromDays(31), ReviewRules.Period(T0, PimAccessReviewRecurrence.Monthly));   // December
        Assert.Equal(ReviewDurationRefusal.TooShort, ReviewRules.WhyDurationNot(TimeSpan.FromHours(23), TimeSpan.FromDays(7)));
        Assert.Equal(ReviewDurationRefusal.TooLong, ReviewRules.WhyDurationNot(TimeSpan.FromDays(8), TimeSpan.FromDays(7)));
        Assert.Null(ReviewRules.WhyDurationNot(TimeSpan.FromDays(7), TimeSpan.FromDays(7)));
        Assert.Null(ReviewRules.WhyDurationNot(ReviewRules.MinDuration, TimeSpan.FromDays(7)));
    }

    [Fact]
    public void A_review_covers_the_direct_assignments_of_its_role_and_type_in_force_when_it_starts()
    {
        var eligible = Given("u@x.com", Reader, PimAssignmentType.Eligible, end: T0.AddDays(1));
        Assert.True(ReviewRules.IsReviewable(eligible, Reader, PimAccessReviewAssignmentType.Eligible, T0));
        Assert.True(ReviewRules.IsReviewable(eligible, Reader, PimAccessReviewAssignmentType.All, T0));
        Assert.False(ReviewRules.IsReviewable(eligible, Reader, PimAccessReviewAssignmentType.Active, T0));                  // another type
        Assert.False(ReviewRules.IsReviewable(eligible, Pra, PimAccessReviewAssignmentType.All, T0));                        // another role
        Assert.False(ReviewRules.IsReviewable(eligible, Reader, PimAccessReviewAssignmentType.All, T0.AddDays(1)));          // ended
        var activation = Given("u@x.com", Reader, PimAssignmentType.Active, member: PimMemberType.Activated, end: T0.AddHours(1));
        Assert.False(ReviewRules.IsReviewable(activation, Reader, PimAccessReviewAssignmentType.All, T0));                   // never an activation
        Assert.True(ReviewRules.IsReviewable(activation with { MemberType = PimMemberType.Direct }, Reader, PimAccessReviewAssignmentType.Active, T0));
    }

    [Fact]
    public void Who_may_not_decide_an_access_review_item_and_why()
    {
        string[] reviewers = ["r1@x.com", "u@x.com"];
        var end = T0.AddDays(7);
        ReviewDecisionRefusal? Decide(bool completed = false, bool self = false, string item = "u@x.com", string actor = "r1@x.com", DateTime? at = null)
            => ReviewRules.WhyMayNotDecide(completed, end, self, self ? [] : reviewers, item, actor, at ?? T0);
        Assert.Null(Decide());
        Assert.Equal(ReviewDecisionRefusal.Completed, Decide(completed: true));
        Assert.Equal(ReviewDecisionRefusal.Ended, Decide(at: end));
        Assert.Null(Decide(at: end.AddTicks(-1)));
        Assert.Equal(ReviewDecisionRefusal.NotReviewer, Decide(actor: "r2@x.com"));
        Assert.Equal(ReviewDecisionRefusal.OwnAssignment, Decide(actor: "u@x.com"));
        Assert.Null(Decide(self: true, actor: "u@x.com"));
        Assert.Equal(ReviewDecisionRefusal.NotOwnItem, Decide(self: true, actor: "r1@x.com"));
    }
}
