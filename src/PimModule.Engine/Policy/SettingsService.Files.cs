using System.Text.Json;
using System.Text.Json.Serialization;
using PimModule.Storage;
using PimModule.Audit.Events;
using PimModule.Errors;
using PimModule.Identity;
using PimModule.Interop;
using PimModule.Roles;

namespace PimModule.Policy;

/// <summary>Export-PimRoleSetting and Import-PimRoleSetting: a role's settings as PimModule's file, read back with every value checked.</summary>
public sealed partial class SettingsService
{
    // ---- export / import ---------------------------------------------------------------------------

    public const string FileSchema = "PimModule.RoleSettings";
    public const int FileSchemaVersion = 1;

    private static readonly JsonSerializerOptions FileJson = new()
    {
        WriteIndented = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        Converters = { new JsonStringEnumConverter(allowIntegerValues: false) },
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private sealed class FileDocument
    {
        public string Schema { get; set; } = FileSchema;
        public int SchemaVersion { get; set; } = FileSchemaVersion;
        public List<FileRole> Roles { get; set; } = [];
    }

    /// <summary>
    /// One role of the file: Role, RoleId, every setting of <see cref="RoleSettings"/> (in table order, by name), then
    /// Notifications. Read and written by <see cref="FileRoleConverter"/>.
    /// </summary>
    [JsonConverter(typeof(FileRoleConverter))]
    private sealed class FileRole
    {
        public string? Role { get; set; }
        public Guid? RoleId { get; set; }
        public RolePolicy Policy { get; set; } = new();
        public List<FileNotification> Notifications { get; set; } = [];
    }

    private sealed class FileRoleConverter : JsonConverter<FileRole>
    {
        public override FileRole Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
                throw new JsonException($"The JSON value could not be converted to a role entry.");
            var f = new FileRole();
            foreach (var s in RoleSettings.All) s.SetFileDefault(f.Policy); // a member left out has its type's default, as before
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.EndObject) return f;
                var name = reader.GetString()!;
                reader.Read();
                switch (name)
                {
                    case nameof(FileRole.Role):
                        f.Role = JsonSerializer.Deserialize<string?>(ref reader, options);
                        break;
                    case nameof(FileRole.RoleId):
                        f.RoleId = JsonSerializer.Deserialize<Guid?>(ref reader, options);
                        break;
                    case nameof(FileRole.Notifications):
                        f.Notifications = JsonSerializer.Deserialize<List<FileNotification>>(ref reader, options)
                                          ?? throw new JsonException("Notifications is null; give the 9 notification rows.");
                        break;
                    default:
                        var setting = RoleSettings.All.FirstOrDefault(s => s.Name == name) // exact case, as the serializer's members
                                      ?? throw new JsonException($"The JSON property '{name}' could not be mapped to any .NET member contained in type '{typeof(FileRole)}'.");
                        setting.ReadFile(ref reader, f.Policy, options);
                        break;
                }
            }
            throw new JsonException("The role entry is not closed.");
        }

        public override void Write(Utf8JsonWriter writer, FileRole value, JsonSerializerOptions options)
        {
            writer.WriteStartObject();
            writer.WritePropertyName(nameof(FileRole.Role));
            JsonSerializer.Serialize(writer, value.Role, options);
            writer.WritePropertyName(nameof(FileRole.RoleId));
            JsonSerializer.Serialize(writer, value.RoleId, options);
            foreach (var s in RoleSettings.All)
            {
                if (s.OmitFromFileWhenEmpty && s.IsEmpty(value.Policy)) continue;
                writer.WritePropertyName(s.Name);
                s.WriteFile(writer, value.Policy, options);
            }
            writer.WritePropertyName(nameof(FileRole.Notifications));
            JsonSerializer.Serialize(writer, value.Notifications, options);
            writer.WriteEndObject();
        }
    }

    private sealed class FileNotification
    {
        public PimNotificationEvent Event { get; set; }
        public PimNotificationRecipient Recipient { get; set; }
        public bool DefaultRecipients { get; set; }
        public List<string> AdditionalRecipients { get; set; } = [];
        public bool CriticalOnly { get; set; }
    }

    /// <summary>The settings of the given roles (all when null) as JSON: deterministic, so export → import → export is identical.</summary>
    public string Export(IReadOnlyList<PimRoleReference>? roles)
    {
        var doc = _store.Read(work =>
        {
            var list = roles is null
                ? RolesTable.All(work)
                : roles.Select(r => RoleService.Resolve(work, r)).DistinctBy(r => r.Id).OrderBy(r => r.Name, StringComparer.OrdinalIgnoreCase).ToList();
            return new FileDocument { Roles = list.Select(r => ToFile(r, Load(work, r.Id))).ToList() };
        });
        return JsonSerializer.Serialize(doc, FileJson).Replace("\r\n", "\n") + "\n";
    }

    private static FileRole ToFile(PimRole role, RolePolicy p) => new()
    {
        Role = role.Name, RoleId = role.Id, Policy = p.Clone(),
        Notifications = p.Notifications.OrderBy(k => k.Key.Item1).ThenBy(k => k.Key.Item2).Select(k => new FileNotification
        {
            Event = k.Key.Item1, Recipient = k.Key.Item2, DefaultRecipients = k.Value.DefaultRecipients,
            AdditionalRecipients = [.. k.Value.AdditionalRecipients], CriticalOnly = k.Value.CriticalOnly,
        }).ToList(),
    };

    private static RolePolicy FromFile(FileRole f)
    {
        var p = f.Policy.Clone();
        foreach (var n in f.Notifications)
            p.Notifications[(n.Event, n.Recipient)] = new RolePolicy.NotificationRule(n.DefaultRecipients, [.. n.AdditionalRecipients], n.CriticalOnly);
        return p;
    }

    private static FileDocument Parse(string json, string source)
    {
        PimException Invalid(string why, Exception? inner = null) => PimErrors.SettingFileInvalid($"'{source}' is not a valid role settings file: {why}", source,
            "Give a file written by Export-PimRoleSetting (fix or re-export it); nothing was imported.", inner);

        JsonDocument head;
        try
        {
            head = JsonDocument.Parse(json);
            StrictJson.CheckMembers(head.RootElement, "$");
        }
        catch (JsonException e)
        {
            throw Invalid($"the JSON is malformed or truncated (line {e.LineNumber + 1}).", e);
        }
        using (head)
        {
            if (head.RootElement.ValueKind != JsonValueKind.Object
                || !head.RootElement.TryGetProperty("Schema", out var schema) || schema.ValueKind != JsonValueKind.String
                || schema.GetString() != FileSchema)
                throw Invalid($"it has no \"Schema\": \"{FileSchema}\".");
            if (!head.RootElement.TryGetProperty("SchemaVersion", out var v) || !v.TryGetInt32(out var version) || version < 1)
                throw Invalid("it has no valid SchemaVersion.");
            if (version > FileSchemaVersion)
                throw PimErrors.SettingFileTooNew($"'{source}' has role settings schema version {version}; this PimModule reads up to version {FileSchemaVersion}.",
                    source, "Import it with a newer PimModule, or export it again from a store of this version.");
        }
        try
        {
            var doc = JsonSerializer.Deserialize<FileDocument>(json, FileJson) ?? throw Invalid("it is empty.");
            var i = 0;
            foreach (var r in doc.Roles)
            {
                i++;
                if (r is null || (r.RoleId is null && string.IsNullOrWhiteSpace(r.Role)))
                    throw Invalid($"role entry {i} names no Role or RoleId.");
                if (r.Notifications.Count != 9
                    || r.Notifications.Select(n => (n.Event, n.Recipient)).Distinct().Count() != 9)
                    throw Invalid($"role '{r.Role ?? r.RoleId.ToString()}' must have the 9 notification rows (event × recipient), each once.");
            }
            return doc;
        }
        catch (JsonException e)
        {
            throw Invalid($"{e.Message}", e);
        }
    }

    /// <summary>
    /// The given roles' policies (all when null) in Graph's shape (see <see cref="GraphPolicyFile"/>); a setting Graph
    /// cannot hold, or an approver with no directory object, is refused by name.
    /// </summary>
    public string ExportGraph(IReadOnlyList<PimRoleReference>? roles, Action<string>? warn = null) => _store.Read(work =>
    {
        var list = roles is null
            ? RolesTable.All(work)
            : roles.Select(r => RoleService.Resolve(work, r)).DistinctBy(r => r.Id).OrderBy(r => r.Name, StringComparer.OrdinalIgnoreCase).ToList();
        var directory = DirectoryMap.Of(work);
        return GraphPolicyFile.Write(list.Select(r => (r, Load(work, r.Id))).ToList(), directory, warn);
    });

    /// <summary>Whether a settings file is in PimModule's own format (else it is read as Graph's).</summary>
    public static bool IsOwnFormat(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 64 });
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("Schema", out var s)
                && s.ValueKind == JsonValueKind.String && s.GetString() == FileSchema;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>
    /// Imports role policies in Graph's shape from one or more files (see <see cref="GraphPolicyFile"/>): every policy is
    /// read and validated first (object ids through the directory), then all are applied in one transaction, or none.
    /// </summary>
    public IReadOnlyList<PimRoleSetting>? ImportGraph(IReadOnlyList<(string Json, string Source)> files, Func<PimChange, bool>? confirm = null)
    {
        var found = GraphPolicyFile.Collect(files);
        var source = string.Join(", ", files.Select(f => f.Source));
        return _store.Change(
            work =>
            {
                Authorization.RequireRoleAdministrator(work, "import role settings");
                var directory = DirectoryMap.Of(work);
                var plans = new List<Plan>();
                // A tenant's policy is one role's: an id another role holds (the id it keeps, or its placeholder) would send
                // one role's settings to the other's policy on the next Graph export. The verified log's replay applies the
                // same rule (GraphPolicyFile.Holder) to each record in turn, so each policy of the file is judged after the
                // ones before it.
                var roleById = RolesTable.All(work).ToDictionary(r => r.Id);
                var kept = KeptPolicyIds(work);
                foreach (var f in found)
                {
                    var pid = GraphPolicyFile.PolicyIdOf(f.Policy)!;
                    if (!string.Equals(kept.GetValueOrDefault(f.RoleId), pid, StringComparison.OrdinalIgnoreCase)
                        && GraphPolicyFile.Holder(f.RoleId, pid, kept) is { } holder)
                    {
                        var name = roleById.TryGetValue(holder, out var h) ? $"'{h.Name}'" : $"the role {holder} (not in this store)";
                        var how = GraphPolicyFile.PlaceholderRole(pid) == holder ? "placeholder policy id" : "tenant policy id";
                        var target = roleById.TryGetValue(f.RoleId, out var t) ? $"'{t.Name}'" : $"the role {f.RoleId}";
                        throw PimErrors.GraphPolicyConflict($"{f.Where}: the policy {pid} is held by {name} in this store (its {how}), but the file gives it to {target}. " +
                            "A Graph export would send one role's settings to the other's policy. Nothing was imported.", pid,
                            h is null ? "Give each role's own policy, as GET /policies/roleManagementPolicyAssignments maps them."
                                : $"Give each role's own policy, as GET /policies/roleManagementPolicyAssignments maps them; if {name} keeps an id that is not its own, " +
                                  $"clear it (Reset-PimRoleSetting -Role '{h.Name}') and import its own policy again.");
                    }
                    kept[f.RoleId] = pid;
                    var role = RoleService.Find(work, new PimRoleReference(f.RoleId))
                               ?? throw PimErrors.RoleNotFound($"{f.Where}: the policy is for the role {f.RoleId}, which is not in this store; nothing was imported.",
                                   f.RoleId, "Create the custom role first (New-PimRole), or leave its policy out.");
                    var before = Load(work, role.Id);
                    var after = before.Clone();
                    GraphPolicy.Read(f.Rules, after, directory, f.Where);
                    after.GraphIdentity = GraphPolicyFile.Identity(f);
                    after.Validate(role.Name);
                    plans.Add(new Plan(role, before, after));
                }
                return plans;
            },
            plans => new PimChange(source, $"Import role settings for {plans.Count(p => p.Changes)} role(s): " +
                                           string.Join("; ", plans.Where(p => p.Changes).Select(p => $"{p.Role.Name}: {RolePolicy.Diff(p.Before, p.After)}"))),
            (work, plans) =>
            {
                foreach (var p in plans.Where(p => p.Changes)) Save(work, p.Role, p.Before, p.After, RoleSettingChange.Imported);
                return plans.Select(p => ToSetting(work, p.Role)).ToList();
            },
            confirm);
    }

    /// <summary>
    /// The tenant policy id each role keeps (none: null), as the rule of <see cref="GraphPolicyFile.Holder"/> reads them:
    /// every role's policy in force, and the ids a removed custom role's policy still keeps — in a Verified store as the
    /// verified log has them (the replay counts them), in a Lab store as its rule rows do.
    /// </summary>
    internal static Dictionary<Guid, string?> KeptPolicyIds(UnitOfWork work)
    {
        var kept = LoadAll(work).ToDictionary(kv => kv.Key, kv => GraphPolicyFile.PolicyIdOf(kv.Value.GraphIdentity));
        if (work.VerifiedNow() is { } verified)
        {
            foreach (var s in verified.AllPolicies())
                if (Guid.TryParse(s.RoleId, out var id) && !kept.ContainsKey(id) && s.Rules is { } rules)
                    kept[id] = GraphPolicyFile.KeptPolicyId(rules);
        }
        else
        {
            foreach (var row in PolicyRulesTable.All(work).Where(r => r.RuleId == RolePolicy.GraphIdentityRule && !kept.ContainsKey(r.RoleId)))
                kept[row.RoleId] = GraphPolicyFile.PolicyIdOf(row.ValueJson);
        }
        return kept;
    }

    /// <summary>The roles of a file in PimModule's format, as typed policies (nothing is written).</summary>
    internal static IEnumerable<(string? Name, Guid? Id, RolePolicy Policy)> ReadFile(string json, string source)
        => Parse(json, source).Roles.Select(f => (f.Role, f.RoleId, FromFile(f)));

    /// <summary>Validates every role of the file first, then applies all of them in one transaction, or none.</summary>
    public IReadOnlyList<PimRoleSetting>? Import(string json, string source, Func<PimChange, bool>? confirm = null)
    {
        var doc = Parse(json, source);
        var result = _store.Change(
            work =>
            {
                Authorization.RequireRoleAdministrator(work, "import role settings");
                var plans = new List<Plan>();
                foreach (var f in doc.Roles)
                {
                    var role = (f.RoleId is { } id ? RoleService.Find(work, new PimRoleReference(id)) : null)
                               ?? (f.Role is { } n ? RoleService.Find(work, new PimRoleReference(n)) : null)
                               ?? throw PimErrors.RoleNotFound($"'{source}' names the role '{f.Role ?? f.RoleId.ToString()}', which is not in this store; nothing was imported.",
                                   f.Role ?? f.RoleId.ToString(), "Create the custom role first (New-PimRole), or remove it from the file.");
                    var after = FromFile(f);
                    CanonicalApprovers(work, after);
                    after.Validate(role.Name);
                    var before = Load(work, role.Id);
                    after.GraphIdentity = before.GraphIdentity; // the tenant's policy this role maps to is not a setting
                    plans.Add(new Plan(role, before, after));
                }
                if (plans.Select(p => p.Role.Id).Distinct().Count() != plans.Count)
                    throw PimErrors.SettingFileInvalid($"'{source}' names a role twice.", source, "Keep one entry per role.");
                return plans;
            },
            plans => new PimChange(source, $"Import role settings for {plans.Count(p => p.Changes)} role(s): " +
                                           string.Join(", ", plans.Where(p => p.Changes).Select(p => p.Role.Name))),
            (work, plans) =>
            {
                foreach (var p in plans.Where(p => p.Changes)) Save(work, p.Role, p.Before, p.After, RoleSettingChange.Imported);
                return plans.Select(p => ToSetting(work, p.Role)).ToList();
            },
            confirm);
        return result;
    }
}
