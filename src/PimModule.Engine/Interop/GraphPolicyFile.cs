using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace PimModule.Interop;

/// <summary>
/// The files of role policies in Graph's shape: what Export-PimRoleSetting -Format Graph writes (per role the policy with
/// its 17 rules, its roleManagementPolicyAssignment, and the rule updates as one JSON $batch body of PATCH requests), and
/// what Import-PimRoleSetting reads — that file, a policy as GET returns it, a collection (<c>value</c>), and the output of
/// <c>GET /policies/roleManagementPolicies?$expand=rules</c> given with that of <c>GET /policies/roleManagementPolicyAssignments</c>
/// (which maps each policy to its role), in any number of files.
/// </summary>
internal static partial class GraphPolicyFile
{
    public const string PoliciesMember = "roleManagementPolicies";
    public const string AssignmentsMember = "roleManagementPolicyAssignments";
    public const string BatchesMember = "batchRequests";

    /// <summary>One policy found in the files, and the role its assignment maps it to.</summary>
    public sealed record Found(Guid RoleId, JsonObject Policy, JsonObject Assignment, JsonArray Rules, string Where);

    [GeneratedRegex(@"^[A-Za-z0-9_\-]{1,200}\z")]
    private static partial Regex IdShape();

    /// <summary>Collects the policies and their assignments from every document; pairs each policy with its role.</summary>
    public static List<Found> Collect(IReadOnlyList<(string Json, string Source)> files)
    {
        var policies = new List<(JsonObject Policy, string Where)>();
        var assignments = new List<(JsonObject Assignment, string Where)>();
        foreach (var (json, source) in files)
        {
            JsonNode? root;
            try { root = StrictJson.Parse(json); }
            catch (JsonException e)
            {
                throw PimErrors.SettingFileInvalid($"'{source}' is not valid JSON{(e.LineNumber is { } line ? $" (line {line + 1})" : "")}: {e.Message}. Nothing was imported.", source,
                    "Give Graph's JSON as Invoke-MgGraphRequest -OutputType Json writes it, or a file of Export-PimRoleSetting.", e);
            }
            Walk(root, source, policies, assignments, 0);
        }
        if (policies.Count == 0)
            throw PimErrors.SettingFileInvalid($"{Names(files)} hold no role management policy with rules. Nothing was imported.", Names(files),
                "Give GET /policies/roleManagementPolicies?$expand=rules (or …/roleManagementPolicyAssignments?$expand=policy($expand=rules)), or a file of Export-PimRoleSetting -Format Graph.");
        var roleOf = new Dictionary<string, (JsonObject Assignment, Guid Role)>(StringComparer.Ordinal);
        foreach (var (a, where) in assignments)
        {
            var policyId = Id(a, "policyId", where);
            var scopeType = Str(a, "scopeType");
            if (scopeType is not null && scopeType is not ("DirectoryRole" or "Directory"))
                throw Unsupported($"{where}: the policy assignment {policyId} is for scope type '{scopeType}'; PimModule holds directory roles (PIM for groups is not modelled)",
                    policyId, "Give the policies of directory roles (scopeType DirectoryRole).");
            if (Str(a, "scopeId") is { } scope && scope != "/")
                throw Unsupported($"{where}: the policy assignment {policyId} is at scope '{Validation.Input.Preview(scope)}'; PimModule holds one policy per role, at '/'",
                    policyId, "Give the policy assignments at scopeId '/'.");
            var roleText = Str(a, "roleDefinitionId");
            if (!Guid.TryParse(roleText, out var role))
                throw Unsupported($"{where}: the policy assignment {policyId} has the roleDefinitionId '{Validation.Input.Preview(roleText ?? "")}', not a directory role's template id",
                    roleText, "Give the policy assignments of directory roles.");
            if (roleOf.TryGetValue(policyId, out var seen) && seen.Role != role)
                throw PimErrors.SettingFileInvalid($"{where}: the policy {policyId} is assigned to two roles ({seen.Role} and {role}). Nothing was imported.", policyId,
                    "Give each policy's one assignment.");
            roleOf[policyId] = (a, role);
        }
        var found = new List<Found>();
        foreach (var (p, where) in policies)
        {
            var id = Id(p, "id", where);
            var scopeType = Str(p, "scopeType");
            if (scopeType is not null && scopeType is not ("DirectoryRole" or "Directory"))
                throw Unsupported($"{where}: the policy {id} is for scope type '{scopeType}'; PimModule holds directory roles (PIM for groups is not modelled)",
                    id, "Give the policies of directory roles (scopeType DirectoryRole).");
            if (Str(p, "scopeId") is { } pscope && pscope != "/")
                throw Unsupported($"{where}: the policy {id} is at scope '{Validation.Input.Preview(pscope)}'; PimModule holds one policy per role, at '/'", id,
                    "Give the policies of directory roles at scopeId '/'.");
            if (!roleOf.TryGetValue(id, out var mapped))
                throw PimErrors.SettingFileInvalid($"{where}: nothing says which role the policy {id} is for. Nothing was imported.", id,
                    "Give the output of GET /policies/roleManagementPolicyAssignments as a second -Path (it maps each policy to its role).");
            if (p["rules"] is not JsonArray rules || rules.Count == 0)
                throw PimErrors.SettingFileInvalid($"{where}: the policy {id} has no rules. Nothing was imported.", id, "GET the policies with ?$expand=rules.");
            if (rules.Any(r => r is JsonObject o && o.Count <= 2 && o.ContainsKey("id")))
                throw PimErrors.SettingFileInvalid($"{where}: the rules of the policy {id} hold their ids only ($select=id). Nothing was imported.", id,
                    "GET the policies with ?$expand=rules, without $select.");
            found.Add(new Found(mapped.Role, p, mapped.Assignment, rules, where));
        }
        var twice = found.GroupBy(f => f.RoleId).FirstOrDefault(g => g.Count() > 1);
        if (twice is not null)
            throw PimErrors.SettingFileInvalid($"The role {twice.Key} has {twice.Count()} policies in {Names(files)}. Nothing was imported.", twice.Key,
                "Give one policy per role.");
        return found;
    }

    private static string Names(IReadOnlyList<(string Json, string Source)> files) => string.Join(", ", files.Select(f => $"'{f.Source}'"));

    /// <summary>Finds policies (objects with rules, or Graph's policy type) and policy assignments (objects with policyId and roleDefinitionId).</summary>
    private static void Walk(JsonNode? node, string where, List<(JsonObject, string)> policies, List<(JsonObject, string)> assignments, int depth)
    {
        if (depth > 4) return;
        switch (node)
        {
            case JsonArray a:
                var i = 0;
                foreach (var item in a) Walk(item, $"{where}[{i++}]", policies, assignments, depth + 1);
                break;
            case JsonObject o when o.ContainsKey("policyId") && o.ContainsKey("roleDefinitionId"):
                assignments.Add((o, where));
                if (o["policy"] is JsonObject expanded)
                {
                    policies.Add((expanded, where));
                }
                break;
            case JsonObject o when o["rules"] is JsonArray || Str(o, "@odata.type") == "#microsoft.graph.unifiedRoleManagementPolicy":
                policies.Add((o, where));
                break;
            case JsonObject o:
                foreach (var member in new[] { "value", PoliciesMember, AssignmentsMember })
                    if (o[member] is { } inner) Walk(inner, where, policies, assignments, depth + 1);
                break;
        }
    }

    /// <summary>The policy's own members (id, names, scope, last modified) as the tenant has them: kept, so a Graph export says them again.</summary>
    public static string Identity(Found f)
    {
        var policy = new JsonObject();
        foreach (var (name, value) in f.Policy)
        {
            if (name is "rules" or "effectiveRules" || name.StartsWith("@odata.context", StringComparison.Ordinal) || name.EndsWith("@odata.context", StringComparison.Ordinal)) continue;
            policy[name] = value?.DeepClone();
        }
        var assignment = new JsonObject();
        foreach (var (name, value) in f.Assignment)
        {
            if (name is "policy" || name.StartsWith("@odata.context", StringComparison.Ordinal) || name.EndsWith("@odata.context", StringComparison.Ordinal)) continue;
            assignment[name] = value?.DeepClone();
        }
        var text = new JsonObject { ["policy"] = policy, ["assignment"] = assignment }.ToJsonString();
        if (text.Length > 16 * 1024)
            throw PimErrors.InputTooLong($"{f.Where}: the policy's own members take {text.Length} characters; at most 16384 are kept.", f.Where, "Give the policy as Graph returns it.");
        // Every text the identity holds has the limits of any input (no control characters).
        foreach (var s in Texts(policy).Concat(Texts(assignment))) Validation.Input.Text(s, "policy", 1024, PimErrors.InputInvalid);
        return text;
    }

    private static IEnumerable<string> Texts(JsonNode? n) => n switch
    {
        JsonObject o => o.SelectMany(kv => Texts(kv.Value).Prepend(kv.Key)),
        JsonArray a => a.SelectMany(Texts),
        JsonValue v when v.GetValueKind() == JsonValueKind.String => [v.GetValue<string>()],
        _ => [],
    };

    private static string Id(JsonObject o, string member, string where)
    {
        var id = Str(o, member);
        if (id is null || !IdShape().IsMatch(id))
            throw PimErrors.SettingFileInvalid($"{where}: {member} '{Validation.Input.Preview(id ?? "")}' is not a Graph policy id (letters, digits, '_' and '-'). Nothing was imported.",
                id, "Give the policies as Graph returns them.");
        return id;
    }

    private static string? Str(JsonObject o, string member)
        => o.TryGetPropertyValue(member, out var v) && v is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null;

    private static PimException Unsupported(string what, object? target, string action)
        => PimErrors.GraphValueUnsupported($"{what}. Nothing was imported.", target, action);

    // ---- writing ---------------------------------------------------------------------------------------

    /// <summary>The tenant policy id a role's Graph identity (or a policy object) names; null when none.</summary>
    public static string? PolicyIdOf(string? identity)
    {
        if (identity is null) return null;
        try { return JsonNode.Parse(identity)?["policy"] is JsonObject p ? PolicyIdOf(p) : null; }
        catch (JsonException) { return null; }
    }

    public static string? PolicyIdOf(JsonObject policy) => Str(policy, "id");

    /// <summary>A placeholder policy id for a role that never came from a tenant: its PATCH requests address no tenant's policy.</summary>
    public static string PlaceholderPolicyId(Guid roleId) => $"PimModule_{roleId:D}";

    /// <summary>Builds the export document of the given roles' policies.</summary>
    public static string Write(IEnumerable<(PimRole Role, RolePolicy Policy)> roles, DirectoryMap directory, Action<string>? warn)
    {
        var policies = new JsonArray();
        var assignments = new JsonArray();
        var batches = new JsonArray();
        var addressed = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (role, p) in roles)
        {
            GraphPolicy.CheckExportable(p, role.Name);
            JsonObject policy, assignment;
            if (p.GraphIdentity is { } identity && JsonNode.Parse(identity) is JsonObject known
                && known["policy"] is JsonObject kp && known["assignment"] is JsonObject ka)
            {
                policy = (JsonObject)kp.DeepClone();
                assignment = (JsonObject)ka.DeepClone();
            }
            else
            {
                var id = PlaceholderPolicyId(role.Id);
                warn?.Invoke($"'{role.Name}' was never imported from a tenant, so its policy id is the placeholder {id}: its PATCH requests address no tenant's policy. " +
                             "Import the tenant's policies first (Import-PimRoleSetting), so that the requests address them.");
                policy = new JsonObject
                {
                    ["id"] = id, ["displayName"] = "DirectoryRole", ["description"] = "DirectoryRole", ["isOrganizationDefault"] = false,
                    ["scopeId"] = "/", ["scopeType"] = "DirectoryRole", ["lastModifiedDateTime"] = null,
                    ["lastModifiedBy"] = new JsonObject { ["displayName"] = null, ["id"] = null },
                };
                assignment = new JsonObject
                {
                    ["id"] = $"{id}_{role.Id:D}", ["policyId"] = id, ["scopeId"] = "/", ["scopeType"] = "DirectoryRole", ["roleDefinitionId"] = role.Id.ToString("D"),
                };
            }
            var policyId = policy["id"] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : "";
            if (!IdShape().IsMatch(policyId))
                throw PimErrors.StoreTampered($"The Graph policy id kept for '{role.Name}' is not an id ('{Validation.Input.Preview(policyId)}'); a request to it could address another resource. Nothing was written.",
                    role.Name, "Import the role's policy from the tenant again (Import-PimRoleSetting), or reset it (Reset-PimRoleSetting).");
            if (addressed.TryGetValue(policyId, out var other))
                throw PimErrors.StoreTampered($"'{role.Name}' and '{other}' both keep the Graph policy id {policyId}: their PATCH requests would change one tenant policy twice. Nothing was written.",
                    role.Name, "Import each role's own policy from the tenant again (Import-PimRoleSetting).");
            addressed[policyId] = role.Name;
            var rules = new JsonArray();
            var requests = new JsonArray();
            var n = 0;
            foreach (var shape in GraphPolicy.Rules)
            {
                rules.Add(GraphPolicy.Rule(p, shape, directory, role.Name, request: false));
                requests.Add(new JsonObject
                {
                    ["id"] = (++n).ToString(System.Globalization.CultureInfo.InvariantCulture),
                    ["method"] = "PATCH",
                    ["url"] = $"/policies/roleManagementPolicies/{policyId}/rules/{shape.Id}",
                    ["headers"] = new JsonObject { ["Content-Type"] = "application/json" },
                    ["body"] = GraphPolicy.Rule(p, shape, directory, role.Name, request: true),
                });
            }
            policy["rules"] = rules;
            policies.Add(policy);
            assignments.Add(assignment);
            batches.Add(new JsonObject { ["requests"] = requests });
        }
        var doc = new JsonObject
        {
            [PoliciesMember] = policies,
            [AssignmentsMember] = assignments,
            [BatchesMember] = batches,
        };
        return doc.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping })
            .Replace("\r\n", "\n") + "\n";
    }
}
