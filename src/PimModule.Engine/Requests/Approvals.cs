using PimModule.Storage;

namespace PimModule.Requests;

/// <summary>
/// Who decides a request, stage by stage. An activation waits in its role's approval stages in turn: each stage's listed
/// approvers (else the default approvers: active Privileged Role Administrators and Global Administrators) decide, and
/// its escalation approvers too once the stage has gone EscalationAfter without its quorum. Never the requester, and
/// never a principal who decided the request already. Extensions are decided by administrators, in one stage.
/// </summary>
internal static class Approvals
{
    private static bool IsExtension(RequestRow q) => q.Action is PimRequestAction.SelfExtend or PimRequestAction.SelfRenew;

    /// <summary>The stage the request waits in, as the role's settings have it now (null: an extension, decided by administrators).</summary>
    public static RolePolicy.ApprovalStageRule? StageOf(UnitOfWork work, RequestRow q)
        => IsExtension(q) ? null : SettingsService.LoadOnce(work, q.RoleId).Stage((int)q.Stage);

    /// <summary>How many distinct approvals the request's current stage needs.</summary>
    public static int RequiredAt(UnitOfWork work, RequestRow q) => StageOf(work, q)?.RequiredApprovals ?? 1;

    /// <summary>Whether the request's current stage is its last: its quorum provisions the request.</summary>
    public static bool IsLastStage(UnitOfWork work, RequestRow q) => IsExtension(q) || SettingsService.LoadOnce(work, q.RoleId).IsLastStage((int)q.Stage);

    public static int StageCount(UnitOfWork work, RequestRow q) => IsExtension(q) ? 1 : SettingsService.LoadOnce(work, q.RoleId).Stages.Count;

    /// <summary>The current stage's approvers (not its escalation approvers), without the requester: who hears the request has reached the stage.</summary>
    public static IReadOnlyList<string> ApproversOf(UnitOfWork work, RequestRow q)
    {
        var stage = StageOf(work, q);
        var approvers = stage is { Approvers.Count: > 0 } ? stage.Approvers : Authorization.Administrators(work);
        return approvers.Where(a => !Principal.Same(a, q.Principal)).ToList();
    }

    /// <summary>When the current stage's escalation approvers may decide (null: the stage has no escalation).</summary>
    public static DateTime? EscalationOpensAt(UnitOfWork work, RequestRow q) => StageOf(work, q)?.EscalationAfter is { } e ? q.StageStart + e : null;

    /// <summary>The current stage's escalation approvers (without the requester).</summary>
    public static IReadOnlyList<string> EscalationApproversOf(UnitOfWork work, RequestRow q)
        => (StageOf(work, q)?.EscalationApprovers ?? []).Where(a => !Principal.Same(a, q.Principal)).ToList();

    /// <summary>
    /// Who may decide the request at <paramref name="now"/>: the current stage's approvers, its escalation approvers once
    /// escalation opened, never the requester and never who decided already (<paramref name="decisions"/>).
    /// </summary>
    public static IReadOnlyList<string> MayDecide(UnitOfWork work, RequestRow q, DateTime now, IReadOnlyList<RequestApprovalsTable.Row> decisions)
    {
        var deciders = ApproversOf(work, q).ToList();
        if (EscalationOpensAt(work, q) is { } opens && now >= opens) deciders.AddRange(EscalationApproversOf(work, q));
        return deciders.Where(d => !decisions.Any(x => Principal.Same(x.Approver, d))).Distinct(Principal.Comparer).ToList();
    }

    /// <summary>
    /// How many distinct principals entitled for the request's current stage now (its approvers, and its escalation
    /// approvers once escalation opened) approved it in that stage: what its quorum counts. An approver taken off the
    /// stage meanwhile no longer counts.
    /// </summary>
    public static int CountedApprovals(UnitOfWork work, RequestRow q, DateTime now, IReadOnlyList<RequestApprovalsTable.Row> decisions)
    {
        var entitled = ApproversOf(work, q).ToList();
        if (EscalationOpensAt(work, q) is { } opens && now >= opens) entitled.AddRange(EscalationApproversOf(work, q));
        var keys = entitled.Select(Principal.Fold).ToHashSet(StringComparer.Ordinal);
        return decisions.Where(d => d.Stage == q.Stage && d.Decision == RequestApprovalsTable.Approve && keys.Contains(d.Key))
            .Select(d => d.Key).Distinct(StringComparer.Ordinal).Count();
    }

    public static bool MayApprove(UnitOfWork work, RequestRow q, string principal)
        => MayDecide(work, q, work.Now, RequestApprovalsTable.For(work, q.Id)).Contains(principal, Principal.Comparer);
}
