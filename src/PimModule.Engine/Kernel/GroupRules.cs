namespace PimModule.Kernel;

/// <summary>Why a change to a group may not be made.</summary>
internal enum GroupRefusal
{
    /// <summary>A group with that object id exists already.</summary>
    Exists,
    /// <summary>No group has that object id.</summary>
    NotFound,
    /// <summary>The tenant holds <see cref="GroupRules.MaxRoleAssignable"/> role-assignable groups already.</summary>
    TooManyRoleAssignable,
    /// <summary>A group as a member of a role-assignable group (Entra: no nesting in a group that can hold roles).</summary>
    GroupInRoleAssignable,
    /// <summary>A group as its own member, directly or through the groups it holds.</summary>
    Cycle,
    /// <summary>The principal is a member already.</summary>
    AlreadyMember,
    /// <summary>The principal is not a member.</summary>
    NotMember,
    /// <summary>A role assignment of a group that is not role-assignable (Entra: only those hold roles).</summary>
    NotRoleAssignable,
    /// <summary>A role assignment of a group this PimModule does not make yet: an eligible one, or of an administrator role.</summary>
    NotYet,
    /// <summary>The group holds role assignments: they are removed first.</summary>
    HoldsRoles,
}

/// <summary>A group as the rules see it: its id and whether it may hold roles (set when it was made; never changed).</summary>
internal readonly record struct GroupFacts(Guid Id, bool IsAssignableToRole);

/// <summary>
/// Entra's rules of groups, the one place New-PimGroup, Add-PimGroupMember, Remove-PimGroupMember, Remove-PimGroup and the
/// state replay ask: a group is one object id; at most 500 groups may hold roles; a group that may hold roles has no group
/// as a member; no group is its own member, directly or through others. Who may make the change (an administrator) is
/// the caller's to ask (Authorization, SettingRecords.NotAdministrator).
/// </summary>
internal static class GroupRules
{
    /// <summary>Entra's limit of role-assignable groups in a tenant.</summary>
    public const int MaxRoleAssignable = 500;

    /// <summary>Why a group <paramref name="id"/> may not be made, given the group that id is already (if any) and how many groups may hold roles.</summary>
    public static GroupRefusal? WhyNotCreate(GroupFacts? existing, bool isAssignableToRole, int roleAssignableCount)
        => existing is not null ? GroupRefusal.Exists
            : isAssignableToRole && roleAssignableCount >= MaxRoleAssignable ? GroupRefusal.TooManyRoleAssignable
            : null;

    /// <summary>Why <paramref name="group"/> may not be removed: it does not exist, or it holds role assignments.</summary>
    public static GroupRefusal? WhyNotRemove(GroupFacts? group, bool holdsRoles = false)
        => group is null ? GroupRefusal.NotFound : holdsRoles ? GroupRefusal.HoldsRoles : null;

    /// <summary>
    /// Why <paramref name="group"/> may not hold an assignment of <paramref name="roleId"/>: only a role-assignable group holds
    /// roles (Entra). This PimModule makes active assignments of groups, not of an administrator role (Privileged Role
    /// Administrator, Global Administrator: who administers the store is decided by direct assignments only), and not
    /// eligible ones (a member's activation through the group comes later).
    /// </summary>
    public static GroupRefusal? WhyNotHoldRole(GroupFacts? group, Guid roleId, PimAssignmentType type)
        => group is not { } g ? GroupRefusal.NotFound
            : !g.IsAssignableToRole ? GroupRefusal.NotRoleAssignable
            : type != PimAssignmentType.Active || Administrators.IsAdministratorRole(roleId) ? GroupRefusal.NotYet
            : null;

    /// <summary>
    /// Why a member may not be added to <paramref name="group"/>: the group (or the member group, <paramref name="memberGroupId"/>
    /// with <paramref name="memberGroup"/> its facts) does not exist; the principal is a member already; a group in a
    /// role-assignable group; a group that holds <paramref name="group"/>, directly or through others
    /// (<paramref name="memberGroupsOf"/>: the groups a group holds as members).
    /// </summary>
    public static GroupRefusal? WhyNotAdd(GroupFacts? group, bool alreadyMember, Guid? memberGroupId, GroupFacts? memberGroup,
        Func<Guid, IEnumerable<Guid>> memberGroupsOf)
    {
        if (group is not { } g) return GroupRefusal.NotFound;
        if (memberGroupId is { } m)
        {
            if (memberGroup is null) return GroupRefusal.NotFound;
            if (g.IsAssignableToRole) return GroupRefusal.GroupInRoleAssignable;
            if (m == g.Id || Reaches(m, g.Id, memberGroupsOf)) return GroupRefusal.Cycle;
        }
        return alreadyMember ? GroupRefusal.AlreadyMember : null;
    }

    /// <summary>Why a member may not be removed from <paramref name="group"/>: no such group, or not a member.</summary>
    public static GroupRefusal? WhyNotRemoveMember(GroupFacts? group, bool isMember)
        => group is null ? GroupRefusal.NotFound : !isMember ? GroupRefusal.NotMember : null;

    /// <summary>Whether <paramref name="target"/> is among the groups <paramref name="from"/> holds, directly or through others.</summary>
    private static bool Reaches(Guid from, Guid target, Func<Guid, IEnumerable<Guid>> memberGroupsOf)
    {
        var seen = new HashSet<Guid> { from };
        var next = new Stack<Guid>([from]);
        while (next.Count > 0)
            foreach (var m in memberGroupsOf(next.Pop()))
            {
                if (m == target) return true;
                if (seen.Add(m)) next.Push(m);
            }
        return false;
    }
}
