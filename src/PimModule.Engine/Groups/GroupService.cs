using PimModule.Audit;
using PimModule.Audit.Events;
using PimModule.Errors;
using PimModule.Identity;
using PimModule.Interop;
using PimModule.Kernel;
using PimModule.Storage;

namespace PimModule.Groups;

/// <summary>
/// The tenant's groups and their direct members (New-PimGroup, Get-PimGroup, Remove-PimGroup, Add-PimGroupMember,
/// Remove-PimGroupMember, Get-PimGroupMember). Every change is an administrator's (an active Privileged Role Administrator
/// or Global Administrator), audited, and in a Verified store sealed; it is decided by the kernel's <see cref="GroupRules"/>,
/// as the state replay decides it (<see cref="GroupRecords"/>). Inside the store a group is its key, <c>group:&lt;object
/// id&gt;</c>; a name a caller gives resolves to one group or is refused as ambiguous, and a principal's name never
/// resolves to a group.
/// </summary>
public sealed class GroupService
{
    private readonly StoreSession _store;
    internal GroupService(StoreSession store) => _store = store;

    /// <summary>Entra's limits: a display name of up to 256 characters, a description of up to 1,024.</summary>
    public const int NameLength = 256;
    public const int DescriptionLength = 1024;

    /// <summary>Every group, by display name (the verified ones in a Verified store).</summary>
    public IReadOnlyList<PimGroup> List() => _store.Read(work => GroupDirectory.Of(work).All);

    /// <summary>A group by its name, object id or key; PimGroupNotFound or PimGroupAmbiguous.</summary>
    public PimGroup Resolve(string group, string parameter = "Group") => _store.Read(work => GroupDirectory.Of(work).Resolve(group, parameter));

    /// <summary>The direct members of a group, users then groups, by name.</summary>
    public IReadOnlyList<PimGroupMember> Members(string group)
        => _store.Read(work =>
        {
            var directory = GroupDirectory.Of(work);
            return directory.MembersOf(directory.Resolve(group, "Group"));
        });

    internal static bool IsValidName(string? name) => name is not null && name.Trim().Length is > 0 and <= NameLength
        && !name.Any(char.IsControl) && !name.Trim().StartsWith(PimGroupKey.Prefix, StringComparison.OrdinalIgnoreCase) && !Principal.IsObjectId(name.Trim());

    /// <summary>
    /// Makes a group: administrators only. <paramref name="isAssignableToRole"/> is set now and never changes; at most 500
    /// groups may hold roles. <paramref name="id"/> keeps a tenant group's object id (a new one otherwise).
    /// </summary>
    public PimGroup? Create(string name, string? description, bool isAssignableToRole, Guid? id, Func<PimChange, bool>? confirm = null)
    {
        var displayName = (Validation.Input.Text(name, "Name", NameLength) ?? "").Trim();
        if (displayName.Length == 0)
            throw PimErrors.InputValueInvalid("-Name is empty: a group needs a display name.", name, "Give -Name, for example 'Security Readers'.");
        // A name that reads as a group's key or an object id would pass for another group's identity wherever it is shown.
        if (displayName.StartsWith(PimGroupKey.Prefix, StringComparison.OrdinalIgnoreCase) || Principal.IsObjectId(displayName))
            throw PimErrors.InputValueInvalid($"-Name '{Validation.Input.Preview(displayName)}' reads as a group's key or an object id; a display name may not, so that no group passes for another.",
                name, "Give the group a name of words, for example 'Security Readers'.");
        var text = Validation.Input.Text(description, "Description", DescriptionLength)?.Trim();
        if (text?.Length == 0) text = null;
        if (id == Guid.Empty)
            throw PimErrors.InputValueInvalid("-Id is the empty GUID, which is no Entra object id.", id, "Give the group's object id (Get-MgGroup), or leave -Id out for a new one.");
        var groupId = id ?? Ids.New();
        return _store.Change(
            work =>
            {
                Authorization.RequireRoleAdministrator(work, isAssignableToRole ? "create a role-assignable group" : "create groups");
                var directory = GroupDirectory.Of(work);
                if (GroupRules.WhyNotCreate(directory.Facts(groupId), isAssignableToRole, directory.RoleAssignableCount) is { } refused)
                    throw Refusal(refused, groupId, displayName);
                return new PimGroup { Id = groupId, DisplayName = displayName, Description = text, IsAssignableToRole = isAssignableToRole, CreatedBy = work.Actor, CreatedDateTime = work.Now };
            },
            g => new PimChange($"{g.DisplayName} ({g.Id})", $"Create {(g.IsAssignableToRole ? "role-assignable " : "")}group"),
            (work, g) =>
            {
                GroupsTable.Insert(work, new GroupsTable.GroupRow(g.Id, g.DisplayName, g.Description, g.IsAssignableToRole, work.Actor, work.Now));
                AuditLog.Append(work, new GroupCreated(GroupView.Of(g)));
                return g;
            },
            confirm);
    }

    /// <summary>Removes a group, its memberships and its membership of other groups: administrators only.</summary>
    public PimGroup? Remove(string group, Func<PimChange, bool>? confirm = null)
        => _store.Change(
            work =>
            {
                Authorization.RequireRoleAdministrator(work, "remove groups");
                var g = GroupDirectory.Of(work).Resolve(group, "Group");
                if (GroupRules.WhyNotRemove(GroupDirectory.Of(work).Facts(g.Id), GroupDirectory.HoldsAssignments(work, g.Key)) is { } refused)
                    throw Refusal(refused, g.Id, g.DisplayName);
                return g;
            },
            g => new PimChange($"{g.DisplayName} ({g.Id})", $"Remove group and its {g.MemberCount} membership(s)"),
            (work, g) =>
            {
                GroupsTable.Delete(work, g.Id);
                AuditLog.Append(work, new GroupRemoved(GroupView.Of(g)));
                return g;
            },
            confirm);

    /// <summary>
    /// Adds one direct member: a user by principal name (or object id, through the imported directory) or a group by its
    /// object id or key. Administrators only; a group never joins a role-assignable group, nor a group it holds.
    /// </summary>
    public PimGroupMember? AddMember(string group, string member, Func<PimChange, bool>? confirm = null)
        => _store.Change(
            work =>
            {
                Authorization.RequireRoleAdministrator(work, "change group membership");
                var directory = GroupDirectory.Of(work);
                var g = directory.Resolve(group, "Group");
                var (key, shown, memberGroup) = MemberOf(work, directory, member);
                Guid? memberGroupId = memberGroup?.Id;
                if (GroupRules.WhyNotAdd(directory.Facts(g.Id), directory.IsMember(g.Id, key), memberGroupId,
                        memberGroupId is { } m ? directory.Facts(m) : null, directory.MemberGroupsOf) is { } refused)
                    throw Refusal(refused, g.Id, g.DisplayName, shown);
                return new PimGroupMember
                {
                    GroupId = g.Id, Group = g.DisplayName, Principal = shown, DisplayName = memberGroup?.DisplayName,
                    MemberType = memberGroup is null ? PimGroupMemberType.User : PimGroupMemberType.Group, AddedBy = work.Actor, AddedDateTime = work.Now,
                };
            },
            m => new PimChange($"{m.Principal} → {m.Group} ({m.GroupId})", "Add group member"),
            (work, m) =>
            {
                var key = m.MemberType == PimGroupMemberType.Group ? m.Principal : Principal.Fold(m.Principal);
                GroupMembersTable.Add(work, new GroupMembersTable.MemberRow(m.GroupId, key, m.Principal, work.Actor, work.Now));
                AuditLog.Append(work, new GroupMemberAdded(new GroupMemberView(m.GroupId, m.Principal)));
                return m;
            },
            confirm);

    /// <summary>Removes one direct member (a user by principal name or object id, a group by object id or key): administrators only.</summary>
    public PimGroupMember? RemoveMember(string group, string member, Func<PimChange, bool>? confirm = null)
        => _store.Change(
            work =>
            {
                Authorization.RequireRoleAdministrator(work, "change group membership");
                var directory = GroupDirectory.Of(work);
                var g = directory.Resolve(group, "Group");
                var (key, shown, memberGroup) = MemberOf(work, directory, member, mustExist: false);
                if (GroupRules.WhyNotRemoveMember(directory.Facts(g.Id), directory.IsMember(g.Id, key)) is { } refused)
                    throw Refusal(refused, g.Id, g.DisplayName, shown);
                return directory.MembersOf(g).First(x => MemberKey(x) == key);
            },
            m => new PimChange($"{m.Principal} → {m.Group} ({m.GroupId})", "Remove group member"),
            (work, m) =>
            {
                GroupMembersTable.Remove(work, m.GroupId, MemberKey(m));
                AuditLog.Append(work, new GroupMemberRemoved(new GroupMemberView(m.GroupId, m.Principal)));
                return m;
            },
            confirm);

    private static string MemberKey(PimGroupMember m) => m.MemberType == PimGroupMemberType.Group ? m.Principal : Principal.Fold(m.Principal);

    /// <summary>
    /// A member as a caller gives it: a group's key or object id (when a group has that id) is that group; anything else is
    /// a user — an object id through the imported directory, a name validated as a principal. A principal's name never
    /// resolves to a group (a group named like a user is never taken for them).
    /// </summary>
    private static (string Key, string Shown, PimGroup? Group) MemberOf(UnitOfWork work, GroupDirectory directory, string member, bool mustExist = true)
    {
        var text = member?.Trim(' ') ?? "";
        Guid id;
        if (PimGroupKey.TryParse(text.ToLowerInvariant(), out id) || (Principal.IsObjectId(text) && Guid.TryParse(text, out id) && directory.ById(id) is not null))
        {
            var g = directory.ById(id);
            if (g is null && mustExist)
                throw PimErrors.GroupNotFound($"No group has the id {id}.", member, "Check the id with Get-PimGroup.");
            return (PimGroupKey.Of(id), PimGroupKey.Of(id), g);
        }
        // An account name (no '@') that is also a group's name names neither: the caller gives the key or the UPN.
        if (!text.Contains('@') && Principal.IsValid(text) && directory.Named.FirstOrDefault(g => string.Equals(g.DisplayName, text, StringComparison.OrdinalIgnoreCase)) is { } same)
            throw PimErrors.GroupAmbiguous($"'{Validation.Input.Preview(text)}' is an account name and the name of the group {same.Key}: -Principal must name one principal.",
                text, $"Give the group's key (-Principal {same.Key}), or the user's principal name (name@domain).");
        var principal = DirectoryMap.Canonical(work, member, "Principal");
        return (Principal.Fold(principal), principal, null);
    }

    /// <summary>The refusal of a kernel answer, for a caller (the writer's side).</summary>
    internal static PimException Refusal(GroupRefusal refusal, Guid id, string name, string? member = null) => refusal switch
    {
        GroupRefusal.Exists => PimErrors.GroupExists($"A group with the id {id} exists already; nothing was created.", id,
            "Give another -Id, or leave -Id out for a new one (Get-PimGroup lists the groups)."),
        GroupRefusal.NotFound => PimErrors.GroupNotFound($"No group has the id {(member is not null && PimGroupKey.TryParse(member, out var m) ? m : id)}.", member ?? (object)id,
            "Check the group with Get-PimGroup."),
        GroupRefusal.TooManyRoleAssignable => PimErrors.GroupLimitReached(
            $"The store holds {GroupRules.MaxRoleAssignable} role-assignable groups, Entra's limit; '{name}' was not created.", name,
            "Remove a role-assignable group you no longer need (Remove-PimGroup), or create this one without -IsAssignableToRole."),
        GroupRefusal.GroupInRoleAssignable => PimErrors.GroupMemberInvalid(
            $"'{name}' is role-assignable: as in Entra, a group cannot be a member of a group that can hold roles ({member}); nothing was changed.", member,
            "Add the group's users one by one instead."),
        GroupRefusal.Cycle => PimErrors.GroupMemberInvalid(
            $"{member} holds '{name}' (directly or through other groups): adding it would make '{name}' its own member; nothing was changed.", member,
            "Remove the membership that closes the loop first, or add the users instead."),
        GroupRefusal.AlreadyMember => PimErrors.GroupMemberExists($"{member} is a member of '{name}' already.", member,
            "Nothing to do: Get-PimGroupMember lists the members."),
        GroupRefusal.NotMember => PimErrors.GroupMemberNotFound($"{member} is not a member of '{name}'.", member,
            "Check the members with Get-PimGroupMember."),
        GroupRefusal.HoldsRoles => PimErrors.GroupInUse($"'{name}' ({id}) holds role assignments; nothing was removed.", name,
            $"Remove them first: Get-PimAssignment -Principal {PimGroupKey.Of(id)} | Remove-PimAssignment."),
        GroupRefusal.NotRoleAssignable => PimErrors.GroupNotRoleAssignable(
            $"'{name}' ({id}) is not role-assignable: as in Entra, only a group made with -IsAssignableToRole holds roles. Nothing was assigned.", name,
            "Assign the role to a role-assignable group (New-PimGroup -IsAssignableToRole), or to the users directly."),
        GroupRefusal.NotYet => PimErrors.GroupRoleNotSupported(
            $"'{name}' ({id}) may hold active assignments of roles other than Privileged Role Administrator and Global Administrator; " +
            "eligible assignments of groups (each member activating for themselves) and groups administering the store are not made by this PimModule yet. Nothing was assigned.", name,
            "Give the group an active assignment, or assign the role to the users directly."),
        _ => throw new ArgumentOutOfRangeException(nameof(refusal)),
    };

    /// <summary>
    /// What Test-PimAuditLog reports of the groups: each group or membership row of the store that the verified log does not
    /// hold as it is (written or changed around PimModule: it counts for nothing), and each verified one the store lacks.
    /// </summary>
    internal static IEnumerable<(string Kind, string Id, string Problem, string Detail)> Disagreements(UnitOfWork work, Checkpoint.VerifiedState verified)
    {
        var groups = verified.Groups().ToDictionary(g => g.Id, StringComparer.OrdinalIgnoreCase);
        foreach (var g in GroupsTable.All(work))
            if (!groups.Remove(g.Id.ToString("D"), out var v) || v.DisplayName != g.DisplayName || v.Description != g.Description || (v.IsAssignableToRole != 0) != g.IsAssignableToRole)
                yield return ("Group", g.Id.ToString("D"), v is null ? "Unverified" : "Different",
                    $"The store holds the group '{g.DisplayName}' as the verified log does not (written or changed around PimModule): it counts for nothing.");
        foreach (var id in groups.Keys.Order(StringComparer.Ordinal))
            yield return ("Group", id, "Missing", "The verified log holds this group; the store does not.");
        var members = verified.AllGroupMembers().Select(m => (m.GroupId.ToLowerInvariant(), m.MemberKey)).ToHashSet();
        foreach (var m in GroupMembersTable.All(work))
            if (!members.Remove((m.GroupId.ToString("D"), m.MemberKey)))
                yield return ("GroupMember", $"{m.GroupId:D}/{m.MemberKey}", "Unverified",
                    $"The store makes {m.Member} a member of the group {m.GroupId} as the verified log does not (written around PimModule): it grants nothing.");
        foreach (var (group, member) in members.Order())
            yield return ("GroupMember", $"{group}/{member}", "Missing", "The verified log holds this membership; the store does not.");
    }

    /// <summary>Why a sealed group record counts for nothing (<see cref="GroupRules"/>), as the replay reports it.</summary>
    internal static string Reason(GroupRefusal refusal, Guid id, string? member = null) => refusal switch
    {
        GroupRefusal.Exists => $"the group {id} exists already",
        GroupRefusal.NotFound => $"the group {id} (or the member group {member}) does not exist",
        GroupRefusal.TooManyRoleAssignable => $"the store holds {GroupRules.MaxRoleAssignable} role-assignable groups already",
        GroupRefusal.GroupInRoleAssignable => $"the group {id} is role-assignable and takes no group ({member}) as a member",
        GroupRefusal.Cycle => $"{member} holds the group {id}: it would be its own member",
        GroupRefusal.AlreadyMember => $"{member} is a member of the group {id} already",
        GroupRefusal.NotMember => $"{member} is not a member of the group {id}",
        GroupRefusal.HoldsRoles => $"the group {id} holds role assignments",
        GroupRefusal.NotRoleAssignable => $"the group {id} is not role-assignable, and only such a group holds roles",
        GroupRefusal.NotYet => $"the group {id} may hold only active assignments of roles that do not administer the store",
        _ => refusal.ToString(),
    };
}

/// <summary>
/// The groups of one unit of work, read once (the verified ones in a Verified store, the table otherwise); a group's members
/// are read when first asked for, by one index lookup (a store may hold thousands of groups of hundreds of members).
/// </summary>
internal sealed class GroupDirectory
{
    private readonly UnitOfWork _work;
    private readonly Dictionary<Guid, GroupsTable.GroupRow> _rows = new();
    private readonly Dictionary<Guid, List<PimGroupMember>> _members = new();
    private IReadOnlyList<PimGroup>? _all;

    /// <summary>Every group by name, without member counts: what names and ids resolve against (never shown).</summary>
    public IReadOnlyList<PimGroup> Named { get; }
    public int RoleAssignableCount { get; }

    private GroupDirectory(UnitOfWork work, IEnumerable<GroupsTable.GroupRow> groups)
    {
        _work = work;
        foreach (var g in groups) _rows[g.Id] = g;
        Named = _rows.Values.Select(g => Output(g, 0)).OrderBy(g => g.DisplayName, StringComparer.OrdinalIgnoreCase).ThenBy(g => g.Id).ToList();
        RoleAssignableCount = _rows.Values.Count(g => g.IsAssignableToRole);
    }

    private static PimGroup Output(GroupsTable.GroupRow g, int members) => new()
    {
        Id = g.Id, DisplayName = g.DisplayName, Description = g.Description, IsAssignableToRole = g.IsAssignableToRole,
        MemberCount = members, CreatedBy = g.CreatedBy, CreatedDateTime = g.Created,
    };

    /// <summary>Every group by name, with its member count (one aggregate, read when first asked for: Get-PimGroup).</summary>
    public IReadOnlyList<PimGroup> All => _all ??= Counted();

    private List<PimGroup> Counted()
    {
        var counts = _work.VerifiedNow() is { } v
            ? v.GroupMemberCounts().ToDictionary(c => Guid.Parse(c.GroupId), c => (int)c.Count)
            : GroupMembersTable.MemberCounts(_work);
        return Named.Select(g => Output(_rows[g.Id], counts.GetValueOrDefault(g.Id))).ToList();
    }

    public static GroupDirectory Of(UnitOfWork work) => work.Memo("groups", () => work.VerifiedNow() is { } v
        ? new GroupDirectory(work, v.Groups().Select(ToRow))
        : new GroupDirectory(work, GroupsTable.All(work)));

    private static GroupsTable.GroupRow ToRow(Checkpoint.VerifiedState.GroupState g)
        => new(Guid.Parse(g.Id), g.DisplayName, g.Description, g.IsAssignableToRole != 0, g.CreatedBy, new DateTime(g.CreatedTicks, DateTimeKind.Utc));

    /// <summary>The groups of the given ids, as the store believes them, without reading the others (Test-PimAccess through groups).</summary>
    public static IReadOnlyDictionary<Guid, PimGroup> Only(UnitOfWork work, IReadOnlyCollection<Guid> ids)
        => (work.VerifiedNow() is { } v ? v.GroupsByIds(ids.Select(i => i.ToString("D")).ToList()).Select(ToRow) : GroupsTable.ByIds(work, ids))
            .ToDictionary(g => g.Id, g => Output(g, 0));

    /// <summary>The groups <paramref name="memberKey"/> (a principal key or a group's key) belongs to directly, as the store believes it.</summary>
    public static IReadOnlyList<(Guid Group, DateTime Added)> GroupsOf(UnitOfWork work, string memberKey)
        => work.VerifiedNow() is { } v ? v.GroupsOf(memberKey).Select(m => (Guid.Parse(m.GroupId), new DateTime(m.AddedTicks, DateTimeKind.Utc))).ToList()
            : GroupMembersTable.GroupsOf(work, memberKey);

    /// <summary>Whether a group's key holds any assignment, as the store believes it.</summary>
    public static bool HoldsAssignments(UnitOfWork work, string groupKey)
        => work.VerifiedNow() is { } v ? v.HoldsAssignments(groupKey) : AssignmentsTable.PrincipalKeysPresent(work, [groupKey]).Count > 0;

    /// <summary>A group with its member count (its members read by one index lookup), or null.</summary>
    public PimGroup? ById(Guid id) => _rows.TryGetValue(id, out var g) ? Output(g, Members(id).Count) : null;

    private bool Exists(Guid id) => _rows.ContainsKey(id);

    public GroupFacts? Facts(Guid id) => _rows.TryGetValue(id, out var g) ? new GroupFacts(g.Id, g.IsAssignableToRole) : null;

    private List<PimGroupMember> Members(Guid groupId)
    {
        if (_members.TryGetValue(groupId, out var known)) return known;
        var rows = _work.VerifiedNow() is { } v
            ? v.GroupMembersOf(groupId.ToString("D")).Select(m => new GroupMembersTable.MemberRow(groupId, m.MemberKey, m.Member, m.AddedBy, new DateTime(m.AddedTicks, DateTimeKind.Utc)))
            : GroupMembersTable.MembersOf(_work, groupId);
        var name = _rows.TryGetValue(groupId, out var row) ? row.DisplayName : "";
        var list = new List<PimGroupMember>();
        foreach (var m in rows)
        {
            var isGroup = PimGroupKey.TryParse(m.MemberKey, out var memberId);
            if (isGroup && !Exists(memberId)) continue;
            list.Add(new PimGroupMember
            {
                GroupId = groupId, Group = name, Principal = isGroup ? m.MemberKey : m.Member, DisplayName = isGroup ? _rows[memberId].DisplayName : null,
                MemberType = isGroup ? PimGroupMemberType.Group : PimGroupMemberType.User, AddedBy = m.AddedBy, AddedDateTime = m.Added,
            });
        }
        return _members[groupId] = list;
    }

    public bool IsMember(Guid groupId, string memberKey) => Exists(groupId) && Members(groupId).Any(m => Key(m) == memberKey);

    public IEnumerable<Guid> MemberGroupsOf(Guid groupId)
        => !Exists(groupId) ? [] : Members(groupId).Where(m => m.MemberType == PimGroupMemberType.Group).Select(m => PimGroupKey.TryParse(m.Principal, out var id) ? id : Guid.Empty);

    public IReadOnlyList<PimGroupMember> MembersOf(PimGroup g)
        => Members(g.Id).OrderBy(m => m.MemberType).ThenBy(m => m.DisplayName ?? m.Principal, StringComparer.OrdinalIgnoreCase).ToList();

    private static string Key(PimGroupMember m) => m.MemberType == PimGroupMemberType.Group ? m.Principal : Principal.Fold(m.Principal);

    /// <summary>
    /// A group as a caller names it: its key (<c>group:&lt;id&gt;</c>), its object id, or its display name (case-insensitive;
    /// a name two groups share is refused as ambiguous, naming their ids).
    /// </summary>
    public PimGroup Resolve(string? text, string parameter)
    {
        var given = Validation.Input.Text(text, parameter, GroupService.NameLength)?.Trim() ?? "";
        if (given.Length == 0)
            throw PimErrors.GroupNotFound($"-{parameter} is empty: name a group.", text, "Give the group's display name, object id or key (Get-PimGroup lists them).");
        if (PimGroupKey.TryParse(given.ToLowerInvariant(), out var id) || (Guid.TryParse(given, out id) && Principal.IsObjectId(given)))
            return ById(id) ?? throw PimErrors.GroupNotFound($"No group has the id {id}.", given, "Check the id with Get-PimGroup.");
        var named = Named.Where(g => string.Equals(g.DisplayName, given, StringComparison.OrdinalIgnoreCase)).ToList();
        return named.Count switch
        {
            1 => ById(named[0].Id)!,
            0 => throw PimErrors.GroupNotFound($"No group is named '{Validation.Input.Preview(given)}'.", given,
                "Check the name with Get-PimGroup, or create the group (New-PimGroup)."),
            _ => throw PimErrors.GroupAmbiguous($"{named.Count} groups are named '{Validation.Input.Preview(given)}' ({string.Join(", ", named.Select(g => g.Id))}); " +
                $"-{parameter} must name one group.", given, $"Give the group's object id instead (-{parameter} {named[0].Id})."),
        };
    }
}
