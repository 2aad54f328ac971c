using PimModule.Storage;
using PimModule.Assignments;
using PimModule.Errors;
using PimModule.Roles;

namespace PimModule.Identity;

/// <summary>
/// Who may administer PIM (the holders of an active Privileged Role Administrator or Global Administrator assignment at '/'),
/// and who may read all of it (the holders of an active assignment at '/' of one of the roles Graph lets read PIM:
/// <see cref="RoleCatalog.PimReaders"/>). Everyone else reads their own: docs/security.md, "Who may read what".
/// </summary>
internal static class Authorization
{
    public static bool IsRoleAdministrator(UnitOfWork work, string principal)
        => AssignmentsTable.IsAdministrator(work, Principal.Fold(principal), work.Now);

    /// <summary>The principals who administer PIM now (the default admin recipients and default approvers), read once per unit of work.</summary>
    public static IReadOnlyList<string> Administrators(UnitOfWork work)
        => work.Memo("admins", () => (IReadOnlyList<string>)AssignmentsTable.Administrators(work, work.Now));

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

    /// <summary>
    /// Whether the acting principal reads everything (an active assignment at '/', in force now, of a role Graph lets read PIM);
    /// an eligible-only reader activates first, as in Entra. Asked once per unit of work.
    /// </summary>
    /// <remarks>
    /// <paramref name="asStored"/>: the reads of the log as it is (Get-PimAuditLog, Export-PimAuditLog — they show a log that
    /// no longer verifies too) judge the assignment rows as they are: a row written around the module opens them, but whoever
    /// can write a row can read the log without the module.
    /// </remarks>
    public static bool ReadsEverything(UnitOfWork work, bool asStored = false)
        => ReadsEverything(work, asStored, () => AssignmentsTable.ActiveAtRootOf(work, Principal.Fold(work.Actor), work.Now));

    /// <summary>As <see cref="ReadsEverything(UnitOfWork, bool)"/>, from the actor's rows the caller has already read (one query for two questions).</summary>
    public static bool ReadsEverything(UnitOfWork work, IReadOnlyList<AssignmentRow> actorRows) => ReadsEverything(work, false, () => actorRows);

    private static bool ReadsEverything(UnitOfWork work, bool asStored, Func<IReadOnlyList<AssignmentRow>> actorRows)
        => work.Memo(asStored ? "reads:everything:stored" : "reads:everything",
            () => actorRows().Any(a => IsReaderAssignment(a, work.Now) && (asStored || work.Believes(a))));

    /// <summary>True for an active assignment at '/' in force at <paramref name="at"/> of a role that reads PIM (<see cref="RoleCatalog.PimReaders"/>).</summary>
    public static bool IsReaderAssignment(AssignmentRow a, DateTime at) => a.Type == PimAssignmentType.Active && a.Scope == Scope.Root
        && Array.IndexOf(RoleCatalog.PimReaders, a.RoleId) >= 0 && a.Start <= at && (a.End is null || a.End > at);

    /// <summary>Whether the acting principal may read what is about <paramref name="principal"/> (their own, or everything).</summary>
    public static bool MayRead(UnitOfWork work, string? principal) => Principal.Same(principal, work.Actor) || ReadsEverything(work);

    /// <summary>Refuses (PimNotAuthorized) a read of the whole store, or of another principal, unless the actor reads everything.</summary>
    public static void RequireReader(UnitOfWork work, string what, bool asStored = false) => RefuseUnless(work, what, ReadsEverything(work, asStored));

    /// <summary>As <see cref="RequireReader(UnitOfWork, string, bool)"/>, from the actor's rows the caller has already read.</summary>
    public static void RequireReader(UnitOfWork work, string what, IReadOnlyList<AssignmentRow> actorRows) => RefuseUnless(work, what, ReadsEverything(work, actorRows));

    private static void RefuseUnless(UnitOfWork work, string what, bool reads)
    {
        if (!reads)
            throw PimErrors.NotAuthorized($"'{work.Actor}' may not {what}: that needs an active assignment at directory scope '/' of a role " +
                "that reads PIM (Privileged Role Administrator, Global Administrator, Security Administrator, Security Operator, Security Reader " +
                "or Global Reader) now. Everyone reads their own assignments, requests and notifications.", work.Actor,
                "Activate one of those roles (Request-PimActivation -Role 'Security Reader'), or act as a principal who holds it (Connect-PimStore -Principal).");
    }
}
