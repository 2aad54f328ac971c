using PimModule.Assignments;
using PimModule.Roles;

namespace PimModule.Kernel;

/// <summary>
/// Who administers PIM — the one definition of "administrator" that the write path (authorization, the last
/// administrator's guard, default approvers), the state replay and the seal verifier all call: the holder of an active
/// Privileged Role Administrator or Global Administrator assignment at directory scope '/' that is in force.
/// A key administrator (who may bind others' keys, Seals) holds such an assignment directly: an activation (just in
/// time) administers PIM, but never makes a key administrator.
/// </summary>
internal static class Administrators
{
    /// <summary>The roles that administer PIM.</summary>
    public static bool IsAdministratorRole(Guid roleId) => roleId == RoleCatalog.PrivilegedRoleAdministrator || roleId == RoleCatalog.GlobalAdministrator;

    /// <summary>An administrator assignment, whatever its time: active, at '/', of an administrator role.</summary>
    public static bool IsAdministratorAssignment(IHeld a) => a.Type == PimAssignmentType.Active && a.Scope == Scope.Root && IsAdministratorRole(a.RoleId);

    /// <summary>Whether <paramref name="a"/> makes its holder an administrator at <paramref name="at"/>.</summary>
    public static bool Administers(IHeld a, DateTime at) => IsAdministratorAssignment(a) && a.InForce(at);

    /// <summary>Whether <paramref name="a"/> makes its holder a key administrator (whatever its time): a direct administrator assignment.</summary>
    public static bool IsKeyAdministratorAssignment(IHeld a) => IsAdministratorAssignment(a) && a.MemberType == PimMemberType.Direct;

    /// <summary>
    /// <see cref="IsAdministratorAssignment"/> as SQL, over a table with type, scope and role_id columns (the assignments
    /// table and the checkpoint's verified_assignments): parameters @pra and @ga are <see cref="Parameters"/>' values.
    /// </summary>
    public const string Sql = "type = 'Active' AND scope = '/' AND role_id IN (@pra, @ga)";

    /// <summary>The role ids <see cref="Sql"/> names, as text in the form both stores keep them.</summary>
    public static (string Pra, string Ga) Parameters => (RoleCatalog.PrivilegedRoleAdministrator.ToString("D"), RoleCatalog.GlobalAdministrator.ToString("D"));

    /// <summary>
    /// The last administrator's guard — the one rule that Remove-PimAssignment, Update-PimAssignment, an access review's
    /// removals, the end of activations with their eligibility, Request-PimDeactivation and the state replay call: whether
    /// changing administrator assignment <paramref name="a"/> at <paramref name="at"/> — so that it ends at
    /// <paramref name="newEnd"/> (null: never), or at once when <paramref name="removed"/> — makes administration of the
    /// store end sooner than it would, no other administrator assignment in force then (<paramref name="inForce"/>, any
    /// principal, it included or not) lasting at least as long. Only an administrator assignment in force is guarded.
    /// </summary>
    public static bool EndsAdministrationSooner(IHeld a, DateTime? newEnd, bool removed, IEnumerable<(Guid Id, DateTime? End)> inForce, DateTime at)
    {
        if (!IsAdministratorAssignment(a) || !a.InForce(at)) return false;
        var after = removed ? at : newEnd;
        if (Later(after, a.End) >= 0) return false; // not ending sooner
        var others = inForce.Where(o => o.Id != a.Id).Select(o => o.End).ToList();
        DateTime? horizon = others.Count == 0 ? at : others.Any(x => x is null) ? null : others.Max();
        return Later(Max(after, horizon), Max(a.End, horizon)) < 0; // nobody else administers as long
    }

    /// <summary>Compares two ends where null is "never": &lt; 0 when <paramref name="a"/> comes first.</summary>
    private static int Later(DateTime? a, DateTime? b) => (a, b) switch
    {
        (null, null) => 0,
        (null, _) => 1,
        (_, null) => -1,
        _ => a.Value.CompareTo(b.Value),
    };

    private static DateTime? Max(DateTime? a, DateTime? b) => Later(a, b) >= 0 ? a : b;
}
