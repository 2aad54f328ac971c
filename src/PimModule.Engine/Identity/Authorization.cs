using PimModule.Storage;

namespace PimModule.Identity;

/// <summary>Who may administer PIM: the holders of an active Privileged Role Administrator or Global Administrator assignment.</summary>
internal static class Authorization
{
    public static bool IsRoleAdministrator(UnitOfWork work, string principal) => work.ScalarLong(
        "SELECT COUNT(*) FROM assignments WHERE principal_key = @pk AND type = 'Active' AND scope = '/' " +
        "AND role_id IN (@pra, @ga) AND start_utc <= @now AND (end_utc IS NULL OR end_utc > @now)",
        ("@pk", Principal.Fold(principal)), ("@pra", RoleCatalog.PrivilegedRoleAdministrator), ("@ga", RoleCatalog.GlobalAdministrator),
        ("@now", work.Now)) > 0;

    /// <summary>The principals who administer PIM now (the default admin recipients and default approvers), read once per unit of work.</summary>
    public static IReadOnlyList<string> Administrators(UnitOfWork work) => work.Memo("admins", () => (IReadOnlyList<string>)work.Query(
        "SELECT DISTINCT principal FROM assignments WHERE type = 'Active' AND scope = '/' AND role_id IN (@pra, @ga) " +
        "AND start_utc <= @now AND (end_utc IS NULL OR end_utc > @now) ORDER BY principal",
        r => r.GetString(0), ("@pra", RoleCatalog.PrivilegedRoleAdministrator), ("@ga", RoleCatalog.GlobalAdministrator), ("@now", work.Now)));

    /// <summary>True for an active Privileged Role Administrator or Global Administrator assignment at '/' (whatever its time).</summary>
    public static bool IsAdministratorAssignment(AssignmentRow a) => a.Type == PimAssignmentType.Active && a.Scope == Scope.Root
        && (a.RoleId == RoleCatalog.PrivilegedRoleAdministrator || a.RoleId == RoleCatalog.GlobalAdministrator);

    /// <summary>The administrator assignments live now (any principal): their ids and ends (null = permanent).</summary>
    public static IReadOnlyList<(Guid Id, DateTime? End)> AdministratorAssignments(UnitOfWork work) => work.Query(
        "SELECT assignment_id, end_utc FROM assignments WHERE type = 'Active' AND scope = '/' AND role_id IN (@pra, @ga) " +
        "AND start_utc <= @now AND (end_utc IS NULL OR end_utc > @now)",
        r => (r.GetGuid("assignment_id"), r.GetDateTime("end_utc")),
        ("@pra", RoleCatalog.PrivilegedRoleAdministrator), ("@ga", RoleCatalog.GlobalAdministrator), ("@now", work.Now));

    public static void RequireRoleAdministrator(UnitOfWork work, string what)
    {
        if (!IsRoleAdministrator(work, work.Actor))
            throw PimErrors.NotAuthorized($"'{work.Actor}' may not {what}: that needs an active Privileged Role Administrator or Global Administrator " +
                "assignment at directory scope '/' now.", work.Actor,
                "Activate your Privileged Role Administrator role (Request-PimActivation -Role 'Privileged Role Administrator'), " +
                "or act as a principal who holds it (Connect-PimStore -Principal).");
    }
}
