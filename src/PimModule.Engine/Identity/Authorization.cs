namespace PimModule.Identity;

/// <summary>Who may administer PIM: the holders of an active Privileged Role Administrator or Global Administrator assignment.</summary>
internal static class Authorization
{
    public static bool IsRoleAdministrator(UnitOfWork work, string principal)
        => AssignmentsTable.IsAdministrator(work, Principal.Fold(principal), work.Now);

    /// <summary>The principals who administer PIM now (the default admin recipients and default approvers), read once per unit of work.</summary>
    public static IReadOnlyList<string> Administrators(UnitOfWork work)
        => work.Memo("admins", () => (IReadOnlyList<string>)AssignmentsTable.Administrators(work, work.Now));

    /// <summary>True for an active Privileged Role Administrator or Global Administrator assignment at '/' (whatever its time).</summary>
    public static bool IsAdministratorAssignment(AssignmentRow a) => a.Type == PimAssignmentType.Active && a.Scope == Scope.Root
        && (a.RoleId == RoleCatalog.PrivilegedRoleAdministrator || a.RoleId == RoleCatalog.GlobalAdministrator);

    /// <summary>The administrator assignments live now (any principal): their ids and ends (null = permanent).</summary>
    public static IReadOnlyList<(Guid Id, DateTime? End)> AdministratorAssignments(UnitOfWork work)
        => AssignmentsTable.AdministratorAssignments(work, work.Now).Select(a => (a.Id, a.End)).ToList();

    public static void RequireRoleAdministrator(UnitOfWork work, string what)
    {
        if (!IsRoleAdministrator(work, work.Actor))
            throw PimErrors.NotAuthorized($"'{work.Actor}' may not {what}: that needs an active Privileged Role Administrator or Global Administrator " +
                "assignment at directory scope '/' now.", work.Actor,
                "Activate your Privileged Role Administrator role (Request-PimActivation -Role 'Privileged Role Administrator'), " +
                "or act as a principal who holds it (Connect-PimStore -Principal).");
    }
}
