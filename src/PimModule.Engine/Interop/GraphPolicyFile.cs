using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using PimModule.Policy;
using PimModule.Errors;

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
            if (root is not (JsonObject or JsonArray))
                throw PimErrors.SettingFileInvalid($"'{source}' is {Kind(root)}; Graph's JSON is an object (a policy, a policy assignment, or a collection with value). Nothing was imported.", source,
                    "Give Graph's JSON as Invoke-MgGraphRequest -OutputType Json writes it, or a file of Export-PimRoleSetting.");
            Walk(root, source, policies, assignments, 0);
        }
        if (policies.Count == 0)
            throw PimErrors.SettingFileInvalid($"{Names(files)} hold no role management policy with rules. Nothing was imported.", Names(files),
                "Give GET /policies/roleManagementPolicies?$expand=rules (or …/roleManagementPolicyAssignments?$expand=policy($expand=rules)), or a file of Export-PimRoleSetting -Format Graph.");
        // Graph's ids compare in any letter case (as the export's addresses do): "P1" and "p1" are one policy.
        var roleOf = new Dictionary<string, (JsonObject Assignment, Guid Role)>(StringComparer.OrdinalIgnoreCase);
        foreach (var (a, where) in assignments)
        {
            var policyId = Id(a, "policyId", where);
            var scopeType = Text(a, "scopeType", where);
            if (scopeType is not null && scopeType is not ("DirectoryRole" or "Directory"))
                throw Unsupported($"{where}: the policy assignment {policyId} is for scope type '{scopeType}'; PimModule holds directory roles (PIM for groups is not modelled)",
                    policyId, "Give the policies of directory roles (scopeType DirectoryRole).");
            if (Text(a, "scopeId", where) is { } scope && scope != "/")
                throw Unsupported($"{where}: the policy assignment {policyId} is at scope '{Validation.Input.Preview(scope)}'; PimModule holds one policy per role, at '/'",
                    policyId, "Give the policy assignments at scopeId '/'.");
            var roleText = Text(a, "roleDefinitionId", where);
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
            var scopeType = Text(p, "scopeType", where);
            if (scopeType is not null && scopeType is not ("DirectoryRole" or "Directory"))
                throw Unsupported($"{where}: the policy {id} is for scope type '{scopeType}'; PimModule holds directory roles (PIM for groups is not modelled)",
                    id, "Give the policies of directory roles (scopeType DirectoryRole).");
            if (Text(p, "scopeId", where) is { } pscope && pscope != "/")
                throw Unsupported($"{where}: the policy {id} is at scope '{Validation.Input.Preview(pscope)}'; PimModule holds one policy per role, at '/'", id,
                    "Give the policies of directory roles at scopeId '/'.");
            if (!roleOf.TryGetValue(id, out var mapped))
                throw PimErrors.SettingFileInvalid($"{where}: nothing says which role the policy {id} is for. Nothing was imported.", id,
                    "Give the output of GET /policies/roleManagementPolicyAssignments as a second -Path (it maps each policy to its role).");
            if (Member(p, "rules", where, JsonValueKind.Array) is not JsonArray rules || rules.Count == 0)
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

    /// <summary>
    /// Finds policies (objects with rules, or Graph's policy type) and policy assignments (objects with policyId and
    /// roleDefinitionId). A member it reads that is not of the kind Graph gives it (a collection that is not a list, an
    /// item of one that is not an object, rules or an expanded policy that are not what Graph says) is refused by name.
    /// </summary>
    private static void Walk(JsonNode? node, string where, List<(JsonObject, string)> policies, List<(JsonObject, string)> assignments, int depth)
    {
        if (depth > 4) return;
        switch (node)
        {
            case JsonArray a:
                var i = 0;
                foreach (var item in a)
                {
                    var at = $"{where}[{i++}]";
                    if (item is not JsonObject)
                        throw PimErrors.SettingFileInvalid($"{at} is {Kind(item)}; Graph lists policies and policy assignments as objects. Nothing was imported.", at,
                            "Give Graph's JSON as Invoke-MgGraphRequest -OutputType Json writes it.");
                    Walk(item, at, policies, assignments, depth + 1);
                }
                break;
            case JsonObject o when o.ContainsKey("policyId") && o.ContainsKey("roleDefinitionId"):
                assignments.Add((o, where));
                if (Member(o, "policy", where, JsonValueKind.Object) is JsonObject expanded)
                {
                    policies.Add((expanded, where));
                }
                break;
            case JsonObject o when Member(o, "rules", where, JsonValueKind.Array) is not null || Text(o, "@odata.type", where) == "#microsoft.graph.unifiedRoleManagementPolicy":
                policies.Add((o, where));
                break;
            case JsonObject o:
                foreach (var member in new[] { "value", PoliciesMember, AssignmentsMember })
                    if (Member(o, member, where, JsonValueKind.Array) is { } inner) Walk(inner, $"{where}.{member}", policies, assignments, depth + 1);
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
        var id = Text(o, member, where);
        if (id is null || !IdShape().IsMatch(id))
            throw PimErrors.SettingFileInvalid($"{where}: {member} '{Validation.Input.Preview(id ?? "")}' is not a Graph policy id (letters, digits, '_' and '-'). Nothing was imported.",
                id, "Give the policies as Graph returns them.");
        return id;
    }

    private static JsonNode? Member(JsonObject o, string member, string where, JsonValueKind kind) => StrictJson.Member(o, member, where, kind);

    private static string? Text(JsonObject o, string member, string where) => StrictJson.Text(o, member, where);

    private static string Kind(JsonNode? v) => StrictJson.Kind(v);

    /// <summary>A member of what the store keeps (its own writing, read back): text, else null.</summary>
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
    public static string PlaceholderPolicyId(Guid roleId) => $"{PlaceholderPrefix}{roleId:D}";

    private const string PlaceholderPrefix = "PimModule_";

    /// <summary>The role whose placeholder a policy id is (PimModule_&lt;roleId&gt;, in any letter case and any form of the id); null for any other id.</summary>
    public static Guid? PlaceholderRole(string policyId)
        => policyId.StartsWith(PlaceholderPrefix, StringComparison.OrdinalIgnoreCase) && Guid.TryParse(policyId.AsSpan(PlaceholderPrefix.Length), out var role) ? role : null;

    /// <summary>
    /// Who holds a tenant policy id, the one rule the writer (Import-PimRoleSetting) and the verified log's replay both
    /// apply when a role is given <paramref name="policyId"/>: another role's placeholder (PimModule_&lt;its id&gt;, which a
    /// Graph export gives a role that keeps no id) is that role's; an id another role keeps (<paramref name="kept"/>: every
    /// role's kept id, removed custom roles' too) is that role's. Returns the holder, or null when the id is free for
    /// <paramref name="role"/>. Ids compare in any letter case. (Both callers ask only when a role's id changes: the id a
    /// role keeps already is carried again by every later change of its settings.)
    /// </summary>
    public static Guid? Holder(Guid role, string policyId, IEnumerable<KeyValuePair<Guid, string?>> kept)
    {
        if (PlaceholderRole(policyId) is { } owner && owner != role) return owner;
        foreach (var (other, id) in kept)
            if (other != role && string.Equals(id, policyId, StringComparison.OrdinalIgnoreCase)) return other;
        return null;
    }

    /// <summary>The tenant policy id the rules a sealed RoleSetting record carries keep (Import-PimRoleSetting's Graph identity); null when none, or when they do not parse.</summary>
    public static string? KeptPolicyId(string? rulesJson)
    {
        if (rulesJson is null) return null;
        try
        {
            var rules = JsonSerializer.Deserialize<Dictionary<string, string>>(rulesJson);
            return rules is not null && rules.TryGetValue(RolePolicy.GraphIdentityRule, out var identity) ? PolicyIdOf(identity) : null;
        }
        catch (JsonException) { return null; }
    }

    /// <summary>
    /// Who holds the tenant policy id a sealed RoleSetting record (<paramref name="rulesJson"/>) gives <paramref name="role"/>
    /// (<see cref="Holder"/> over the rules every role's verified settings carry, <paramref name="sealedRules"/>); null when it
    /// gives none, the one the role keeps already (<paramref name="currentRules"/>), or a free one.
    /// </summary>
    public static (string PolicyId, Guid Holder)? TakenBy(Guid role, string? rulesJson, string? currentRules, IEnumerable<(string RoleId, string Rules)> sealedRules)
    {
        if (KeptPolicyId(rulesJson) is not { } id) return null;
        if (string.Equals(KeptPolicyId(currentRules), id, StringComparison.OrdinalIgnoreCase)) return null;
        var kept = sealedRules.Select(x => (Ok: Guid.TryParse(x.RoleId, out var g), Role: g, Id: KeptPolicyId(x.Rules)))
            .Where(x => x.Ok).Select(x => KeyValuePair.Create(x.Role, x.Id));
        return Holder(role, id, kept) is { } holder ? (id, holder) : null;
    }

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
                    role.Name, $"Clear the id the wrong one keeps (Reset-PimRoleSetting -Role '{role.Name}' or '{other}'), then import each role's own policy from the tenant again (Import-PimRoleSetting).");
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
