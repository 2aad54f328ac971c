using PimModule.Kernel;
using PimModule.Storage;
using PimModule.Policy;
using PimModule.Identity;

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
    public static int RequiredAt(UnitOfWork work, RequestRow q) => ApprovalRules.Required(StageOf(work, q));

    /// <summary>Whether the request's current stage is its last: its quorum provisions the request.</summary>
    public static bool IsLastStage(UnitOfWork work, RequestRow q) => IsExtension(q) || SettingsService.LoadOnce(work, q.RoleId).IsLastStage((int)q.Stage);

    public static int StageCount(UnitOfWork work, RequestRow q) => IsExtension(q) ? 1 : SettingsService.LoadOnce(work, q.RoleId).Stages.Count;

    /// <summary>The current stage's approvers (not its escalation approvers), without the requester: who hears the request has reached the stage.</summary>
    public static IReadOnlyList<string> ApproversOf(UnitOfWork work, RequestRow q)
    {
        var stage = StageOf(work, q);
        var approvers = ApprovalRules.Approvers(stage, Authorization.Administrators(work));
        return approvers.Where(a => !Principal.Same(a, q.Principal)).ToList();
    }

    /// <summary>When the current stage's escalation approvers may decide (null: the stage has no escalation).</summary>
    public static DateTime? EscalationOpensAt(UnitOfWork work, RequestRow q) => ApprovalRules.EscalationOpensAt(StageOf(work, q), q.StageStart);

    /// <summary>The current stage's escalation approvers (without the requester).</summary>
    public static IReadOnlyList<string> EscalationApproversOf(UnitOfWork work, RequestRow q)
        => (StageOf(work, q)?.EscalationApprovers ?? []).Where(a => !Principal.Same(a, q.Principal)).ToList();

    /// <summary>The keys of who is entitled to decide the request's current stage at <paramref name="now"/> (<see cref="ApprovalRules.Entitled"/>).</summary>
    public static HashSet<string> Entitled(UnitOfWork work, RequestRow q, DateTime now)
        => ApprovalRules.Entitled(StageOf(work, q), Authorization.Administrators(work), q.StageStart, now);

    /// <summary>
    /// Who may decide the request at <paramref name="now"/>, by name (for messages and notices): the current stage's approvers,
    /// its escalation approvers once escalation opened, each of them only when <see cref="ApprovalRules.WhyMayNotDecide"/> lets them.
    /// </summary>
    public static IReadOnlyList<string> MayDecide(UnitOfWork work, RequestRow q, DateTime now, IReadOnlyList<RequestApprovalsTable.Row> decisions)
    {
        var entitled = Entitled(work, q, now);
        var requester = Principal.Fold(q.Principal);
        return ApproversOf(work, q).Concat(EscalationApproversOf(work, q))
            .Where(d => Principal.Fold(d) is var key && ApprovalRules.WhyMayNotDecide(requester, key, decisions.Any(x => x.Key == key), entitled) is null)
            .Distinct(Principal.Comparer).ToList();
    }
}
