using PimModule.Checkpoint;
using PimModule.Storage;
using PimModule.Audit.Events;
using PimModule.Audit;
using PimModule.Errors;
using PimModule.Identity;
using PimModule.Interop;
using PimModule.Roles;

namespace PimModule.Policy;

/// <summary>Role settings: reading, changing, resetting, copying, exporting and importing role policies.</summary>
public sealed partial class SettingsService
{
    private readonly StoreSession _store;
    internal SettingsService(StoreSession store) => _store = store;

    // ---- reading -----------------------------------------------------------------------------------

    public PimRoleSetting Get(PimRoleReference role) => _store.Read(work =>
    {
        var r = RoleService.Resolve(work, role);
        return ToSetting(work, r);
    });

    /// <summary>The settings of the given roles (all roles when null), in one query.</summary>
    public IReadOnlyList<PimRoleSetting> List(IReadOnlyCollection<PimRole>? roles = null) => _store.Read(work =>
    {
        var all = roles ?? RolesTable.All(work);
        var rows = PolicyRulesTable.All(work).ToLookup(x => x.RoleId);
        var verified = work.VerifiedNow();
        return all.Select(role =>
        {
            var mine = rows[role.Id].ToList();
            var last = mine.OrderByDescending(x => x.ModifiedUtc).FirstOrDefault();
            RolePolicy Stored() => FromStored(role.Id, mine.Select(x => (x.RuleId, x.ValueJson)));
            return (verified is null ? Stored() : Verified(verified, role.Id, Stored)).ToSetting(role, last?.ModifiedBy, last?.ModifiedUtc);
        }).ToList();
    });

    /// <summary>The policy in force for every role, in one query (Load's answer for each: written here, verified, or stored).</summary>
    internal static Dictionary<Guid, RolePolicy> LoadAll(UnitOfWork work)
    {
        var rows = PolicyRulesTable.All(work).ToLookup(x => x.RoleId);
        var verified = work.VerifiedNow();
        var written = Written(work);
        return RolesTable.All(work).ToDictionary(r => r.Id, r =>
        {
            if (written.TryGetValue(r.Id, out var w)) return w.Clone();
            RolePolicy Stored() => FromStored(r.Id, rows[r.Id].Select(x => (x.RuleId, x.ValueJson)));
            return verified is null ? Stored() : Verified(verified, r.Id, Stored);
        });
    }

    /// <summary>The policy in force for a role (used by every rule that checks settings).</summary>
    internal static RolePolicy Load(UnitOfWork work, Guid roleId)
    {
        // A policy this unit of work wrote is the one in force for the rest of it (a Verified store's sealed state has it
        // only once the transaction commits): -PassThru, and a desired state's assignments checked against its policies.
        if (Written(work).TryGetValue(roleId, out var written)) return written.Clone();
        RolePolicy Stored() => FromStored(roleId, PolicyRulesTable.OfRole(work, roleId).Select(r => (r.RuleId, r.ValueJson)));
        return work.VerifiedNow() is { } verified ? Verified(verified, roleId, Stored) : Stored();
    }

    /// <summary>
    /// A Verified store's policy of a role: as an administrator sealed it last (the rules its record carries), or Entra's
    /// defaults when none did — the store's rule rows count for nothing. A record from before the rules were logged is
    /// matched with the stored rows: they count only when they say what it said.
    /// </summary>
    private static RolePolicy Verified(VerifiedState verified, Guid roleId, Func<RolePolicy> storedRows)
    {
        if (verified.Policy(roleId) is not { } sealedPolicy) return RolePolicy.FromRules([]);
        if (sealedPolicy.Rules is { } rules) return RolePolicy.FromRulesJson(rules);
        var stored = storedRows();
        if (AuditLog.ToJson(stored.Describe()) == sealedPolicy.Describe) return stored;
        throw PimErrors.StoreTampered($"The settings of role {roleId} in the store are not the ones an administrator sealed in the verified log. Nothing was changed.",
            roleId, "Run Test-PimAuditLog, and have an administrator set the role's settings again (Set-PimRoleSetting), or restore the store from a backup.");
    }

    /// <summary>A role's policy from its stored rule rows, read strictly: a rule whose JSON does not read is PimStoreCorrupt (PimStoreTampered in a Verified store).</summary>
    private static RolePolicy FromStored(Guid roleId, IEnumerable<(string RuleId, string Json)> rows)
        => StoredValue.Json(() => RolePolicy.FromRules(rows.ToList()), "policy_rules", "value_json", roleId);

    private static Dictionary<Guid, RolePolicy> Written(UnitOfWork work) => work.Memo("policies:written", () => new Dictionary<Guid, RolePolicy>());

    /// <summary>The policy in force, read once per unit of work (loops over requests and rows ask again and again).</summary>
    internal static RolePolicy LoadOnce(UnitOfWork work, Guid roleId) => work.Memo("policy:" + roleId, () => Load(work, roleId));

    /// <summary>Every role's policy read now, in one query, for <see cref="LoadOnce"/> (before a stream holds the connection).</summary>
    internal static void LoadAllOnce(UnitOfWork work)
    {
        foreach (var (roleId, policy) in LoadAll(work)) work.Memo("policy:" + roleId, () => policy);
    }

    private static PimRoleSetting ToSetting(UnitOfWork work, PimRole role)
    {
        var modified = PolicyRulesTable.LastModified(work, role.Id);
        return Load(work, role.Id).ToSetting(role, modified?.ModifiedBy, modified?.ModifiedUtc);
    }

    /// <summary>Writes a policy as rule rows (only the rules that differ from Entra's default), audited.</summary>
    private static void Save(UnitOfWork work, PimRole role, RolePolicy before, RolePolicy after, Func<Guid, RolePolicy, RolePolicy, RoleSettingChange> recorded)
    {
        var old = PolicyRulesTable.OfRole(work, role.Id).ToDictionary(x => x.RuleId, x => x.ValueJson);
        var rules = after.ToRules().ToList();
        // A known rule the policy no longer lists (PimModule's own rules, back to their defaults) is deleted.
        foreach (var ruleId in old.Keys.Where(RolePolicy.IsKnownRule).Except(rules.Select(r => r.RuleId)).ToList())
            PolicyRulesTable.Delete(work, role.Id, ruleId);
        foreach (var (ruleId, json) in rules)
        {
            var isDefault = RolePolicy.IsDefaultRule(ruleId, json);
            old.TryGetValue(ruleId, out var stored);
            if (isDefault && stored is not null)
                PolicyRulesTable.Delete(work, role.Id, ruleId);
            else if (!isDefault && stored != json)
                PolicyRulesTable.Upsert(work, new PolicyRulesTable.Row(role.Id, ruleId, json, work.Now, work.Actor));
        }
        // The record carries the rules themselves beside what they say, so the verified state replays the policy exactly.
        Written(work)[role.Id] = after.Clone();
        AuditLog.Append(work, recorded(role.Id, before, after));
    }

    /// <summary>Approvers given by object id are their UPNs inside the store (refused by name when no directory object has the id).</summary>
    internal static void CanonicalApprovers(UnitOfWork work, RolePolicy p)
    {
        static bool AnyId(List<string> list) => list.Any(a => Principal.IsObjectId(a.Trim(' ')));
        List<string> Map(List<string> list, string name) => AnyId(list) ? list.Select(a => DirectoryMap.Canonical(work, a, name)).Distinct(Principal.Comparer).ToList() : list;
        p.Approvers = Map(p.Approvers, "Approvers");
        p.EscalationApprovers = Map(p.EscalationApprovers, "EscalationApprovers");
        if (p.SecondStage is { } s)
            p.SecondStage = s with { Approvers = Map(s.Approvers, "Approvers"), EscalationApprovers = Map(s.EscalationApprovers, "EscalationApprovers") };
    }

    /// <summary>Writes a policy in the caller's unit of work (Invoke-PimConfiguration's one transaction), audited as <paramref name="recorded"/> says.</summary>
    internal static void SaveIn(UnitOfWork work, PimRole role, RolePolicy before, RolePolicy after, Func<Guid, RolePolicy, RolePolicy, RoleSettingChange> recorded)
    {
        Authorization.RequireRoleAdministrator(work, $"change the settings of '{role.Name}'");
        Save(work, role, before, after, recorded);
    }

    private sealed record Plan(PimRole Role, RolePolicy Before, RolePolicy After)
    {
        public bool Changes => RolePolicy.Diff(Before, After) != "no change";
    }

    private PimRoleSetting? Apply(PimRoleReference role, Func<RolePolicy, RolePolicy> change, string verb, Func<Guid, RolePolicy, RolePolicy, RoleSettingChange> recorded,
        Func<PimChange, bool>? confirm, Action<string>? noChange = null)
    {
        var applied = _store.Change(
            work =>
            {
                var r = RoleService.Resolve(work, role);
                Authorization.RequireRoleAdministrator(work, $"change the settings of '{r.Name}'");
                var before = Load(work, r.Id);
                var after = change(before);
                CanonicalApprovers(work, after);
                after.Validate(r.Name);
                return new Plan(r, before, after);
            },
            p => new PimChange(p.Role.Name, $"{verb}: {RolePolicy.Diff(p.Before, p.After)}"),
            (work, p) =>
            {
                if (p.Changes) Save(work, p.Role, p.Before, p.After, recorded);
                else noChange?.Invoke($"The settings of '{p.Role.Name}' already are as asked; nothing changed.");
                return new Tuple<PimRoleSetting>(ToSetting(work, p.Role));
            },
            confirm);
        return applied?.Item1;
    }

    public PimRoleSetting? Update(PimRoleReference role, PimRoleSettingUpdate update, Func<PimChange, bool>? confirm = null,
        Action<string>? noChange = null)
        => Apply(role, p => { var c = p.Clone(); update.ApplyTo(c); return c; }, "Set role setting", RoleSettingChange.Updated, confirm, noChange);

    public PimRoleSetting? UpdateNotification(PimRoleReference role, PimNotificationUpdate update, Func<PimChange, bool>? confirm = null,
        Action<string>? noChange = null)
        => Apply(role, p => { var c = p.Clone(); update.ApplyTo(c); return c; }, $"Set notification setting {update.Event}/{update.Recipient}", RoleSettingChange.Updated, confirm, noChange);

    public PimRoleSetting? Reset(PimRoleReference role, Func<PimChange, bool>? confirm = null, Action<string>? noChange = null)
        => Apply(role, _ => new RolePolicy(), "Reset role setting to Entra's defaults", RoleSettingChange.Reset, confirm, noChange);

    public PimRoleSetting? Copy(PimRoleReference source, PimRoleReference destination, Func<PimChange, bool>? confirm = null,
        Action<string>? noChange = null)
    {
        var from = _store.Read(work =>
        {
            var r = RoleService.Resolve(work, source);
            return (Role: r, Policy: Load(work, r.Id));
        });
        return Apply(destination, p => { var c = from.Policy.Clone(); c.GraphIdentity = p.GraphIdentity; return c; }, $"Copy role setting from '{from.Role.Name}'", RoleSettingChange.Copied,
            confirm, noChange);
    }

}
