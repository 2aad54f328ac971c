using System.Text.Json.Nodes;
using PimModule.Assignments;
using PimModule.Audit.Events;
using PimModule.Checkpoint;
using PimModule.Identity;
using PimModule.Identity.Keys;
using PimModule.Kernel;
using PimModule.Roles;

namespace PimModule.Policy;

/// <summary>
/// The decisions on sealed records of settings, from the verified state so far (the state replay asks): role settings,
/// mail settings and directory objects are administrators' changes (a role's tenant policy id is one role's; one object id
/// is one user principal name); queued notices are anyone's; a pruning is an administrator's, of what ended
/// <see cref="RetentionRules.Window"/> before; a protection's endorsement is the root's, and is what the Lab past counts as.
/// </summary>
internal static class SettingRecords
{
    /// <summary>
    /// A role's policy as the verified log has it: Entra's defaults when no administrator changed it; null when the last
    /// change is a record of an earlier PimModule that did not carry its rules (what it said is not known here).
    /// </summary>
    public static RolePolicy? VerifiedPolicy(CheckpointTables view, string roleId)
        => view.Policy(roleId) is not { } row ? RolePolicy.FromRules([]) : row.Rules is { } rules ? RolePolicy.FromRulesJson(rules) : null;

    /// <summary>A role's verified policy (Entra's defaults where an earlier PimModule's record did not carry its rules).</summary>
    public static RolePolicy PolicyOf(CheckpointTables view, string roleId) => VerifiedPolicy(view, roleId) ?? RolePolicy.FromRules([]);

    /// <summary>Why <paramref name="ctx"/>'s actor may not make an administrator's change there; null when they may (or the record is the root's genesis).</summary>
    public static string? NotAdministrator(SealContext ctx, CheckpointTables view)
        => ctx.Trusted || view.IsAdministrator(ctx.Actor, ctx.VerifiedAtTicks) ? null : $"{ctx.Actor} was not an administrator there";

    public static RecordVerdict RoleSetting(SealedRecord r, SealContext ctx, CheckpointTables view)
    {
        const string kind = "RoleSetting";
        if (!Guid.TryParse(r.TargetId, out var role)) return RecordVerdict.Refused(kind, "it names no role");
        if (NotAdministrator(ctx, view) is { } no) return RecordVerdict.Refused(kind, no);
        if (RoleSettingChange.Read(r.AfterJson) is not var (described, rules)) return RecordVerdict.Refused(kind, "its settings do not parse");
        if (!ctx.Trusted && Interop.GraphPolicyFile.TakenBy(role, rules, view.Policy(role.ToString("D"))?.Rules, view.PolicyRules()) is var (policyId, holder))
            return RecordVerdict.Refused(kind, $"it gives the role the tenant policy id {policyId}, which the role {holder} holds");
        return RecordVerdict.Counts(kind, new PolicyPut(role.ToString("D"), Audit.AuditLog.ToJson(described)!, rules));
    }

    /// <summary>An imported directory object: one id is one user principal name, one name one id (<see cref="DirectoryRules"/>).</summary>
    public static RecordVerdict DirectoryObject(SealedRecord r, SealContext ctx, CheckpointTables view)
    {
        const string kind = "DirectoryObject";
        if (NotAdministrator(ctx, view) is { } no) return RecordVerdict.Refused(kind, no);
        var after = EventJson.Read<DirectoryObjectView>(r.AfterJson);
        var upn = after?.UserPrincipalName;
        if (!Guid.TryParse(r.TargetId, out var id) || upn is null || !Principal.IsValid(upn)) return RecordVerdict.Refused(kind, "it names no object id and user principal name");
        var key = Principal.Fold(upn);
        var holder = view.DirectoryIdOf(key);
        if (DirectoryRules.WhyNot(id, key, Guid.TryParse(holder, out var h) ? h : null, view.DirectoryKeyOf(id.ToString("D"))) is { } refused)
            return RecordVerdict.Refused(kind, Interop.DirectoryService.Reason(refused, upn, id, holder));
        return RecordVerdict.Counts(kind, new DirectoryObjectPut(id.ToString("D"), upn, key, after?.DisplayName));
    }

    public static RecordVerdict Mail(SealedRecord r, SealContext ctx, CheckpointTables view)
        => NotAdministrator(ctx, view) is { } no ? RecordVerdict.Refused("MailSetting", no)
            : r.AfterJson is null ? RecordVerdict.Refused("MailSetting", "it holds no settings")
            : RecordVerdict.Counts("MailSetting", new MailPut(r.AfterJson));

    public static RecordVerdict Notices(SealedRecord r)
        => QueuedNotice.ReadList(r.AfterJson) is not { } notices ? RecordVerdict.Refused("Notification", "it lists no messages")
            : RecordVerdict.Counts("Notification", new NoticesAdded(notices.OfType<QueuedNotice>().Where(m => m is { Id: not null, Digest: not null })
                .Select(m => (m.Id!.Value.ToString("D"), m.Digest!)).ToList()));

    /// <summary>A pruning: what ended <see cref="RetentionRules.Window"/> before the verified time (<see cref="RetentionRules.MayPruneBefore"/>).</summary>
    public static RecordVerdict Prune(SealedRecord r, SealContext ctx, CheckpointTables view)
    {
        if (EventJson.Read<Pruning>(r.AfterJson)?.Before?.Ticks is not { } cut) return RecordVerdict.Refused("Record", "it names no time to prune before");
        if (NotAdministrator(ctx, view) is { } no) return RecordVerdict.Refused("Record", no);
        if (!RetentionRules.MayPruneBefore(new DateTime(cut, DateTimeKind.Utc), new DateTime(ctx.VerifiedAtTicks, DateTimeKind.Utc)))
            return RecordVerdict.Refused("Record", $"it prunes history that is not {RetentionRules.Window.TotalDays:0} days old");
        return RecordVerdict.Counts("Record", new EndedRemoved(cut));
    }

    /// <summary>A schema migration of a Verified store: an administrator's sealed change (it changes no state).</summary>
    public static RecordVerdict Migration(SealContext ctx, CheckpointTables view)
        => NotAdministrator(ctx, view) is { } no ? RecordVerdict.Refused("Record", $"{no} (a schema migration is an administrator's change)") : RecordVerdict.Counts("Record");

    /// <summary>
    /// Protect-PimStore (the root's): what the Lab past says counts only as the administrator endorsed it — the assignments
    /// of privileged and custom roles, every role's policy and the mail settings are the endorsed ones (a record written
    /// into the Lab log around the module grants nothing). A protection from before settings were endorsed keeps the Lab
    /// past as it was.
    /// </summary>
    public static RecordVerdict Protection(SealedRecord r)
    {
        if (EventJson.Read<StoreProtection>(r.AfterJson) is not { Policies: { } policies } o) return RecordVerdict.Counts("Store");
        var changes = new List<CheckpointChange> { new AssignmentsOnlyOf(RoleCatalog.BuiltIn.Where(b => !b.IsPrivileged).Select(b => b.Id.ToString("D")).ToList()) };
        foreach (var e in o.Endorsed ?? [])
            if (e is not null && e.ToJsonString() is var json && AssignmentView.Read(json)?.AssignmentId is { } id && AssignmentRecords.ToView(id.ToString("D"), json) is { } endorsed)
                changes.Add(new AssignmentPut(endorsed));
        changes.Add(new PoliciesCleared());
        foreach (var (role, text) in policies)
            if (Guid.TryParse(role, out var roleId))
                changes.Add(new PolicyPut(roleId.ToString("D"), Audit.AuditLog.ToJson(RolePolicy.FromRulesJson(text).Describe())!, text));
        changes.Add(new MailPut(o.Mail is JsonObject mail ? mail.ToJsonString() : null));
        return RecordVerdict.Counts("Store", [.. changes]);
    }
}
