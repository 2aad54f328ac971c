using PimModule.Audit;
using PimModule.Audit.Events;
using PimModule.Checkpoint;
using PimModule.Identity;
using PimModule.Identity.Keys;
using PimModule.Kernel;
using PimModule.Policy;

namespace PimModule.Groups;

/// <summary>
/// The decisions on sealed records of groups, from the verified state so far (the state replay asks): every group change
/// is an administrator's, and is decided by the kernel's <see cref="GroupRules"/> as <see cref="GroupService"/> decides it
/// when it writes. A membership written around the module (a row, or a record its actor was not entitled to) grants nothing.
/// </summary>
internal static class GroupRecords
{
    public static RecordVerdict Decide(SealedRecord r, SealContext ctx, CheckpointTables view)
    {
        var kind = r.TargetType ?? GroupCreated.GroupTarget;
        if (SettingRecords.NotAdministrator(ctx, view) is { } no) return RecordVerdict.Refused(kind, no);
        if (!Guid.TryParse(r.TargetId, out var id) || id == Guid.Empty) return RecordVerdict.Refused(kind, "it names no group");
        var group = view.Group(id);
        switch (r.Action)
        {
            case GroupCreated.Name:
            {
                var after = EventJson.Read<GroupView>(r.AfterJson);
                if (after is not { Id: { } given, DisplayName: { } name } || given != id || !GroupService.IsValidName(name))
                    return RecordVerdict.Refused(kind, "it names no group id and display name");
                if (GroupRules.WhyNotCreate(group, after.IsAssignableToRole, view.RoleAssignableGroupCount()) is { } refused)
                    return RecordVerdict.Refused(kind, GroupService.Reason(refused, id));
                return RecordVerdict.Counts(kind, new GroupPut(id.ToString("D"), name.Trim(), after.Description, after.IsAssignableToRole, ctx.Actor, r.AtTicks));
            }
            case GroupRemoved.Name:
                return GroupRules.WhyNotRemove(group, view.HoldsAssignments(PimGroupKey.Of(id))) is { } gone ? RecordVerdict.Refused(kind, GroupService.Reason(gone, id))
                    : RecordVerdict.Counts(kind, new GroupDropped(id.ToString("D")));
            case GroupMemberAdded.Name:
            {
                var after = EventJson.Read<GroupMemberView>(r.AfterJson);
                if (after is not { GroupId: { } given, Member: { } member } || given != id || MemberKey(member) is not { } key || key != r.PrincipalKey)
                    return RecordVerdict.Refused(kind, "it names no group and member");
                Guid? memberGroup = PimGroupKey.TryParse(key, out var m) ? m : null;
                if (GroupRules.WhyNotAdd(group, view.IsGroupMember(id, key), memberGroup, memberGroup is { } mg ? view.Group(mg) : null, view.MemberGroupsOf) is { } refused)
                    return RecordVerdict.Refused(kind, GroupService.Reason(refused, id, member));
                return RecordVerdict.Counts(kind, new GroupMemberPut(id.ToString("D"), key, member.Trim(' '), ctx.Actor, r.AtTicks));
            }
            case GroupMemberRemoved.Name:
            {
                if (r.PrincipalKey is not { } key || MemberKey(key) != key) return RecordVerdict.Refused(kind, "it names no member");
                return GroupRules.WhyNotRemoveMember(group, group is not null && view.IsGroupMember(id, key)) is { } refused
                    ? RecordVerdict.Refused(kind, GroupService.Reason(refused, id, key))
                    : RecordVerdict.Counts(kind, new GroupMemberDropped(id.ToString("D"), key));
            }
            default:
                return RecordVerdict.Refused(kind, $"{r.Action} is not a change of groups");
        }
    }

    /// <summary>A member's key: a group's key as it is, a user's principal folded; null when it is neither.</summary>
    private static string? MemberKey(string member)
        => PimGroupKey.TryParse(member, out _) ? member : Principal.IsValid(member) ? Principal.Fold(member) : null;
}
