using System.Xml;
using PimModule.Assignments;
using PimModule.Policy;
using PimModule.Storage;
using PimModule.Errors;
using PimModule.Identity;
using PimModule.Roles;

namespace PimModule.Interop;

/// <summary>
/// Desired state (Invoke-PimConfiguration): a JSON file of PolicyTemplates (name → settings), Policies (role name or id →
/// settings and/or Template) and Assignments (New-PimEligibleAssignment's parameter names plus Type). The whole file is
/// validated before anything is written — unknown keys (with "did you mean"), bad values, unknown roles, templates and
/// object ids — and every problem is listed at once. The plan is objects; the apply is one transaction, re-planned
/// inside it; a relative Duration applies when an assignment is created, so a second run plans nothing.
/// </summary>
public sealed partial class ConfigurationService
{
    private readonly StoreSession _store;
    internal ConfigurationService(StoreSession store) => _store = store;

    private static readonly string[] Sections = ["PolicyTemplates", "Policies", "Assignments"];
    private static readonly string[] AssignmentKeys =
        ["Principal", "Role", "Scope", "Type", "StartDateTime", "EndDateTime", "Duration", "Permanent", "Justification", "TicketNumber", "TicketSystem"];
    private static readonly string[] NotificationKeys = ["Event", "Recipient", "DefaultRecipients", "AdditionalRecipients", "CriticalOnly"];
    private static string[] SettingKeys => [.. RoleSettings.All.Select(s => s.Name), "Template", "Notifications"];

    /// <summary>A parsed file: settings of templates and policies, and assignments, not yet checked against the store.</summary>
    public sealed class Document
    {
        internal Dictionary<string, Settings> Templates { get; } = new(StringComparer.OrdinalIgnoreCase);
        internal List<(string Role, Settings Settings)> Policies { get; } = [];
        internal List<Declared> Assignments { get; } = [];
        internal List<string> Problems { get; } = [];
        internal string Source { get; init; } = "";
    }

    internal sealed class Settings
    {
        public string? Template { get; set; }
        public List<(string Name, object Value)> Values { get; } = [];
        public List<PimNotificationUpdate> Notifications { get; } = [];
    }

    internal sealed record Declared(int Index, string Principal, string Role, string Scope, PimAssignmentType Type, DateTime? Start, DateTime? End,
        TimeSpan? Duration, bool Permanent, string? Justification, string? TicketNumber, string? TicketSystem);

    // ---- planning -----------------------------------------------------------------------------------

    private sealed record PolicyStep(PimRole Role, RolePolicy Before, RolePolicy After);

    private sealed record AssignStep(Declared Declared, PimRole Role, PimAssignmentInput Input);

    private sealed record UpdateStep(Declared Declared, PimRole Role, AssignmentRow Row, PimAssignmentChange Change);

    private sealed record RemoveStep(AssignmentRow Row, PimRole Role);

    private sealed class Plan
    {
        public List<PolicyStep> Policies { get; } = [];
        public List<AssignStep> Adds { get; } = [];
        public List<UpdateStep> Updates { get; } = [];
        public List<RemoveStep> Removes { get; } = [];
        public List<PimConfigurationChange> Changes { get; } = [];
    }

    private static Plan Decide(UnitOfWork work, Document doc, PimConfigurationMode mode, IReadOnlyCollection<string> protectedPrincipals)
    {
        Authorization.RequireRoleAdministrator(work, "apply a desired-state configuration");
        var problems = new List<string>(doc.Problems);
        var directory = DirectoryMap.Of(work);
        var plan = new Plan();
        var protectedKeys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in protectedPrincipals)
        {
            try { protectedKeys.Add(Principal.Fold(directory.Canonical(p, "ProtectedPrincipal"))); }
            catch (PimException e) { problems.Add($"-ProtectedPrincipal: {e.Message}"); }
        }
        // Policies: the current policy (Initial: Entra's defaults), then the template, then the role's own settings.
        var declaredRoles = new HashSet<Guid>();
        foreach (var (roleText, settings) in doc.Policies)
        {
            var role = FindRole(work, roleText);
            if (role is null) { problems.Add($"Policies.{roleText}: there is no role '{roleText}' in the store" + DidYouMean(roleText, RolesTable.All(work).Select(r => r.Name)) + "."); continue; }
            if (!declaredRoles.Add(role.Id)) { problems.Add($"Policies.{roleText}: the role '{role.Name}' is declared twice."); continue; }
            var before = SettingsService.Load(work, role.Id);
            var after = mode == PimConfigurationMode.Initial ? new RolePolicy { GraphIdentity = before.GraphIdentity } : before.Clone();
            try
            {
                if (settings.Template is { } t && doc.Templates.TryGetValue(t, out var template)) Apply(after, template, work);
                Apply(after, settings, work);
                SettingsService.CanonicalApprovers(work, after);
                after.Validate(role.Name);
            }
            catch (PimException e) { problems.Add($"Policies.{roleText}: {e.Message}"); continue; }
            if (RolePolicy.Diff(before, after) == "no change") continue;
            plan.Policies.Add(new PolicyStep(role, before, after));
            var a = before.Describe();
            var b = after.Describe();
            foreach (var key in b.Keys.Union(a.Keys).Distinct().Order(StringComparer.Ordinal))
                if (a.GetValueOrDefault(key) != b.GetValueOrDefault(key))
                    plan.Changes.Add(new PimConfigurationChange { Action = "SetPolicy", Target = $"{role.Name}: {key}", Before = a.GetValueOrDefault(key), After = b.GetValueOrDefault(key) });
        }
        // Assignments: declared ones matched with the direct assignments in force (or scheduled) by principal, role, scope and type.
        var live = AssignmentsTable.AllAsStored(work).Where(work.Believes)
            .Where(a => a.MemberType == PimMemberType.Direct && (a.End is null || a.End > work.Now)).ToList();
        var byKey = live.ToLookup(a => (a.PrincipalKey, a.RoleId, a.Scope.ToLowerInvariant(), a.Type));
        var declaredKeys = new HashSet<(string, Guid, string, PimAssignmentType)>();
        foreach (var d in doc.Assignments)
        {
            var at = $"Assignments[{d.Index}]";
            string principal;
            try { principal = directory.Canonical(d.Principal, "Principal"); }
            catch (PimException e) { problems.Add($"{at}.Principal: {e.Message}"); continue; }
            var role = FindRole(work, d.Role);
            if (role is null) { problems.Add($"{at}.Role: there is no role '{d.Role}' in the store" + DidYouMean(d.Role, RolesTable.All(work).Select(r => r.Name)) + "."); continue; }
            var scope = Assignments.Scope.Validate(d.Scope);
            var key = (Principal.Fold(principal), role.Id, scope.ToLowerInvariant(), d.Type);
            if (!declaredKeys.Add(key)) { problems.Add($"{at}: {principal} → '{role.Name}' at {scope} ({d.Type}) is declared twice."); continue; }
            var existing = byKey[key].OrderBy(a => a.Start).FirstOrDefault();
            var target = $"{d.Type} {principal} → '{role.Name}' at {scope}";
            if (existing is null)
            {
                plan.Adds.Add(new AssignStep(d, role, new PimAssignmentInput
                {
                    Principal = principal, Role = new PimRoleReference(role), Scope = scope, StartDateTime = d.Start, EndDateTime = d.End, Duration = d.Duration,
                    Permanent = d.Permanent, Justification = d.Justification ?? $"Declared in {doc.Source}", TicketNumber = d.TicketNumber, TicketSystem = d.TicketSystem,
                }));
                plan.Changes.Add(new PimConfigurationChange
                {
                    Action = "AddAssignment", Target = target, Before = null,
                    After = d.End is { } e ? $"until {e:u}" : d.Duration is { } du ? $"for {du:c} from its start" : d.Permanent ? "permanent" : "as the role's settings default",
                });
                continue;
            }
            // A relative Duration applies when an assignment is created; an explicit end (or Permanent) is kept true.
            if (d.End is { } end && existing.End != end || d.Permanent && existing.End is not null)
            {
                plan.Updates.Add(new UpdateStep(d, role, existing, new PimAssignmentChange { EndDateTime = d.End, Permanent = d.Permanent }));
                plan.Changes.Add(new PimConfigurationChange
                {
                    Action = "UpdateAssignment", Target = target, Before = existing.End is { } b ? $"until {b:u}" : "permanent",
                    After = d.End is { } n ? $"until {n:u}" : "permanent",
                });
            }
        }
        if (mode == PimConfigurationMode.Initial)
        {
            var roles = RolesTable.All(work).ToDictionary(r => r.Id);
            foreach (var a in live.OrderBy(a => Principal.Same(a.Principal, work.Actor)).ThenBy(a => a.PrincipalKey, StringComparer.Ordinal).ThenBy(a => a.Start))
            {
                if (declaredKeys.Contains((a.PrincipalKey, a.RoleId, a.Scope.ToLowerInvariant(), a.Type)) || protectedKeys.Contains(a.PrincipalKey)) continue;
                if (!roles.TryGetValue(a.RoleId, out var role)) continue;
                plan.Removes.Add(new RemoveStep(a, role));
            }
            // Never the last administrator: while no other administrator assignment stays, the administrators' removals are left out.
            // An activation counts only while the eligible assignment it came from stays (removing that one ends it).
            var adminActivations = AssignmentsTable.InForceAt(work, work.Now)
                .Where(a => a.MemberType == PimMemberType.Activated && Kernel.Administrators.IsAdministratorAssignment(a)).ToList();
            int Remaining()
            {
                var removed = plan.Removes.Select(r => r.Row.Id).ToHashSet();
                return live.Count(a => Kernel.Administrators.IsAdministratorAssignment(a) && a.Start <= work.Now && !removed.Contains(a.Id))
                       + adminActivations.Count(a => a.EligibleId is not { } from || !removed.Contains(from));
            }
            if (Remaining() == 0) plan.Removes.RemoveAll(r => Kernel.Administrators.IsAdministratorAssignment(r.Row));
            // Still none (activations that end with their eligibility): keep those eligibilities too.
            if (Remaining() == 0)
            {
                var feeding = adminActivations.Select(a => a.EligibleId).OfType<Guid>().ToHashSet();
                plan.Removes.RemoveAll(r => feeding.Contains(r.Row.Id));
            }
            foreach (var r in plan.Removes)
                plan.Changes.Add(new PimConfigurationChange
                {
                    Action = "RemoveAssignment", Target = $"{r.Row.Type} {r.Row.Principal} → '{r.Role.Name}' at {r.Row.Scope}",
                    Before = r.Row.End is { } e ? $"until {e:u}" : "permanent", After = null,
                });
        }
        if (problems.Count > 0)
            throw PimErrors.ConfigurationInvalid($"'{doc.Source}' has {problems.Count} problem(s); nothing was changed:{Environment.NewLine}  - " +
                string.Join(Environment.NewLine + "  - ", problems), doc.Source, "Fix every problem listed, then run Invoke-PimConfiguration again (-WhatIf shows the plan).");
        return plan;
    }

    private static PimRole? FindRole(UnitOfWork work, string text)
    {
        try { return RoleService.Find(work, Guid.TryParse(text, out var id) ? new PimRoleReference(id) : new PimRoleReference(text)); }
        catch (PimException) { return null; }
    }

    private static void Apply(RolePolicy p, Settings s, UnitOfWork work)
    {
        var update = new PimRoleSettingUpdate();
        foreach (var (name, value) in s.Values) update[name] = value is List<string> list ? (IReadOnlyList<string>)list : value;
        update.ApplyTo(p);
        foreach (var n in s.Notifications)
        {
            var mapped = n.AdditionalRecipients is null ? n : new PimNotificationUpdate
            {
                Event = n.Event, Recipient = n.Recipient, DefaultRecipients = n.DefaultRecipients, CriticalOnly = n.CriticalOnly,
                AdditionalRecipients = n.AdditionalRecipients,
            };
            mapped.ApplyTo(p);
        }
    }

    /// <summary>The plan of a file against the store as it is (a read; nothing is written).</summary>
    public IReadOnlyList<PimConfigurationChange> Preview(Document doc, PimConfigurationMode mode, IReadOnlyCollection<string> protectedPrincipals)
    {
        if (doc.Problems.Count > 0) _store.Read(work => Decide(work, doc, mode, protectedPrincipals)); // lists every problem, the store's too
        return _store.Read(work => Decide(work, doc, mode, protectedPrincipals).Changes);
    }

    /// <summary>
    /// Applies the file in one transaction (re-planned inside it, so what is applied is what the store holds then): the
    /// policies, then the new assignments, the updates, the removals. <paramref name="confirm"/> is asked once, before
    /// the transaction (on a read). Returns the steps applied; null when not confirmed.
    /// </summary>
    public IReadOnlyList<PimConfigurationChange>? Apply(Document doc, PimConfigurationMode mode, IReadOnlyCollection<string> protectedPrincipals,
        Func<PimChange, bool>? confirm = null)
        => _store.Change(
            work => Decide(work, doc, mode, protectedPrincipals),
            p => new PimChange(doc.Source, $"Apply the desired state ({mode}): {p.Changes.Count(c => c.Action == "SetPolicy")} policy setting(s), " +
                                           $"{p.Adds.Count} new, {p.Updates.Count} changed and {p.Removes.Count} removed assignment(s)"),
            (work, p) =>
            {
                foreach (var step in p.Policies) SettingsService.SaveIn(work, step.Role, step.Before, step.After, Audit.Events.RoleSettingChange.Applied);
                foreach (var group in p.Adds.GroupBy(a => a.Declared.Type))
                {
                    using var writer = new AssignmentWriter(_store, group.Key, int.MaxValue);
                    writer.CreateIn(work, group.Select(a => a.Input).ToList());
                }
                foreach (var u in p.Updates) AssignmentService.ApplyUpdate(work, AssignmentService.PlanUpdate(work, u.Row.Id, u.Change.Validate()));
                foreach (var r in p.Removes) AssignmentService.ApplyRemove(work, AssignmentService.PlanRemove(work, r.Row.Id));
                return (IReadOnlyList<PimConfigurationChange>)p.Changes;
            },
            confirm);
}
