using PimModule.Kernel;
using Dapper;
using Microsoft.Data.Sqlite;
using PimModule.Identity.Keys;
using PimModule.Audit.Events;
using View = PimModule.Checkpoint.VerifiedAssignment;
using PimModule.Identity;
using PimModule.Assignments;

namespace PimModule.Verification;

/// <summary>The state replay of assignments: an administrator's change, an activation (by its principal, or provisioned by an approval) and a deactivation, each judged by the kernel's rules.</summary>
internal sealed partial class StateReplay
{
    // ---- assignments -------------------------------------------------------------------------------------

    /// <summary>The assignment a record's payload holds (its event type's reader, <see cref="AssignmentView.Read"/>), as the checkpoint keeps it.</summary>
    private static View? Parse(string id, string? json) => AssignmentView.Read(json, id) is { } a ? ToView(id, a, json!) : null;

    private static View ToView(string id, AssignmentView a, string json)
        => new(id.ToLowerInvariant(), Principal.Fold(a.Principal!), a.RoleId!.Value.ToString("D"), a.Type!, a.Scope!, a.MemberType!,
            a.StartDateTime!.Value.Ticks, a.EndDateTime?.Ticks, json);

    private void Upsert(View a) => view.Put(a);

    private View? Load(string id) => view.Assignment(id);

    private void Assignment(SealedRecord r, SealContext ctx)
    {
        // What makes an assignment record one is judged once, for this replay and the seal verifier's administrators alike.
        if (AssignmentView.WhyNotARecord(r.TargetId, r.RoleId, r.AfterJson, out var read) is { } notOne) { Refuse(r, "Assignment", notOne); return; }
        var id = r.TargetId!;
        var after = read is null ? null : ToView(id, read, r.AfterJson!);
        // An administrator's change needs no look at what was there; an activation and a deactivation do.
        var current = ctx.Trusted || r.Action.StartsWith("Admin", StringComparison.Ordinal) ? null : Load(id);
        // A scope the module would refuse (Scope.Validate) is no scope: "/a/../b" is not "/b" to anything that reads it.
        if (!ctx.Trusted && after is not null && !Scope.IsCanonical(after.Scope)) { Refuse(r, "Assignment", $"its scope '{after.Scope}' is not one PimModule accepts"); return; }
        var why = ctx.Trusted ? null : AssignmentEntitlement(r, ctx, current, after) ?? LastAdministrator(r, id, current, after);
        if (why is not null) { Refuse(r, "Assignment", why); return; }
        if (after is null) view.RemoveAssignment(id);
        else Upsert(after);
        if (_administratorIds is { } ids)
        {
            if (after is not null && Administrators.IsAdministratorAssignment(after)) ids.Add(after.Id);
            else ids.Remove(id.ToLowerInvariant());
        }
    }

    /// <summary>The ids of the verified administrator assignments (whatever their time), kept as records change them (read once).</summary>
    private HashSet<string> AdministratorIds => _administratorIds ??= view.AdministratorAssignments().Select(a => a.Id.ToLowerInvariant()).ToHashSet(StringComparer.Ordinal);

    private HashSet<string>? _administratorIds;

    /// <summary>
    /// The last administrator's guard (the kernel's <see cref="Administrators.EndsAdministrationSooner"/>), at the record's own
    /// time, for a change of an administrator assignment: it may not leave the store administered for less long.
    /// </summary>
    private string? LastAdministrator(SealedRecord r, string id, View? current, View? after)
    {
        if (!AdministratorIds.Contains(id.ToLowerInvariant()) || (current ?? Load(id)) is not { } held) return null;
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

    private string? AssignmentEntitlement(SealedRecord r, SealContext ctx, View? current, View? after)
    {
        var t = ctx.VerifiedAtTicks;
        if (r.Action.StartsWith("Admin", StringComparison.Ordinal))
            return IsAdmin(ctx.Actor, t) ? null : $"{ctx.Actor} was not an administrator there";
        switch (r.Action)
        {
            case "SelfActivate" when after is not null && after.PrincipalKey == ctx.Actor:
                // Activated by its principal, at once: eligible then, within it and the role's duration, and the role's
                // settings then needed no approval.
                if (current is not null) return "an activation makes a new assignment";
                if (ActivationLimits(after) is { } broken) return broken;
                if (PolicyRules(after.RoleId)!.RequireApproval) return "the role's settings required approval";
                return null;
            case "SelfActivate":
                // Provisioned by an approver: an approval sealed earlier in the same transaction names it.
                if (current is not null || after is null) return "an activation makes a new assignment";
                if (!_approved.TryGetValue(after.Id, out var q) || q.PrincipalKey != after.PrincipalKey || q.RoleId != after.RoleId
                    || (q.Scope is not null && !string.Equals(q.Scope, after.Scope, StringComparison.Ordinal)))
                    return $"{ctx.Actor} activated a role for {after.PrincipalKey}, and no approval sealed in its transaction provisions it";
                return ActivationLimits(after, q.DurationTicks is { } asked ? TimeSpan.FromTicks(asked) : null);
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

    private bool IsAdmin(string principalKey, long t)
    {
        if (_isAdmin.TryGetValue((principalKey, t), out var known)) return known;
        // The kernel's rule (Administrators), over the actor's verified assignments.
        var at = new DateTime(t, DateTimeKind.Utc);
        var yes = view.AdministratorAssignments(principalKey)
            .Any(a => Administrators.Administers(a, at));
        _isAdmin[(principalKey, t)] = yes;
        return yes;
    }

    private HashSet<string> Admins(long t)
    {
        if (_admins.TryGetValue(t, out var known)) return known;
        var at = new DateTime(t, DateTimeKind.Utc);
        return _admins[t] = view.AdministratorAssignments()
            .Where(a => Administrators.Administers(a, at)).Select(a => a.PrincipalKey).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>The verified eligible assignment an activation comes from (the kernel's rule, <see cref="EligibilityRules.Source{T}"/>); null when none.</summary>
    private View? EligibleSource(View activation) => EligibilityRules.Source(view.Held(activation.PrincipalKey, activation.RoleId, eligibleOnly: true),
        activation.Scope, new DateTime(activation.Start, DateTimeKind.Utc));

    /// <summary>
    /// Why an activation (by its principal, or provisioned by an approval of a request that asked <paramref name="asked"/>)
    /// breaks its eligibility or what it was allowed (the kernel's <see cref="ActivationRules"/>); null when it does not.
    /// </summary>
    private string? ActivationLimits(View after, TimeSpan? asked = null)
    {
        View? eligible;
        if (AssignmentView.Read(after.Json)?.EligibleId?.ToString("D") is { } named)
        {
            // The eligibility it names (what removing that eligibility ends): verified, the principal's, of the role, covering it then.
            eligible = Load(named) is { } e && EligibilityRules.IsSourceOf(e, after) ? e : null;
            if (eligible is null) return $"the eligible assignment {named} it names is not {after.PrincipalKey}'s verified eligibility for the role at {after.Scope} then";
        }
        else if (EligibleSource(after) is not { } source)
            return $"{after.PrincipalKey} was not eligible for the role at {after.Scope} then";
        else eligible = source;
        TimeSpan allowed;
        if (asked is { } duration) allowed = duration;
        else if (PolicyRules(after.RoleId) is { } policy) allowed = policy.ActivationMaxDuration;
        else return "the role's settings were last set by an earlier PimModule, without their rules: an administrator sets them again";
        return ActivationRules.WhyNot(after, eligible, allowed) is { } refused ? AssignmentRefusals.Reason(refused, asked is not null) : null;
    }
}
