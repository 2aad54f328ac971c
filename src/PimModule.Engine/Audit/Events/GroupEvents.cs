namespace PimModule.Audit.Events;

/// <summary>A group as the log keeps it: its object id, display name, description and whether it may hold roles.</summary>
internal sealed record GroupView(Guid? Id, string? DisplayName, string? Description, bool IsAssignableToRole)
{
    public static GroupView Of(PimGroup g) => new(g.Id, g.DisplayName, g.Description, g.IsAssignableToRole);
}

/// <summary>A membership as the log keeps it: the group, and the member (a user's principal name, or a group's key).</summary>
internal sealed record GroupMemberView(Guid? GroupId, string? Member);

internal sealed record GroupCreated(GroupView Group) : AuditEvent
{
    public const string Name = "CreateGroup";
    public override string Action => Name;
    public override string TargetType => GroupTarget;
    public override string? TargetId => Group.Id?.ToString("D");
    public override object? After => Group;

    public const string GroupTarget = "Group";
}

internal sealed record GroupRemoved(GroupView Group) : AuditEvent
{
    public const string Name = "RemoveGroup";
    public override string Action => Name;
    public override string TargetType => GroupCreated.GroupTarget;
    public override string? TargetId => Group.Id?.ToString("D");
    public override object? Before => Group;
    public override object? After => null;
}

internal sealed record GroupMemberAdded(GroupMemberView Membership) : AuditEvent
{
    public const string Name = "AddGroupMember";
    public override string Action => Name;
    public override string TargetType => MemberTarget;
    public override string? TargetId => Membership.GroupId?.ToString("D");
    public override string? Principal => Membership.Member;
    public override object? After => Membership;

    public const string MemberTarget = "GroupMember";
}

internal sealed record GroupMemberRemoved(GroupMemberView Membership) : AuditEvent
{
    public const string Name = "RemoveGroupMember";
    public override string Action => Name;
    public override string TargetType => GroupMemberAdded.MemberTarget;
    public override string? TargetId => Membership.GroupId?.ToString("D");
    public override string? Principal => Membership.Member;
    public override object? Before => Membership;
    public override object? After => null;
}
