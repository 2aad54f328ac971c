using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Xml;
using PimModule.Errors;
using PimModule.Validation;

namespace PimModule.Interop;

/// <summary>
/// Assignments in Graph's shape. In: the responses of <c>GET /roleManagement/directory/roleEligibilitySchedules</c>,
/// <c>…/roleAssignmentSchedules</c>, their <c>…Instances</c>, and <c>adminAssign</c> schedule request bodies — direct
/// assignments only (activations and assignments inherited through a group are skipped, each with its reason).
/// Out: the <c>unifiedRoleEligibilityScheduleRequest</c> / <c>unifiedRoleAssignmentScheduleRequest</c> bodies
/// (<c>action: adminAssign</c>) that recreate them. Principals go through the directory: ids in, UPNs inside, ids out.
/// </summary>
internal static class GraphAssignments
{
    public const string EligibilityRequests = "roleEligibilityScheduleRequests";
    public const string AssignmentRequests = "roleAssignmentScheduleRequests";

    /// <summary>One assignment read from Graph's JSON: to create, or skipped with a reason.</summary>
    public sealed record Item(PimAssignmentType Type, Guid PrincipalId, Guid RoleId, string Scope, DateTime? Start, DateTime? End,
        string? Justification, string? TicketNumber, string? TicketSystem, string Where, string? Skip);

    /// <summary>Reads the items of every document; <paramref name="type"/> decides for items that do not say which kind they are.</summary>
    public static List<Item> Read(IReadOnlyList<(string Json, string Source)> files, PimAssignmentType? type, DateTime now)
    {
        var items = new List<Item>();
        foreach (var (json, source) in files)
        {
            JsonNode? root;
            try { root = StrictJson.Parse(json); }
            catch (JsonException e)
            {
                throw PimErrors.InputInvalid($"'{source}' is not valid JSON{(e.LineNumber is { } line ? $" (line {line + 1})" : "")}: {e.Message}. Nothing was imported.", source,
                    "Give Graph's JSON as Invoke-MgGraphRequest -OutputType Json writes it.", e);
            }
            var at = $"'{source}'";
            var context = root is JsonObject r0 ? Str(r0, "@odata.context", at) : null;
            IEnumerable<(JsonNode? Node, string Where, PimAssignmentType? Kind)> entries = root switch
            {
                JsonObject o when StrictJson.Member(o, "value", at, JsonValueKind.Array) is JsonArray a => a.Select((n, i) => (n, $"item {i + 1} of '{source}'", KindOf(context))),
                JsonObject o when StrictJson.Member(o, EligibilityRequests, at, JsonValueKind.Array) is not null | StrictJson.Member(o, AssignmentRequests, at, JsonValueKind.Array) is not null =>
                    ((o[EligibilityRequests] as JsonArray) ?? []).Select((n, i) => (n, $"{EligibilityRequests}[{i}] of '{source}'", (PimAssignmentType?)PimAssignmentType.Eligible))
                    .Concat(((o[AssignmentRequests] as JsonArray) ?? []).Select((n, i) => (n, $"{AssignmentRequests}[{i}] of '{source}'", (PimAssignmentType?)PimAssignmentType.Active))),
                JsonObject o => [(o, $"'{source}'", KindOf(context))],
                JsonArray a => a.Select((n, i) => (n, $"item {i + 1} of '{source}'", (PimAssignmentType?)null)),
                _ => throw PimErrors.SettingFileInvalid($"'{source}' is {StrictJson.Kind(root)}; it holds no assignments. Nothing was imported.", source,
                    "Give a Graph roleEligibilitySchedules or roleAssignmentSchedules response."),
            };
            foreach (var (node, where, kind) in entries)
            {
                if (node is not JsonObject item)
                    throw PimErrors.SettingFileInvalid($"{where} is {StrictJson.Kind(node)}; Graph's assignments are objects. Nothing was imported.", where, "Give Graph's JSON as it returns it.");
                items.Add(ReadItem(item, where, now, kind ?? KindOf(item) ?? type
                    ?? throw PimErrors.InputInvalid($"{where} does not say whether it is an eligible or an active assignment (no @odata.context, no assignmentType).", where,
                        "Give the response as Graph returns it (with @odata.context), or say -Type Eligible or -Type Active.")));
            }
        }
        return items;
    }

    private static PimAssignmentType? KindOf(string? context)
        => context is null ? null
            : context.Contains("roleEligibilitySchedule", StringComparison.OrdinalIgnoreCase) ? PimAssignmentType.Eligible
            : context.Contains("roleAssignmentSchedule", StringComparison.OrdinalIgnoreCase) ? PimAssignmentType.Active
            : null;

    private static PimAssignmentType? KindOf(JsonObject item)
        => item.ContainsKey("roleEligibilityScheduleId") ? PimAssignmentType.Eligible
            : item.ContainsKey("assignmentType") || item.ContainsKey("roleAssignmentScheduleId") || item.ContainsKey("roleAssignmentOriginId") ? PimAssignmentType.Active
            : null;

    /// <summary>
    /// One assignment. Every member read is of the kind Graph gives it (scheduleInfo, expiration, recurrence and
    /// ticketInfo objects; ids, times and words text), else the whole file is refused naming the member and the item
    /// (PimSettingFileInvalid) — never skipped, so a schedule given as text never makes a time-bound assignment permanent.
    /// </summary>
    private static Item ReadItem(JsonObject o, string where, DateTime now, PimAssignmentType type)
    {
        var principal = GuidOf(o, "principalId", where);
        var role = GuidOf(o, "roleDefinitionId", where);
        // Left out is the whole directory; given as null is refused as an empty scope is (never widened to '/').
        if (o.TryGetPropertyValue("directoryScopeId", out var scopeNode) && scopeNode is null)
            throw PimErrors.ScopeInvalid($"{where}: directoryScopeId is null. A null scope is not taken as the whole directory. Nothing was imported.", where,
                "Give directoryScopeId '/' for the whole directory (as Graph writes it), or leave the member out.");
        var scope = Str(o, "directoryScopeId", where) ?? "/";
        string? skip = null;
        if (Str(o, "appScopeId", where) is { } app && app is not ("/" or ""))
            throw PimErrors.GraphValueUnsupported($"{where}: appScopeId is '{Input.Preview(app)}'; PimModule holds directory scopes only. Nothing was imported.", app,
                "Leave out the assignments scoped to an application.");
        if (Str(o, "action", where) is { } action && !string.Equals(action, "adminAssign", StringComparison.OrdinalIgnoreCase))
            skip = $"it is a request to {action}, not an assignment (only adminAssign requests are assignments)";
        if (Str(o, "assignmentType", where) is { } at && !string.Equals(at, "Assigned", StringComparison.OrdinalIgnoreCase))
            skip ??= $"it is an activation (assignmentType {at}), not a direct assignment: activations are made in PimModule by Request-PimActivation";
        if (Str(o, "memberType", where) is { } mt && !string.Equals(mt, "Direct", StringComparison.OrdinalIgnoreCase))
            skip ??= $"it is held through a group (memberType {mt}); group membership is not modelled";
        if (Str(o, "status", where) is { } status && status is not ("Provisioned" or "Granted" or "PendingProvisioning" or "ScheduleCreated"))
            skip ??= $"its status is {status}, not an assignment in force";
        DateTime? start, end;
        if (StrictJson.Member(o, "scheduleInfo", where, JsonValueKind.Object) is JsonObject schedule)
        {
            var sw = $"{where}, scheduleInfo";
            start = Time(schedule, "startDateTime", sw);
            end = null;
            if (StrictJson.Member(schedule, "recurrence", sw, JsonValueKind.Object) is JsonObject)
                throw PimErrors.GraphValueUnsupported($"{where}: the schedule recurs; PimModule holds one start and end. Nothing was imported.", where, "Leave out recurring schedules.");
            if (StrictJson.Member(schedule, "expiration", sw, JsonValueKind.Object) is JsonObject exp)
            {
                var ew = $"{sw}, expiration";
                var kind = Str(exp, "type", ew) ?? "noExpiration";
                switch (kind.ToLowerInvariant())
                {
                    case "noexpiration":
                    case "notspecified":
                        break;
                    case "afterdatetime":
                        end = Time(exp, "endDateTime", ew) ?? throw PimErrors.DateTimeInvalid($"{where}: the expiration is afterDateTime with no endDateTime. Nothing was imported.", where, "Give endDateTime.");
                        break;
                    case "afterduration":
                        var d = Str(exp, "duration", ew) ?? throw PimErrors.DurationInvalid($"{where}: the expiration is afterDuration with no duration. Nothing was imported.", where, "Give duration (ISO 8601, e.g. PT5H).");
                        TimeSpan span;
                        try { span = XmlConvert.ToTimeSpan(d); }
                        catch (Exception e) when (e is FormatException or OverflowException)
                        {
                            throw PimErrors.DurationInvalid($"{where}: the duration '{Input.Preview(d)}' is not an ISO 8601 duration. Nothing was imported.", d, "Give duration as PT5H or P90D.", e);
                        }
                        end = Times.Add(start ?? now, Times.Duration(span, "duration"), "duration");
                        break;
                    default:
                        throw PimErrors.GraphValueUnsupported($"{where}: the expiration type '{Input.Preview(kind)}' is not one Graph has (noExpiration, afterDateTime, afterDuration). Nothing was imported.",
                            kind, "Give the schedule as Graph returns it.");
                }
            }
        }
        else
        {
            start = Time(o, "startDateTime", where);
            end = Time(o, "endDateTime", where);
        }
        var ticket = StrictJson.Member(o, "ticketInfo", where, JsonValueKind.Object) as JsonObject;
        var tw = $"{where}, ticketInfo";
        return new Item(type, principal, role, scope, start, end, Str(o, "justification", where), ticket is null ? null : Str(ticket, "ticketNumber", tw),
            ticket is null ? null : Str(ticket, "ticketSystem", tw), where, skip);
    }

    private static Guid GuidOf(JsonObject o, string name, string where)
    {
        var text = Str(o, name, where);
        if (Guid.TryParse(text, out var g)) return g;
        throw PimErrors.InputInvalid($"{where}: {name} '{Input.Preview(text ?? "")}' is not an Entra object id. Nothing was imported.", text, $"Give {name} as Graph returns it.");
    }

    private static DateTime? Time(JsonObject o, string name, string where)
    {
        var text = Str(o, name, where);
        if (text is null) return null;
        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t))
            throw PimErrors.DateTimeInvalid($"{where}: {name} '{Input.Preview(text)}' is not a date and time. Nothing was imported.", text, $"Give {name} in ISO 8601 (2025-01-31T08:00:00Z).");
        return Times.Utc(t.UtcDateTime, name);
    }

    /// <summary>A text member (absent or null: null), within the limits of any input; any other kind is refused naming it and the item.</summary>
    private static string? Str(JsonObject o, string name, string where)
        => StrictJson.Text(o, name, where) is { } text ? Input.Text(text, name, 1024, PimErrors.InputInvalid) : null;

    // ---- out ----------------------------------------------------------------------------------------------

    /// <summary>Graph's format of a date and time: ISO 8601 in UTC, with as many fraction digits as it has.</summary>
    public static string Format(DateTime utc) => utc.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);

    /// <summary>The adminAssign request body that recreates a direct assignment.</summary>
    public static JsonObject Request(PimAssignment a, string? ticketSystem, DirectoryMap directory)
    {
        var body = new JsonObject
        {
            ["action"] = "adminAssign",
            ["justification"] = a.Justification,
            ["roleDefinitionId"] = a.RoleId.ToString("D"),
            ["directoryScopeId"] = a.Scope,
            // A group's assignment names the group by its object id, as Graph does (a role-assignable group holding the role).
            ["principalId"] = (PimGroupKey.TryParse(a.Principal, out var group) ? group : directory.IdOf(a.Principal, $"Assignment {a.AssignmentId}")).ToString("D"),
            ["scheduleInfo"] = new JsonObject
            {
                ["startDateTime"] = Format(a.StartDateTime),
                ["expiration"] = a.EndDateTime is { } end
                    ? new JsonObject { ["type"] = "afterDateTime", ["endDateTime"] = Format(end) }
                    : new JsonObject { ["type"] = "noExpiration" },
            },
        };
        if (a.Justification is null) body.Remove("justification");
        if (a.TicketNumber is not null || ticketSystem is not null)
            body["ticketInfo"] = new JsonObject { ["ticketNumber"] = a.TicketNumber, ["ticketSystem"] = ticketSystem };
        return body;
    }

    /// <summary>The document of request bodies; an assignment whose principal has no directory object is refused by name (<paramref name="refused"/>), the others are written.</summary>
    public static string Write(IEnumerable<(PimAssignment Assignment, string? TicketSystem)> assignments, DirectoryMap directory, Action<PimException> refused)
    {
        var eligible = new JsonArray();
        var active = new JsonArray();
        foreach (var (a, ticketSystem) in assignments)
        {
            JsonObject body;
            try { body = Request(a, ticketSystem, directory); }
            catch (PimException e) { refused(e); continue; }
            (a.Type == PimAssignmentType.Eligible ? eligible : active).Add(body);
        }
        var doc = new JsonObject { [EligibilityRequests] = eligible, [AssignmentRequests] = active };
        return doc.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping })
            .Replace("\r\n", "\n") + "\n";
    }
}
