using PimModule.Audit.Events;
using PimModule.Checkpoint;
using PimModule.Identity;
using PimModule.Identity.Keys;
using PimModule.Kernel;
using PimModule.Policy;
using View = PimModule.Checkpoint.VerifiedAssignment;

namespace PimModule.Assignments;

/// <summary>
/// The decision on a sealed assignment record, from the verified state so far (the state replay asks, record by record):
/// an administrator's change by an administrator; an activation by its eligible principal when the role's settings then
/// needed no approval, or provisioned by an approval sealed in its transaction; a deactivation by its holder — each by the
/// kernel's rules, within the last administrator's guard.
/// </summary>
internal static class AssignmentRecords
{
    private const string Kind = "Assignment";

    /// <summary>The assignment a record's payload holds (its event type's reader, <see cref="AssignmentView.Read"/>), as the checkpoint keeps it.</summary>
    public static View? ToView(string id, string? json) => AssignmentView.Read(json, id) is { } a ? ToView(id, a, json!) : null;

    private static View ToView(string id, AssignmentView a, string json)
        => new(id.ToLowerInvariant(), Principal.Fold(a.Principal!), a.RoleId!.Value.ToString("D"), a.Type!, a.Scope!, a.MemberType!,
            a.StartDateTime!.Value.Ticks, a.EndDateTime?.Ticks, json);

    public static RecordVerdict Decide(SealedRecord r, SealContext ctx, CheckpointTables view)
    {
        // What makes an assignment record one is judged once, for this decision and the seal verifier's administrators alike.
        if (AssignmentView.WhyNotARecord(r.TargetId, r.RoleId, r.AfterJson, out var read) is { } notOne) return RecordVerdict.Refused(Kind, notOne);
        var id = r.TargetId!;
        var after = read is null ? null : ToView(id, read, r.AfterJson!);
        var changes = after is null ? new CheckpointChange[] { new AssignmentRemoved(id) } : [new AssignmentPut(after)];
        if (ctx.Trusted) return RecordVerdict.Counts(Kind, changes);
        // A scope the module would refuse (Scope.Validate) is no scope: "/a/../b" is not "/b" to anything that reads it.
        if (after is not null && !Scope.IsCanonical(after.Scope)) return RecordVerdict.Refused(Kind, $"its scope '{after.Scope}' is not one PimModule accepts");
        // A group holds a role only as the kernel allows (Kernel/GroupRules.cs), as the writer decides it.
        if (after is not null && PimGroupKey.TryParse(after.PrincipalKey, out var groupId)
            && GroupRules.WhyNotHoldRole(view.Group(groupId), Guid.Parse(after.RoleId), after.Type == "Eligible" ? PimAssignmentType.Eligible : PimAssignmentType.Active) is { } notHeld)
            return RecordVerdict.Refused(Kind, Groups.GroupService.Reason(notHeld, groupId));
        // An administrator's change needs no look at what was there; an activation and a deactivation do.
        var current = r.Action.StartsWith("Admin", StringComparison.Ordinal) ? null : view.Assignment(id);
        var why = Entitlement(r, ctx, view, current, after) ?? LastAdministrator(r, id, view, current, after);
        return why is null ? RecordVerdict.Counts(Kind, changes) : RecordVerdict.Refused(Kind, why);
    }

    /// <summary>
    /// The last administrator's guard (the kernel's <see cref="Administrators.EndsAdministrationSooner"/>), at the record's own
    /// time, for a change of an administrator assignment: it may not leave the store administered for less long.
    /// </summary>
    private static string? LastAdministrator(SealedRecord r, string id, CheckpointTables view, View? current, View? after)
    {
        if (!view.IsAdministratorAssignment(id) || (current ?? view.Assignment(id)) is not { } held) return null;
        var at = new DateTime(r.AtTicks, DateTimeKind.Utc);
        // Whatever else it changes, a change after which the same holder does not administer through the same kind of
        // assignment (its principal, role's kind, scope, type, member type, in force then) ends this one's administration now.
        var removed = after is null || after.PrincipalKey != held.PrincipalKey || after.MemberType != held.MemberType
                      || !Administrators.IsAdministratorAssignment(after) || !Administrators.Administers(after, at);
        var inForce = view.AdministratorAssignments()
            .Where(a => Administrators.Administers(a, at)).Select(a => (Guid.Parse(a.Id), a.End is { } e ? new DateTime(e, DateTimeKind.Utc) : (DateTime?)null));
        return Administrators.EndsAdministrationSooner(held, after?.End is { } end ? new DateTime(end, DateTimeKind.Utc) : null, removed, inForce, at)
            ? $"it ends the assignment {held.Id} that let {held.PrincipalKey} administer the store, and nobody else administers it as long (the last administrator's guard)"
            : null;
    }

    private static string? Entitlement(SealedRecord r, SealContext ctx, CheckpointTables view, View? current, View? after)
    {
        if (r.Action.StartsWith("Admin", StringComparison.Ordinal))
            return view.IsAdministrator(ctx.Actor, ctx.VerifiedAtTicks) ? null : $"{ctx.Actor} was not an administrator there";
        switch (r.Action)
        {
            case "SelfActivate" when after is not null && after.PrincipalKey == ctx.Actor:
                // Activated by its principal, at once: eligible then, within it and the role's duration, and the role's
                // settings then needed no approval.
                if (current is not null) return "an activation makes a new assignment";
                if (ActivationLimits(view, after) is { } broken) return broken;
                if (SettingRecords.VerifiedPolicy(view, after.RoleId)!.RequireApproval) return "the role's settings required approval";
                return null;
            case "SelfActivate":
                // Provisioned by an approver: an approval sealed earlier in the same transaction names it.
                if (current is not null || after is null) return "an activation makes a new assignment";
                if (view.Approved(after.Id) is not { } q || q.PrincipalKey != after.PrincipalKey || q.RoleId != after.RoleId
                    || (q.Scope is not null && !string.Equals(q.Scope, after.Scope, StringComparison.Ordinal)))
                    return $"{ctx.Actor} activated a role for {after.PrincipalKey}, and no approval sealed in its transaction provisions it";
                return ActivationLimits(view, after, q.DurationTicks is { } asked ? TimeSpan.FromTicks(asked) : null);
            case "SelfDeactivate":
                if (current is null) return "it deactivates no verified activation";
                // The kernel's decision (ActivationRules.WhyNotDeactivated), at the record's time: the record does what it
                // decides — an activation that had not started is withdrawn (deleted), one that had is ended.
                return ActivationRules.WhyNotDeactivated(current, after, ctx.Actor, new DateTime(r.AtTicks, DateTimeKind.Utc)) is { } refused
                    ? AssignmentRefusals.Reason(refused, ctx.Actor, current.PrincipalKey) : null;
            default:
                return $"'{r.Action}' does not change assignments";
        }
    }

    /// <summary>
    /// Why an activation (by its principal, or provisioned by an approval of a request that asked <paramref name="asked"/>)
    /// breaks its eligibility or what it was allowed (the kernel's <see cref="ActivationRules"/>); null when it does not.
    /// </summary>
    private static string? ActivationLimits(CheckpointTables view, View after, TimeSpan? asked = null)
    {
        View? eligible;
        if (AssignmentView.Read(after.Json)?.EligibleId?.ToString("D") is { } named)
        {
            // The eligibility it names (what removing that eligibility ends): verified, the principal's, of the role, covering it then.
            eligible = view.Assignment(named) is { } e && EligibilityRules.IsSourceOf(e, after) ? e : null;
            if (eligible is null) return $"the eligible assignment {named} it names is not {after.PrincipalKey}'s verified eligibility for the role at {after.Scope} then";
        }
        // The verified eligible assignment it comes from (the kernel's rule, EligibilityRules.Source).
        else if (EligibilityRules.Source(view.Held(after.PrincipalKey, after.RoleId, eligibleOnly: true), after.Scope, new DateTime(after.Start, DateTimeKind.Utc)) is not { } source)
            return $"{after.PrincipalKey} was not eligible for the role at {after.Scope} then";
        else eligible = source;
        TimeSpan allowed;
        if (asked is { } duration) allowed = duration;
        else if (SettingRecords.VerifiedPolicy(view, after.RoleId) is { } policy) allowed = policy.ActivationMaxDuration;
        else return "the role's settings were last set by an earlier PimModule, without their rules: an administrator sets them again";
        return ActivationRules.WhyNot(after, eligible, allowed) is { } refused ? AssignmentRefusals.Reason(refused, asked is not null) : null;
    }
}
