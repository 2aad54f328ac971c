using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Xml;
using PimModule.Errors;
using PimModule.Policy;
using PimModule.Validation;

namespace PimModule.Interop;

/// <summary>Reading a configuration file (Invoke-PimConfiguration): its settings and assignments, every value checked, every problem named with its place.</summary>
public sealed partial class ConfigurationService
{
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
}
