using PimModule.Storage;

namespace PimModule;

/// <summary>Who approves a request: the role's listed approvers, else its default approvers (active Privileged Role
/// Administrators and Global Administrators) — never the requester.</summary>
internal static class Approvals
{
    public static bool MayApprove(UnitOfWork work, RequestRow request, string principal)
    {
        if (string.Equals(request.Principal, principal, StringComparison.OrdinalIgnoreCase)) return false;
        var policy = SettingsService.Load(work, request.RoleId);
        if (request.Action is PimRequestAction.SelfExtend or PimRequestAction.SelfRenew)
            return Authorization.IsRoleAdministrator(work, principal); // extensions are decided by administrators
        return policy.Approvers.Count > 0
            ? policy.Approvers.Contains(principal, StringComparer.OrdinalIgnoreCase)
            : Authorization.IsRoleAdministrator(work, principal);
    }

    /// <summary>The principals who may decide a request (for notifications and messages).</summary>
    public static IReadOnlyList<string> ApproversOf(UnitOfWork work, RequestRow request)
    {
        var policy = SettingsService.Load(work, request.RoleId);
        if (policy.Approvers.Count > 0 && request.Action is not (PimRequestAction.SelfExtend or PimRequestAction.SelfRenew))
            return policy.Approvers.Where(a => !string.Equals(a, request.Principal, StringComparison.OrdinalIgnoreCase)).ToList();
        return work.Query(
            "SELECT DISTINCT principal FROM assignments WHERE type = 'Active' AND scope = '/' AND role_id IN (@pra, @ga) " +
            "AND start_utc <= @now AND (end_utc IS NULL OR end_utc > @now) AND principal_key <> @req ORDER BY principal",
            r => r.GetString(0), ("@pra", RoleCatalog.PrivilegedRoleAdministrator), ("@ga", RoleCatalog.GlobalAdministrator),
            ("@now", work.Now), ("@req", Db.Key(request.Principal)));
    }
}
