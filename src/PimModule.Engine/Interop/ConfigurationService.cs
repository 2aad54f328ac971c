using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Xml;

namespace PimModule.Interop;

/// <summary>
/// Desired state (Invoke-PimConfiguration): a JSON file of PolicyTemplates (name → settings), Policies (role name or id →
/// settings and/or Template) and Assignments (New-PimEligibleAssignment's parameter names plus Type). The whole file is
/// validated before anything is written — unknown keys (with "did you mean"), bad values, unknown roles, templates and
/// object ids — and every problem is listed at once. The plan is objects; the apply is one transaction, re-planned
/// inside it; a relative Duration applies when an assignment is created, so a second run plans nothing.
/// </summary>
public sealed class ConfigurationService
{
    private readonly PimStore _store;
    internal ConfigurationService(PimStore store) => _store = store;

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

    // ---- reading the file ---------------------------------------------------------------------------

    /// <summary>Parses the file (types and names only); throws PimConfigurationInvalid with every problem it finds.</summary>
    public static Document Parse(string json, string source)
    {
        var doc = new Document { Source = source };
        JsonNode? root;
        try { root = StrictJson.Parse(json, maxDepth: 32); }
        catch (JsonException e)
        {
            throw PimErrors.ConfigurationInvalid($"'{source}' is not valid JSON{(e.LineNumber is { } line ? $" (line {line + 1})" : "")}: {e.Message}.", source, "Fix the JSON; nothing was changed.", e);
        }
        if (root is not JsonObject o) throw PimErrors.ConfigurationInvalid($"'{source}' is not a JSON object with PolicyTemplates, Policies and Assignments.", source, "Fix the file; nothing was changed.");
        foreach (var (key, _) in o)
            if (!Sections.Contains(key, StringComparer.Ordinal)) doc.Problems.Add(Unknown(key, Sections, "section"));
        if (o["PolicyTemplates"] is { } templates)
        {
            if (templates is not JsonObject t) doc.Problems.Add("PolicyTemplates is not an object (template name → settings).");
            else foreach (var (name, value) in t) doc.Templates[name] = ReadSettings(value, $"PolicyTemplates.{name}", doc.Problems, template: true);
        }
        if (o["Policies"] is { } policies)
        {
            if (policies is not JsonObject p) doc.Problems.Add("Policies is not an object (role name or id → settings).");
            else foreach (var (role, value) in p) doc.Policies.Add((role, ReadSettings(value, $"Policies.{role}", doc.Problems, template: false)));
        }
        if (o["Assignments"] is { } assignments)
        {
            if (assignments is not JsonArray a) doc.Problems.Add("Assignments is not a list of assignments.");
            else for (var i = 0; i < a.Count; i++) if (ReadAssignment(a[i], i, doc.Problems) is { } d) doc.Assignments.Add(d);
        }
        foreach (var (role, s) in doc.Policies)
            if (s.Template is { } name && !doc.Templates.ContainsKey(name))
                doc.Problems.Add($"Policies.{role}.Template: there is no template '{name}'" + DidYouMean(name, doc.Templates.Keys) + ".");
        return doc;
    }

    private static Settings ReadSettings(JsonNode? node, string at, List<string> problems, bool template)
    {
        var s = new Settings();
        if (node is not JsonObject o) { problems.Add($"{at} is not an object of settings."); return s; }
        foreach (var (key, value) in o)
        {
            if (key == "Template")
            {
                if (template) problems.Add($"{at}.Template: a template cannot use another template.");
                else if (value is JsonValue v && v.GetValueKind() == JsonValueKind.String) s.Template = v.GetValue<string>();
                else problems.Add($"{at}.Template is not a template name (text).");
                continue;
            }
            if (key == "Notifications")
            {
                ReadNotifications(value, $"{at}.Notifications", s, problems);
                continue;
            }
            var setting = RoleSettings.All.FirstOrDefault(x => string.Equals(x.Name, key, StringComparison.OrdinalIgnoreCase));
            if (setting is null) { problems.Add(Unknown($"{at}.{key}", SettingKeys, "setting", key)); continue; }
            try { s.Values.Add((setting.Name, Value(setting.Type, value, $"{at}.{key}"))); }
            catch (ProblemException e) { problems.Add(e.Message); }
        }
        return s;
    }

    private static void ReadNotifications(JsonNode? node, string at, Settings s, List<string> problems)
    {
        if (node is not JsonArray a) { problems.Add($"{at} is not a list of notification rows (Event, Recipient, …)."); return; }
        var seen = new Dictionary<(PimNotificationEvent, PimNotificationRecipient), int>();
        for (var i = 0; i < a.Count; i++)
        {
            var rowAt = $"{at}[{i}]";
            if (a[i] is not JsonObject row) { problems.Add($"{rowAt} is not an object."); continue; }
            foreach (var (key, _) in row)
                if (!NotificationKeys.Contains(key, StringComparer.OrdinalIgnoreCase)) problems.Add(Unknown($"{rowAt}.{key}", NotificationKeys, "member", key));
            try
            {
                var evt = (PimNotificationEvent)Value(typeof(PimNotificationEvent), Member(row, "Event") ?? throw new ProblemException($"{rowAt} has no Event."), $"{rowAt}.Event");
                var rec = (PimNotificationRecipient)Value(typeof(PimNotificationRecipient), Member(row, "Recipient") ?? throw new ProblemException($"{rowAt} has no Recipient."), $"{rowAt}.Recipient");
                // Two rows for one event and recipient: neither silently wins.
                if (!seen.TryAdd((evt, rec), i))
                    throw new ProblemException($"{rowAt} is a second row for Event {evt} and Recipient {rec} (the first is {at}[{seen[(evt, rec)]}]); " +
                        "give each event and recipient once, with all its members in one row.");
                s.Notifications.Add(new PimNotificationUpdate
                {
                    Event = evt, Recipient = rec,
                    DefaultRecipients = Member(row, "DefaultRecipients") is { } d ? (bool)Value(typeof(bool), d, $"{rowAt}.DefaultRecipients") : null,
                    AdditionalRecipients = Member(row, "AdditionalRecipients") is { } r ? (List<string>)Value(typeof(List<string>), r, $"{rowAt}.AdditionalRecipients") : null,
                    CriticalOnly = Member(row, "CriticalOnly") is { } c ? (bool)Value(typeof(bool), c, $"{rowAt}.CriticalOnly") : null,
                });
            }
            catch (ProblemException e) { problems.Add(e.Message); }
        }
    }

    private static JsonNode? Member(JsonObject o, string name)
        => o.FirstOrDefault(kv => string.Equals(kv.Key, name, StringComparison.OrdinalIgnoreCase)).Value;

    private static Declared? ReadAssignment(JsonNode? node, int i, List<string> problems)
    {
        var at = $"Assignments[{i}]";
        if (node is not JsonObject o) { problems.Add($"{at} is not an object."); return null; }
        var before = problems.Count;
        foreach (var (key, _) in o)
            if (!AssignmentKeys.Contains(key, StringComparer.OrdinalIgnoreCase))
                problems.Add(key.Equals("MfaCode", StringComparison.OrdinalIgnoreCase)
                    ? $"{at}.MfaCode: a desired-state file carries no MFA codes (they are good for one use)."
                    : Unknown($"{at}.{key}", AssignmentKeys, "parameter", key));
        T? Get<T>(string name) where T : class
        {
            var v = Member(o, name);
            if (v is null) return null;
            try { return (T)Value(typeof(T), v, $"{at}.{name}"); }
            catch (ProblemException e) { problems.Add(e.Message); return null; }
        }
        object? GetValue(Type t, string name)
        {
            var v = Member(o, name);
            if (v is null) return null;
            try { return Value(t, v, $"{at}.{name}"); }
            catch (ProblemException e) { problems.Add(e.Message); return null; }
        }
        var principal = Get<string>("Principal");
        var role = Get<string>("Role");
        var type = GetValue(typeof(PimAssignmentType), "Type") as PimAssignmentType?;
        if (principal is null && Member(o, "Principal") is null) problems.Add($"{at} has no Principal.");
        if (role is null && Member(o, "Role") is null) problems.Add($"{at} has no Role.");
        if (type is null && Member(o, "Type") is null) problems.Add($"{at} has no Type (Eligible or Active).");
        // A Scope left out is the whole directory ('/'); a Scope given as null is refused, like a blank one (never taken as '/').
        var scopeGiven = o.Any(kv => string.Equals(kv.Key, "Scope", StringComparison.OrdinalIgnoreCase));
        if (scopeGiven && Member(o, "Scope") is null) problems.Add($"{at}.Scope is null; give a scope ('/' for the whole directory), or leave Scope out.");
        var scope = Get<string>("Scope") ?? (scopeGiven ? null : "/");
        var start = GetValue(typeof(DateTime), "StartDateTime") as DateTime?;
        var end = GetValue(typeof(DateTime), "EndDateTime") as DateTime?;
        var duration = GetValue(typeof(TimeSpan), "Duration") as TimeSpan?;
        var permanent = GetValue(typeof(bool), "Permanent") as bool? ?? false;
        if ((end is null ? 0 : 1) + (duration is null ? 0 : 1) + (permanent ? 1 : 0) > 1)
            problems.Add($"{at} gives more than one of EndDateTime, Duration and Permanent; keep one.");
        try
        {
            if (scope is not null) Assignments.Scope.Validate(scope);
            Input.Text(Get<string>("Justification"), "Justification", Input.JustificationLength);
        }
        catch (PimException e) { problems.Add($"{at}: {e.Message}"); }
        if (problems.Count > before || principal is null || role is null || type is null) return null;
        return new Declared(i, principal, role, scope!, type.Value, start, end, duration, permanent, Get<string>("Justification"),
            Get<string>("TicketNumber"), Get<string>("TicketSystem"));
    }

    private sealed class ProblemException(string message) : Exception(message);

    /// <summary>A JSON value as the type a setting or parameter has: by type, never by its text (true is a boolean, 'True' is text).</summary>
    private static object Value(Type type, JsonNode? v, string at)
    {
        var kind = v?.GetValueKind() ?? JsonValueKind.Null;
        string Text() => kind == JsonValueKind.String ? v!.GetValue<string>() : throw new ProblemException($"{at} is {Kind(kind)}; give text.");
        if (type == typeof(bool))
            return kind is JsonValueKind.True or JsonValueKind.False ? v!.GetValue<bool>()
                : throw new ProblemException($"{at} is {Kind(kind)}{(kind == JsonValueKind.String ? $" '{Input.Preview(v!.GetValue<string>())}'" : "")}; give true or false (a JSON boolean, not text).");
        if (type == typeof(TimeSpan))
        {
            var text = Text();
            try { return text.StartsWith('P') || text.StartsWith("-P", StringComparison.Ordinal) ? XmlConvert.ToTimeSpan(text) : TimeSpan.Parse(text, CultureInfo.InvariantCulture); }
            catch (Exception e) when (e is FormatException or OverflowException)
            {
                throw new ProblemException($"{at} '{Input.Preview(text)}' is not a duration; give ISO 8601 (PT2H, P30D) or TimeSpan text (02:00:00, 30.00:00:00).");
            }
        }
        if (type == typeof(DateTime))
        {
            var text = Text();
            if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t))
                throw new ProblemException($"{at} '{Input.Preview(text)}' is not a date and time; give ISO 8601 (2026-01-31T08:00:00Z).");
            try { return Times.Utc(t.UtcDateTime, at); }
            catch (PimException e) { throw new ProblemException($"{at}: {e.Message}"); }
        }
        if (type.IsEnum)
        {
            var text = Text();
            if (Enum.TryParse(type, text, ignoreCase: true, out var e) && Enum.IsDefined(type, e!) && !int.TryParse(text, out _)) return e!;
            throw new ProblemException($"{at} '{Input.Preview(text)}' is not one of {string.Join(", ", Enum.GetNames(type))}" + DidYouMean(text, Enum.GetNames(type)) + ".");
        }
        if (type == typeof(List<string>))
        {
            if (kind == JsonValueKind.String) return new List<string> { v!.GetValue<string>() };
            if (v is JsonArray a)
                return a.Select(x => x?.GetValueKind() == JsonValueKind.String ? x.GetValue<string>() : throw new ProblemException($"{at}: an item is {Kind(x?.GetValueKind() ?? JsonValueKind.Null)}; give text.")).ToList();
            throw new ProblemException($"{at} is {Kind(kind)}; give a list of text.");
        }
        if (type == typeof(int))
            return kind == JsonValueKind.Number && v!.AsValue().TryGetValue<int>(out var n) ? n
                : throw new ProblemException($"{at} is {Kind(kind)}; give a whole number.");
        if (type == typeof(List<RolePolicy.ApprovalStageRule>))
        {
            if (kind is not (JsonValueKind.Array or JsonValueKind.Object))
                throw new ProblemException($"{at} is {Kind(kind)}; give a list of stages, each {{\"Approvers\": [...], \"RequiredApprovals\": 1, \"EscalationApprovers\": [], \"EscalationAfter\": null}}.");
            try { return PimApprovalStageList.Parse(v!.ToJsonString()); } // read as Set-PimRoleSetting -ApprovalStages reads it
            catch (PimException e) { throw new ProblemException($"{at}: {e.Message}"); }
        }
        if (type == typeof(string))
        {
            if (kind == JsonValueKind.Null) return "";
            var text = Text();
            try { return Input.Text(text, at, 1024) ?? ""; }
            catch (PimException e) { throw new ProblemException($"{at}: {e.Message}"); }
        }
        throw new ProblemException($"{at}: a value of type {type.Name} cannot be read.");
    }

    private static string Kind(JsonValueKind k) => StrictJson.Kind(k);

    private static string Unknown(string at, IEnumerable<string> known, string what, string? key = null)
        => $"{at}: there is no {what} '{key ?? at}'" + DidYouMean(key ?? at, known) + $" (the {what}s are {string.Join(", ", known)}).";

    /// <summary>"; did you mean 'X'?" for the closest known name, else "".</summary>
    internal static string DidYouMean(string given, IEnumerable<string> known) => Spelling.Closest(given, known) is { } k ? $"; did you mean '{k}'?" : "";

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
                foreach (var step in p.Policies) SettingsService.SaveIn(work, step.Role, step.Before, step.After, "ApplyConfiguration");
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
