using PimModule.Kernel;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
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
    {
        var row = view.Policy(roleId);
        return row is null ? RolePolicy.FromRules([]) : row.Rules is { } rules ? Rules(rules) : null;
    }

    /// <summary>A policy from the rules a RoleSetting record carries (none: Entra's defaults).</summary>
    public static RolePolicy Rules(string? rulesJson)
    {
        if (rulesJson is null) return RolePolicy.FromRules([]);
        var rules = JsonSerializer.Deserialize<Dictionary<string, string>>(rulesJson) ?? [];
        return RolePolicy.FromRules(rules.Select(kv => (kv.Key, kv.Value)));
    }

    /// <summary>The tenant policy id the rules a RoleSetting record carries keep (Import-PimRoleSetting's Graph identity); null when none, or when they do not parse.</summary>
    public static string? KeptPolicyId(string? rulesJson)
    {
        if (rulesJson is null) return null;
        try
        {
            var rules = JsonSerializer.Deserialize<Dictionary<string, string>>(rulesJson);
            return rules is not null && rules.TryGetValue(RolePolicy.GraphIdentityRule, out var identity) ? Interop.GraphPolicyFile.PolicyIdOf(identity) : null;
        }
        catch (JsonException) { return null; }
    }

    /// <summary>
    /// Whether a RoleSetting record gives its role a tenant policy id another role holds (the writer's rule,
    /// <see cref="Interop.GraphPolicyFile.Holder"/>, over the verified policies): the reason it counts for nothing, else null.
    /// </summary>
    private string? PolicyIdTaken(Guid role, string? rulesJson)
    {
        if (KeptPolicyId(rulesJson) is not { } id) return null;
        // The id the role keeps already (every later change of its settings carries it again) is not asked about.
        var current = view.Policy(role.ToString("D"))?.Rules;
        if (string.Equals(KeptPolicyId(current), id, StringComparison.OrdinalIgnoreCase)) return null;
        var kept = view.PolicyRules()
            .Select(x => (Ok: Guid.TryParse(x.RoleId, out var g), Role: g, Id: KeptPolicyId(x.Rules)))
            .Where(x => x.Ok).ToDictionary(x => x.Role, x => x.Id);
        return Interop.GraphPolicyFile.Holder(role, id, kept) is { } holder ? $"it gives the role the tenant policy id {id}, which the role {holder} holds" : null;
    }


    // ---- settings, mail, notices, pruning -------------------------------------------------------------------

    private void Policy(SealedRecord r, SealContext ctx)
    {
        if (!Guid.TryParse(r.TargetId, out var role)) { Refuse(r, "RoleSetting", "it names no role"); return; }
        if (!ctx.Trusted && !IsAdmin(ctx.Actor, ctx.VerifiedAtTicks)) { Refuse(r, "RoleSetting", $"{ctx.Actor} was not an administrator there"); return; }
        if (RoleSettingChange.Read(r.AfterJson) is not var (described, rules)) { Refuse(r, "RoleSetting", "its settings do not parse"); return; }
        if (!ctx.Trusted && PolicyIdTaken(role, rules) is { } taken) { Refuse(r, "RoleSetting", taken); return; }
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
        var taken = view.DirectoryIdOf(key);
        if (taken is not null && taken != id.ToString("D")) { Refuse(r, "DirectoryObject", $"{upn} is already the object {taken}"); return; }
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
        if (cut > ctx.VerifiedAtTicks - Maintenance.MaintenanceService.Retention.Ticks + TimeSpan.FromMinutes(1).Ticks)
        { Refuse(r, "Record", "it prunes history that is not 30 days old"); return; }
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
                view.PutPolicy(roleId.ToString("D"), Audit.AuditLog.ToJson(Rules(text).Describe())!, text);
        view.PutMail(o.Mail is JsonObject mail ? mail.ToJsonString() : null);
    }
}
