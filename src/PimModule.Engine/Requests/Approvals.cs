namespace PimModule.Requests;

/// <summary>Who approves a request: the role's listed approvers, else its default approvers (active Privileged Role
/// Administrators and Global Administrators) — never the requester. Extensions are decided by administrators.</summary>
internal static class Approvals
{
    /// <summary>The principals who may decide a request (for the check, notifications and messages).</summary>
    public static IReadOnlyList<string> ApproversOf(Storage.UnitOfWork work, RequestRow request)
    {
        var policy = SettingsService.LoadOnce(work, request.RoleId);
        var extension = request.Action is PimRequestAction.SelfExtend or PimRequestAction.SelfRenew;
        var approvers = policy.Approvers.Count > 0 && !extension ? policy.Approvers : Authorization.Administrators(work);
        return approvers.Where(a => !Principal.Same(a, request.Principal)).ToList();
    }

    public static bool MayApprove(Storage.UnitOfWork work, RequestRow request, string principal)
        => ApproversOf(work, request).Contains(principal, Principal.Comparer);
}
