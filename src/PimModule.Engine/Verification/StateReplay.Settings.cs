using PimModule.Kernel;
using System.Text.Json.Nodes;
using PimModule.Identity.Keys;
using PimModule.Audit.Events;
using PimModule.Policy;
using PimModule.Identity;
using PimModule.Roles;

namespace PimModule.Verification;

/// <summary>The state replay of settings: role policies (as the verified log has them), mail, directory objects, queued notices, pruning and a protection's endorsement.</summary>
internal sealed partial class StateReplay
{
    private RolePolicy PolicyOf(string roleId) => PolicyRules(roleId) ?? RolePolicy.FromRules([]);

    /// <summary>
    /// A role's policy as the verified log has it: Entra's defaults when no administrator changed it; null when the last
    /// change is a record of an earlier PimModule that did not carry its rules (what it said is not known here).
    /// </summary>
    private RolePolicy? PolicyRules(string roleId)
        => view.Policy(roleId) is not { } row ? RolePolicy.FromRules([]) : row.Rules is { } rules ? RolePolicy.FromRulesJson(rules) : null;

    // ---- settings, mail, notices, pruning -------------------------------------------------------------------

    private void Policy(SealedRecord r, SealContext ctx)
    {
        if (!Guid.TryParse(r.TargetId, out var role)) { Refuse(r, "RoleSetting", "it names no role"); return; }
        if (!ctx.Trusted && !IsAdmin(ctx.Actor, ctx.VerifiedAtTicks)) { Refuse(r, "RoleSetting", $"{ctx.Actor} was not an administrator there"); return; }
        if (RoleSettingChange.Read(r.AfterJson) is not var (described, rules)) { Refuse(r, "RoleSetting", "its settings do not parse"); return; }
        if (!ctx.Trusted && Interop.GraphPolicyFile.TakenBy(role, rules, view.Policy(role.ToString("D"))?.Rules, view.PolicyRules()) is var (policyId, holder))
        { Refuse(r, "RoleSetting", $"it gives the role the tenant policy id {policyId}, which the role {holder} holds"); return; }
        view.PutPolicy(role.ToString("D"), Audit.AuditLog.ToJson(described)!, rules);
    }

    /// <summary>An imported directory object: an administrator's change; one id is one UPN, one UPN one id.</summary>
    private void DirectoryObject(SealedRecord r, SealContext ctx)
    {
        if (!ctx.Trusted && !IsAdmin(ctx.Actor, ctx.VerifiedAtTicks)) { Refuse(r, "DirectoryObject", $"{ctx.Actor} was not an administrator there"); return; }
        var after = EventJson.Read<DirectoryObjectView>(r.AfterJson);
        var upn = after?.UserPrincipalName;
        if (!Guid.TryParse(r.TargetId, out var id) || upn is null || !Principal.IsValid(upn)) { Refuse(r, "DirectoryObject", "it names no object id and user principal name"); return; }
        var key = Principal.Fold(upn);
        var holder = view.DirectoryIdOf(key);
        if (DirectoryRules.WhyNot(id, key, Guid.TryParse(holder, out var h) ? h : null, view.DirectoryKeyOf(id.ToString("D"))) is { } refused)
        { Refuse(r, "DirectoryObject", Interop.DirectoryService.Reason(refused, upn, id, holder)); return; }
        view.PutDirectoryObject(id.ToString("D"), upn, key, after?.DisplayName);
    }

    private void Mail(SealedRecord r, SealContext ctx)
    {
        if (!ctx.Trusted && !IsAdmin(ctx.Actor, ctx.VerifiedAtTicks)) { Refuse(r, "MailSetting", $"{ctx.Actor} was not an administrator there"); return; }
        if (r.AfterJson is null) { Refuse(r, "MailSetting", "it holds no settings"); return; }
        view.PutMail(r.AfterJson);
    }

    private void Notifications(SealedRecord r, SealContext ctx)
    {
        if (EventJson.Read<List<QueuedNotice?>>(r.AfterJson) is not { } notices) { Refuse(r, "Notification", "it lists no messages"); return; }
        view.AddNotices(notices.OfType<QueuedNotice>().Where(m => m is { Id: not null, Digest: not null }).Select(m => (m.Id!.Value.ToString("D"), m.Digest!)));
    }

    private void Prune(SealedRecord r, SealContext ctx)
    {
        if (EventJson.Read<Pruning>(r.AfterJson)?.Before?.Ticks is not { } cut) { Refuse(r, "Record", "it names no time to prune before"); return; }
        if (!ctx.Trusted && !IsAdmin(ctx.Actor, ctx.VerifiedAtTicks)) { Refuse(r, "Record", $"{ctx.Actor} was not an administrator there"); return; }
        if (!RetentionRules.MayPruneBefore(new DateTime(cut, DateTimeKind.Utc), new DateTime(ctx.VerifiedAtTicks, DateTimeKind.Utc)))
        { Refuse(r, "Record", $"it prunes history that is not {RetentionRules.Window.TotalDays:0} days old"); return; }
        view.RemoveEndedBefore(cut);
        _administratorIds = null;
    }

    /// <summary>
    /// Protect-PimStore: what the Lab past says counts only as the administrator endorsed it — the assignments of privileged
    /// and custom roles, every role's policy and the mail settings are the endorsed ones (a record written into the Lab log
    /// around the module grants nothing). A protection from before settings were endorsed keeps the Lab past as it was.
    /// </summary>
    private void Protect(SealedRecord r)
    {
        if (EventJson.Read<StoreProtection>(r.AfterJson) is not { Policies: { } policies } o) return;
        var keep = RoleCatalog.BuiltIn.Where(b => !b.IsPrivileged).Select(b => b.Id.ToString("D")).ToList();
        view.KeepOnlyAssignmentsOf(keep);
        foreach (var e in o.Endorsed ?? [])
            if (e is not null && e.ToJsonString() is var json && AssignmentView.Read(json)?.AssignmentId is { } id && Parse(id.ToString("D"), json) is { } view) Upsert(view);
        _administratorIds = null;
        view.RemovePolicies();
        foreach (var (role, text) in policies)
            if (Guid.TryParse(role, out var roleId))
                view.PutPolicy(roleId.ToString("D"), Audit.AuditLog.ToJson(RolePolicy.FromRulesJson(text).Describe())!, text);
        view.PutMail(o.Mail is JsonObject mail ? mail.ToJsonString() : null);
    }
}
