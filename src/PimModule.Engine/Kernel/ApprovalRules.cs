using PimModule.Policy;
using PimModule.Identity;

namespace PimModule.Kernel;

/// <summary>Why a principal may not decide a request (the write path's error and the replay's reason both come from it).</summary>
internal enum DecisionRefusal
{
    /// <summary>Requesters never decide their own requests.</summary>
    OwnRequest,
    /// <summary>No principal decides a request twice.</summary>
    DecidedAlready,
    /// <summary>Not entitled for the request's current stage now.</summary>
    NotApprover,
    /// <summary>The role's settings require approvers to give a reason (RequireApproverJustification), and none was given.</summary>
    JustificationRequired,
}

/// <summary>
/// Who decides a request, stage by stage, and when its quorum is reached — the one rule that Approve-PimRequest,
/// Deny-PimRequest, their notices and the state replay call. An activation waits in its role's approval stages in turn:
/// each stage's listed approvers (else the administrators) decide, and its escalation approvers too once the stage has gone
/// EscalationAfter without its quorum. Extensions and renewals are decided by administrators, in one stage of one approval.
/// Never the requester, never a principal who decided already; only approvals by principals entitled for the stage now count.
/// </summary>
internal static class ApprovalRules
{
    /// <summary>When the stage's escalation approvers may decide (null: no escalation, or no stage — an extension).</summary>
    public static DateTime? EscalationOpensAt(RolePolicy.ApprovalStageRule? stage, DateTime stageStart)
        => stage?.EscalationAfter is { } e ? stageStart + e : null;

    /// <summary>
    /// The keys of who is entitled to decide a request's current <paramref name="stage"/> (null: an extension) at
    /// <paramref name="at"/>: its approvers, else <paramref name="administrators"/>; and its escalation approvers once escalation opened.
    /// </summary>
    public static HashSet<string> Entitled(RolePolicy.ApprovalStageRule? stage, IEnumerable<string> administrators, DateTime stageStart, DateTime at)
    {
        var keys = Approvers(stage, administrators).Select(Principal.Fold).ToHashSet(StringComparer.Ordinal);
        if (EscalationOpensAt(stage, stageStart) is { } opens && at >= opens) keys.UnionWith(stage!.EscalationApprovers.Select(Principal.Fold));
        return keys;
    }

    /// <summary>A stage's approvers (not its escalation approvers), as named: its listed ones, else <paramref name="administrators"/>.</summary>
    public static IEnumerable<string> Approvers(RolePolicy.ApprovalStageRule? stage, IEnumerable<string> administrators)
        => stage is { Approvers.Count: > 0 } ? stage.Approvers : administrators;

    /// <summary>How many distinct approvals the stage needs (an extension: one).</summary>
    public static int Required(RolePolicy.ApprovalStageRule? stage) => stage?.RequiredApprovals ?? 1;

    /// <summary>How many distinct principals entitled now approved in <paramref name="stage"/>: what its quorum counts (an approver taken off the stage meanwhile no longer counts).</summary>
    public static int Counted(IEnumerable<(string ApproverKey, long Stage, bool Approved)> decisions, long stage, IReadOnlySet<string> entitled)
        => decisions.Where(d => d.Stage == stage && d.Approved && entitled.Contains(d.ApproverKey)).Select(d => d.ApproverKey).Distinct(StringComparer.Ordinal).Count();

    /// <summary>Why <paramref name="actorKey"/> may not decide the request now; null when they may.</summary>
    public static DecisionRefusal? WhyMayNotDecide(string requesterKey, string actorKey, bool decidedAlready, IReadOnlySet<string> entitled)
        => actorKey == requesterKey ? DecisionRefusal.OwnRequest
            : decidedAlready ? DecisionRefusal.DecidedAlready
            : !entitled.Contains(actorKey) ? DecisionRefusal.NotApprover
            : null;

    /// <summary>Whether a decision with <paramref name="justification"/> is refused by the role's RequireApproverJustification.</summary>
    public static bool LacksJustification(RolePolicy policy, string? justification)
        => policy.RequireApproverJustification && string.IsNullOrWhiteSpace(justification);
}
