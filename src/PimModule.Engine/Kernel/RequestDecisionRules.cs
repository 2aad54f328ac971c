using PimModule.Policy;

namespace PimModule.Kernel;

/// <summary>What is done to a waiting request: Approve-PimRequest, Deny-PimRequest, Stop-PimRequest, or its expiry.</summary>
internal enum RequestCommand { Approve, Deny, Cancel, Expire }

/// <summary>Why a request may not be decided, canceled or expired now.</summary>
internal enum RequestDecisionRefusal
{
    /// <summary>It is no longer waiting: decided, canceled or expired already.</summary>
    NotPending,
    /// <summary>It waited its 24 hours in its stage without a decision (<see cref="RequestLifetime"/>): it can only expire.</summary>
    Expired,
    /// <summary>An expiry before the request's 24 hours in its stage passed.</summary>
    NotDue,
    /// <summary>A cancel by someone other than the requester.</summary>
    NotRequester,
    /// <summary>Requesters never decide their own requests.</summary>
    OwnRequest,
    /// <summary>No principal decides a request twice.</summary>
    DecidedAlready,
    /// <summary>Not entitled for the request's current stage now (<see cref="ApprovalRules.Entitled"/>).</summary>
    NotApprover,
    /// <summary>The role's settings require approvers to give a reason (RequireApproverJustification), and none was given.</summary>
    JustificationRequired,
}

/// <summary>What a decision does to its request.</summary>
internal enum RequestOutcome
{
    /// <summary>An approval counted in its stage, whose quorum is not reached yet.</summary>
    Recorded,
    /// <summary>The stage's quorum reached, and a later stage follows: the request moves to it.</summary>
    StageApproved,
    /// <summary>The last stage's quorum reached: the activation (or extension) is provisioned.</summary>
    Provisioned,
    Denied,
    Canceled,
    Expired,
}

/// <summary>A waiting request as a decision about it sees it (the tables' row, or the replayed checkpoint's).</summary>
/// <param name="StillPending">Its status is PendingApproval (whether or not its 24 hours passed).</param>
/// <param name="DecidedBy">The keys of who decided it already (any stage).</param>
/// <param name="Entitled">The keys of who may decide its current stage at the decision's time (<see cref="ApprovalRules.Entitled"/>).</param>
/// <param name="Approvals">The keys of who approved it in its current stage (entitled or not: the quorum counts only the entitled).</param>
/// <param name="Stage">The approval stage it waits in (null: an extension or renewal, decided by administrators in one stage).</param>
internal sealed record WaitingRequest(string RequesterKey, bool StillPending, DateTime StageStart, IReadOnlySet<string> DecidedBy,
    IReadOnlySet<string> Entitled, IReadOnlyCollection<string> Approvals, RolePolicy.ApprovalStageRule? Stage, bool LastStage);

/// <summary>The answer: a refusal, or what the decision does (and, for an approval, the quorum it counted).</summary>
internal sealed record RequestDecisionVerdict(RequestDecisionRefusal? Refusal, RequestOutcome? Outcome, int Counted = 0, int Required = 0);

/// <summary>
/// The one decision about a waiting request, in the one order the write path (Approve-, Deny- and Stop-PimRequest; the
/// expiry Invoke-PimMaintenance writes picks what is due by the same lifetime, RequestLifetime's SQL) and the state replay apply it — each telling a refusal its own way (an ErrorRecord, a
/// replay's reason). In order: a cancel is its requester's; the request still waits (an expiry: only once its stage's 24 hours passed; anything else:
/// only before); a decision is not the requester's, not a second one, by a principal entitled
/// for the stage then, with a reason where the role's settings need one. An approval counts the stage's distinct entitled
/// approvals, this one included: with the stage's quorum the request moves on, or, in its last stage, is provisioned.
/// </summary>
internal static class RequestDecisionRules
{
    public static RequestDecisionVerdict Decide(RequestCommand command, WaitingRequest q, string actorKey, string? justification, RolePolicy policy, DateTime at)
    {
        static RequestDecisionVerdict No(RequestDecisionRefusal why) => new(why, null);
        if (command == RequestCommand.Cancel && actorKey != q.RequesterKey) return No(RequestDecisionRefusal.NotRequester);
        if (!q.StillPending) return No(RequestDecisionRefusal.NotPending);
        var expired = RequestLifetime.HasExpired(q.StageStart, at);
        if (command == RequestCommand.Expire) return expired ? Outcome(command, q, actorKey) : No(RequestDecisionRefusal.NotDue);
        if (expired) return No(RequestDecisionRefusal.Expired);
        if (command == RequestCommand.Cancel) return Outcome(command, q, actorKey);
        switch (ApprovalRules.WhyMayNotDecide(q.RequesterKey, actorKey, q.DecidedBy.Contains(actorKey), q.Entitled))
        {
            case DecisionRefusal.OwnRequest: return No(RequestDecisionRefusal.OwnRequest);
            case DecisionRefusal.DecidedAlready: return No(RequestDecisionRefusal.DecidedAlready);
            case DecisionRefusal.NotApprover: return No(RequestDecisionRefusal.NotApprover);
        }
        if (ApprovalRules.LacksJustification(policy, justification)) return No(RequestDecisionRefusal.JustificationRequired);
        return Outcome(command, q, actorKey);
    }

    /// <summary>
    /// What a decision that may be made does to its request: an approval counts the stage's distinct entitled approvals,
    /// this one included, and with the quorum moves the request on or, in its last stage, provisions it. (The replay asks
    /// only this of the genesis transaction, which is the store's root's and judged by nothing.)
    /// </summary>
    public static RequestDecisionVerdict Outcome(RequestCommand command, WaitingRequest q, string actorKey)
    {
        switch (command)
        {
            case RequestCommand.Expire: return new(null, RequestOutcome.Expired);
            case RequestCommand.Cancel: return new(null, RequestOutcome.Canceled);
            case RequestCommand.Deny: return new(null, RequestOutcome.Denied);
        }
        var counted = ApprovalRules.Counted(q.Approvals.Append(actorKey).Select(k => (k, 1L, true)), 1, q.Entitled);
        var required = ApprovalRules.Required(q.Stage);
        var outcome = counted < required ? RequestOutcome.Recorded : q.LastStage ? RequestOutcome.Provisioned : RequestOutcome.StageApproved;
        return new(null, outcome, counted, required);
    }
}
