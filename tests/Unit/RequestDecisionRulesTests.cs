using PimModule.Kernel;
using Xunit;

namespace PimModule.Tests;

/// <summary>
/// Issue 29: the one decision about a waiting request (Kernel/RequestDecisionRules.cs), which Approve-, Deny-,
/// Stop-PimRequest and the state replay all call. Given a request as it waits, When a principal approves, denies, cancels
/// or expires it at a time, Then the kernel's answer: every refusal named, in its order, and what an approval does.
/// </summary>
[Trait("Provider", "Neutral")]
public sealed class RequestDecisionRulesTests
{
    private static readonly DateTime T0 = new(2026, 12, 7, 9, 0, 0, DateTimeKind.Utc);
    private static readonly RolePolicy Policy = new() { RequireApproverJustification = false };
    private static readonly RolePolicy NeedsReason = new() { RequireApproverJustification = true };
    private static RolePolicy.ApprovalStageRule Quorum(int n, params string[] approvers) => new([.. approvers], n, [], null);

    private static WaitingRequest Given(bool pending = true, string[]? decided = null, string[]? approved = null, int quorum = 1, bool last = true,
        string[]? entitled = null)
        => new("u@x.com", pending, T0, (decided ?? []).ToHashSet(StringComparer.Ordinal), (entitled ?? ["a1@x.com", "a2@x.com", "u@x.com"]).ToHashSet(StringComparer.Ordinal),
            approved ?? [], Quorum(quorum, "a1@x.com", "a2@x.com"), last);

    private static RequestDecisionVerdict When(RequestCommand c, WaitingRequest q, string actor, DateTime? at = null, string? reason = "ok", RolePolicy? policy = null)
        => RequestDecisionRules.Decide(c, q, actor, reason, policy ?? Policy, at ?? T0.AddHours(1));

    [Fact]
    public void Given_a_waiting_request_when_each_rule_is_broken_then_each_refusal_is_named_in_the_one_order()
    {
        // A cancel is its requester's, before anything else is looked at.
        Assert.Equal(RequestDecisionRefusal.NotRequester, When(RequestCommand.Cancel, Given(pending: false), "a1@x.com").Refusal);
        Assert.Equal(RequestDecisionRefusal.NotPending, When(RequestCommand.Cancel, Given(pending: false), "u@x.com").Refusal);
        Assert.Equal(RequestDecisionRefusal.NotPending, When(RequestCommand.Approve, Given(pending: false), "a1@x.com").Refusal);
        // Its stage's 24 hours passed: only an expiry is left.
        Assert.Equal(RequestDecisionRefusal.Expired, When(RequestCommand.Approve, Given(), "a1@x.com", T0.AddHours(24)).Refusal);
        Assert.Equal(RequestDecisionRefusal.Expired, When(RequestCommand.Cancel, Given(), "u@x.com", T0.AddHours(24)).Refusal);
        Assert.Equal(RequestDecisionRefusal.NotDue, When(RequestCommand.Expire, Given(), "anyone@x.com", T0.AddHours(24).AddTicks(-1)).Refusal);
        // Not the requester's own, not twice, only by one entitled, with a reason where the settings need one.
        Assert.Equal(RequestDecisionRefusal.OwnRequest, When(RequestCommand.Approve, Given(), "u@x.com").Refusal);
        Assert.Equal(RequestDecisionRefusal.DecidedAlready, When(RequestCommand.Deny, Given(decided: ["a1@x.com"]), "a1@x.com").Refusal);
        Assert.Equal(RequestDecisionRefusal.NotApprover, When(RequestCommand.Approve, Given(), "a3@x.com").Refusal);
        Assert.Equal(RequestDecisionRefusal.JustificationRequired, When(RequestCommand.Deny, Given(), "a1@x.com", reason: " ", policy: NeedsReason).Refusal);
        Assert.Null(When(RequestCommand.Deny, Given(), "a1@x.com", reason: "seen", policy: NeedsReason).Refusal);
    }

    [Fact]
    public void Given_a_waiting_request_when_it_is_denied_canceled_or_expired_then_that_is_its_end()
    {
        Assert.Equal(RequestOutcome.Denied, When(RequestCommand.Deny, Given(), "a2@x.com").Outcome);
        Assert.Equal(RequestOutcome.Canceled, When(RequestCommand.Cancel, Given(), "u@x.com").Outcome);
        Assert.Equal(RequestOutcome.Expired, When(RequestCommand.Expire, Given(), "anyone@x.com", T0.AddHours(24)).Outcome);
    }

    [Fact]
    public void Given_a_stage_with_a_quorum_when_approvals_come_then_only_distinct_entitled_ones_count_and_its_quorum_moves_the_request_on()
    {
        // One of two: recorded.
        var first = When(RequestCommand.Approve, Given(quorum: 2), "a1@x.com");
        Assert.Equal((RequestOutcome.Recorded, 1, 2), (first.Outcome!.Value, first.Counted, first.Required));
        // Two of two, a later stage follows: the request moves to it; its last stage: provisioned.
        Assert.Equal(RequestOutcome.StageApproved, When(RequestCommand.Approve, Given(approved: ["a1@x.com"], decided: ["a1@x.com"], quorum: 2, last: false), "a2@x.com").Outcome);
        Assert.Equal(RequestOutcome.Provisioned, When(RequestCommand.Approve, Given(approved: ["a1@x.com"], decided: ["a1@x.com"], quorum: 2), "a2@x.com").Outcome);
        // An approver taken off the stage meanwhile no longer counts towards its quorum.
        var meanwhile = When(RequestCommand.Approve, Given(approved: ["gone@x.com"], decided: ["gone@x.com"], quorum: 2), "a2@x.com");
        Assert.Equal((RequestOutcome.Recorded, 1), (meanwhile.Outcome!.Value, meanwhile.Counted));
    }
}
