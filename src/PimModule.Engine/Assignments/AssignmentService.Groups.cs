using PimModule.Interop;
using PimModule.Kernel;
using PimModule.Storage;

namespace PimModule.Assignments;

/// <summary>What a user holds through the role-assignable groups they are a direct member of (issue 31): Test-PimAccess and Get-PimAssignment.</summary>
public sealed partial class AssignmentService
{
    /// <summary>
    /// The group through which <paramref name="principalKey"/> holds <paramref name="roleId"/> at <paramref name="scope"/> and
    /// <paramref name="at"/>: a group they are a direct member of (since <paramref name="at"/> or before), whose active
    /// assignment, as the store believes it, grants the role then. Only role-assignable groups hold roles (GroupRules).
    /// </summary>
    internal static (PimGroup Group, AssignmentRow Held, DateTime Since)? ThroughGroup(UnitOfWork work, string principalKey, Guid roleId, string scope, DateTime at)
    {
        var memberships = Groups.GroupDirectory.GroupsOf(work, principalKey).Where(m => m.Added <= at).ToList();
        if (memberships.Count == 0) return null;
        // Only the user's groups are read (a store may hold thousands).
        var groups = Groups.GroupDirectory.Only(work, memberships.Select(m => m.Group).ToList());
        // The role's assignments of all of them, in one query.
        var holding = AssignmentsTable.ForPrincipalsAndRole(work, groups.Values.Where(g => g.IsAssignableToRole).Select(g => g.Key).ToList(), roleId)
            .ToLookup(a => a.PrincipalKey, StringComparer.Ordinal);
        foreach (var (groupId, added) in memberships.OrderBy(m => m.Added))
        {
            if (!groups.TryGetValue(groupId, out var group) || !group.IsAssignableToRole) continue;
            // Only what the kernel lets a group hold grants through it (a row it would refuse, written around the module, does not).
            var held = holding[group.Key].Where(work.Believes)
                .Where(a => GroupRules.WhyNotHoldRole(new GroupFacts(group.Id, true), a.RoleId, a.Type) is null)
                .Where(a => a.GrantsAt(scope, at)).MaxBy(a => a.End ?? DateTime.MaxValue); // any that grants: the longest is shown
            if (held is not null) return (group, held, added);
        }
        return null;
    }

    /// <summary>The assignments of the role-assignable groups <paramref name="user"/> is a direct member of, each with Via (the group).</summary>
    private static IEnumerable<(PimAssignment, bool)> ThroughGroups(UnitOfWork work, PimAssignmentQuery q, AssignmentsTable.Listing listing, string user, string? scope, DateTime asOf)
    {
        var memberships = Groups.GroupDirectory.GroupsOf(work, user);
        if (memberships.Count == 0) yield break;
        var groups = Groups.GroupDirectory.Only(work, memberships.Select(m => m.Group).ToList());
        // A membership counts from when it was made (as Test-PimAccess -AsOf counts it).
        foreach (var (groupId, _) in memberships.Where(m => m.Added <= asOf))
        {
            if (!groups.TryGetValue(groupId, out var group) || !group.IsAssignableToRole) continue;
            foreach (var x in Believed(work, List(work, q, listing with { PrincipalKey = group.Key }), q.IncludeUnverified))
                if ((scope is null || string.Equals(x.Row.Scope, scope, StringComparison.OrdinalIgnoreCase))
                    && GroupRules.WhyNotHoldRole(new GroupFacts(group.Id, true), x.Row.RoleId, x.Row.Type) is null)
                    yield return (ToOutput(x.Row, x.Role, asOf, group.DisplayName), x.Verified);
        }
    }
}
