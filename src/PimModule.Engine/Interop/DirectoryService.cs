using System.Text.Json;
using PimModule.Audit.Events;
using PimModule.Storage;
using PimModule.Audit;
using PimModule.Errors;
using PimModule.Identity;
using PimModule.Policy;

namespace PimModule.Interop;

/// <summary>
/// The tenant's users as Import-PimDirectoryObject brings them in: object id ↔ user principal name. Graph speaks of
/// people by object id (approvers, principals, recipients); inside the store a principal is always its UPN key. Every
/// id that comes in is mapped here, once, to its UPN (an id with no mapping is refused by name), and every UPN that goes
/// out to Graph is mapped back here — so one person never has two spellings, and nobody approves their own request
/// under their object id. In a Verified store the mapping is the one administrators sealed (replayed), never a row.
/// </summary>
public sealed class DirectoryService
{
    private readonly StoreSession _store;
    internal DirectoryService(StoreSession store) => _store = store;

    public const string ImportAction = "ImportDirectoryObject";
    public const string TargetType = "DirectoryObject";

    /// <summary>The directory objects, in UPN order (the verified ones in a Verified store).</summary>
    public IReadOnlyList<PimDirectoryObject> List() => _store.Read(work => DirectoryMap.Of(work).All);

    /// <summary>One object as given (a CSV row, a Graph user), with where it came from for the messages.</summary>
    public sealed record Input(string? Id, string? UserPrincipalName, string? DisplayName, string? ODataType, string Where);

    /// <summary>The users of a Graph /users response (a collection with value, one user, or an array), as inputs.</summary>
    public static IReadOnlyList<Input> ParseJson(string json, string source)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 64 });
            StrictJson.CheckMembers(doc.RootElement, "$");
        }
        catch (JsonException e)
        {
            throw PimErrors.InputInvalid($"'{source}' is not JSON PimModule reads: {e.Message}", source, "Give a Graph /users response (Invoke-MgGraphRequest … -OutputType Json) or a CSV of Get-MgUser.", e);
        }
        using (doc)
        {
            var root = doc.RootElement;
            IEnumerable<JsonElement> items = root.ValueKind switch
            {
                JsonValueKind.Array => root.EnumerateArray(),
                JsonValueKind.Object when root.TryGetProperty("value", out var v) && v.ValueKind == JsonValueKind.Array => v.EnumerateArray(),
                JsonValueKind.Object => [root],
                _ => throw PimErrors.InputInvalid($"'{source}' holds no users: a Graph /users response is an object with \"value\".", source,
                    "Give a Graph /users response or a CSV of Get-MgUser."),
            };
            var list = new List<Input>();
            var i = 0;
            foreach (var item in items)
            {
                i++;
                if (item.ValueKind != JsonValueKind.Object)
                    throw PimErrors.InputInvalid($"Item {i} of '{source}' is not an object.", source, "Give a Graph /users response.");
                list.Add(new Input(Str(item, "id"), Str(item, "userPrincipalName"), Str(item, "displayName"), Str(item, "@odata.type"), $"item {i} of '{source}'"));
            }
            return list;
        }
    }

    private static string? Str(JsonElement e, string name)
    {
        foreach (var p in e.EnumerateObject())
            if (string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))
                return p.Value.ValueKind switch
                {
                    JsonValueKind.String => p.Value.GetString(),
                    JsonValueKind.Null => null,
                    _ => throw PimErrors.InputInvalid($"'{name}' is a {p.Value.ValueKind}, not text.", name, "Give the value as a JSON string."),
                };
        return null;
    }

    /// <summary>Validates one input: a user (a group or another object type is refused by name), its id, UPN and display name.</summary>
    public static PimDirectoryObject Validate(Input x)
    {
        if (x.ODataType is { } t && !string.Equals(t, "#microsoft.graph.user", StringComparison.OrdinalIgnoreCase))
            throw PimErrors.DirectoryObjectUnsupported($"{x.Where} is a {t.TrimStart('#')}; only users are directory objects here (group membership is not modelled).",
                x.Id ?? x.Where, "Import users only (Get-MgUser); assign the group's members one by one.");
        if (string.IsNullOrWhiteSpace(x.UserPrincipalName))
            throw PimErrors.DirectoryObjectUnsupported($"{x.Where} has no userPrincipalName: it is not a user (a group, a service principal), or the response was read without it ($select). Group membership is not modelled.",
                x.Id ?? x.Where, "Import users only (Get-MgUser | Export-Csv), with their Id, UserPrincipalName and DisplayName.");
        if (string.IsNullOrWhiteSpace(x.Id) || !Guid.TryParse(x.Id.Trim(), out var id) || id == Guid.Empty)
            throw PimErrors.InputValueInvalid($"{x.Where} has the id '{Validation.Input.Preview(x.Id ?? "")}', which is not an Entra object id (a GUID).",
                x.Id, "Give each user's object id (the Id column of Get-MgUser).");
        var upn = Principal.Validate(x.UserPrincipalName, "UserPrincipalName");
        if (!upn.Contains('@') || Principal.IsObjectId(upn))
            throw PimErrors.PrincipalInvalid($"{x.Where}: '{upn}' is not a user principal name (name@domain).", upn, "Give the user's UPN, for example user1@contoso.com.");
        var name = Validation.Input.Text(x.DisplayName, "DisplayName", Validation.Input.PrincipalLength);
        return new PimDirectoryObject { Id = id, UserPrincipalName = upn, DisplayName = string.IsNullOrWhiteSpace(name) ? null : name.Trim() };
    }

    private sealed record Plan(List<PimDirectoryObject> Changed, int Unchanged);

    /// <summary>
    /// Imports users (administrators only; each new or changed one is audited), all or none: an id already another
    /// UPN's, a UPN already another id's, or an id the store already knows as a principal is refused by name.
    /// </summary>
    /// <summary>Why a sealed import of <paramref name="id"/> as <paramref name="upn"/> counts for nothing (<see cref="Kernel.DirectoryRules.WhyNot"/>), as the replay reports it.</summary>
    internal static string Reason(Kernel.DirectoryRefusal refusal, string upn, Guid id, string? holder)
        => refusal == Kernel.DirectoryRefusal.NameOfAnother ? $"{upn} is already the object {holder}" : $"the object {id} is already another user principal name";

    public IReadOnlyList<PimDirectoryObject>? Import(IReadOnlyList<PimDirectoryObject> objects, string source, Func<PimChange, bool>? confirm = null)
    {
        var byId = new Dictionary<Guid, PimDirectoryObject>();
        var byKey = new Dictionary<string, Guid>(StringComparer.Ordinal);
        foreach (var o in objects)
        {
            var key = Principal.Fold(o.UserPrincipalName);
            if (byId.TryGetValue(o.Id, out var seen) && !Principal.Same(seen.UserPrincipalName, o.UserPrincipalName))
                throw PimErrors.DirectoryObjectConflict($"'{source}' gives the object {o.Id} twice, as '{seen.UserPrincipalName}' and as '{o.UserPrincipalName}'.",
                    o.Id, "Keep one row per user.");
            if (byKey.TryGetValue(key, out var other) && other != o.Id)
                throw PimErrors.DirectoryObjectConflict($"'{source}' gives '{o.UserPrincipalName}' twice, as the objects {other} and {o.Id}; one person has one id.",
                    o.UserPrincipalName, "Keep one row per user.");
            byId[o.Id] = o;
            byKey[key] = o.Id;
        }
        return _store.Change(
            work =>
            {
                Authorization.RequireRoleAdministrator(work, "import directory objects");
                var map = DirectoryMap.Of(work);
                var changed = new List<PimDirectoryObject>();
                var unchanged = 0;
                foreach (var o in byId.Values)
                {
                    var key = Principal.Fold(o.UserPrincipalName);
                    var known = map.ById(o.Id);
                    var holder = map.ByKey(key);
                    var refusal = Kernel.DirectoryRules.WhyNot(o.Id, key, holder?.Id, known is null ? null : Principal.Fold(known.UserPrincipalName));
                    if (refusal == Kernel.DirectoryRefusal.Renamed)
                        throw PimErrors.DirectoryObjectConflict($"The object {o.Id} is '{known!.UserPrincipalName}' in this store; '{source}' says '{o.UserPrincipalName}'. " +
                            "A renamed user would hold their assignments under two spellings.", o.Id,
                            "Remove the old UPN's assignments (or move them with New-…Assignment for the new UPN) first; nothing was imported.");
                    if (refusal == Kernel.DirectoryRefusal.NameOfAnother)
                        throw PimErrors.DirectoryObjectConflict($"'{o.UserPrincipalName}' is the object {holder!.Id} in this store; '{source}' says {o.Id}.", o.UserPrincipalName,
                            "Check the file: one user has one object id. Nothing was imported.");
                    if (known is not null && known.DisplayName == o.DisplayName && known.UserPrincipalName == o.UserPrincipalName) { unchanged++; continue; }
                    changed.Add(o);
                }
                // An id that is already a principal of the store (assignments made under the object id) would become a second spelling.
                // Every spelling Principal.Validate once accepted (with or without dashes or braces), as the keys fold it.
                var spellings = changed.SelectMany(o => new[] { "D", "N", "B", "P" }.Select(f => o.Id.ToString(f))).ToList();
                var spelled = AssignmentsTable.PrincipalKeysPresent(work, spellings);
                if (spelled.Count == 0)
                {
                    var keys = spellings.ToHashSet(StringComparer.Ordinal);
                    spelled = SettingsService.LoadAll(work).Values.SelectMany(p => p.Approvers).Select(Principal.Fold).Where(keys.Contains).Take(1).ToList();
                }
                if (spelled.Count > 0)
                    throw PimErrors.DirectoryObjectConflict($"The store holds assignments or approvers of the principal '{spelled[0]}', spelled as its object id; importing it would give that person two spellings.",
                        spelled[0], "Remove those assignments (or approvers) and name the user by UPN after the import; nothing was imported.");
                return new Plan(changed, unchanged);
            },
            p => new PimChange(source, $"Import {p.Changed.Count} directory object(s) ({p.Unchanged} unchanged)"),
            (work, p) =>
            {
                foreach (var o in p.Changed)
                {
                    DirectoryObjectsTable.Upsert(work, new DirectoryObjectsTable.Row(o.Id.ToString("D"), o.UserPrincipalName, Principal.Fold(o.UserPrincipalName),
                        o.DisplayName, work.Actor, work.Now));
                    AuditLog.Append(work, new DirectoryObjectImported(new DirectoryObjectView(o.Id, o.UserPrincipalName, o.DisplayName)));
                }
                return (IReadOnlyList<PimDirectoryObject>)p.Changed;
            },
            confirm);
    }
}

/// <summary>The directory of one unit of work, read once: the verified one in a Verified store, the table otherwise.</summary>
internal sealed class DirectoryMap
{
    private readonly Dictionary<Guid, PimDirectoryObject> _byId = new();
    private readonly Dictionary<string, PimDirectoryObject> _byKey = new(StringComparer.Ordinal);

    public IReadOnlyList<PimDirectoryObject> All { get; }

    private DirectoryMap(IEnumerable<PimDirectoryObject> objects)
    {
        All = objects.OrderBy(o => Principal.Fold(o.UserPrincipalName), StringComparer.Ordinal).ToList();
        foreach (var o in All)
        {
            _byId[o.Id] = o;
            _byKey[Principal.Fold(o.UserPrincipalName)] = o;
        }
    }

    public static DirectoryMap Of(UnitOfWork work) => work.Memo("directory", () => work.VerifiedNow() is { } v
        ? new DirectoryMap(v.DirectoryObjects().Select(d => new PimDirectoryObject { Id = Guid.Parse(d.Id), UserPrincipalName = d.UserPrincipalName, DisplayName = d.DisplayName }))
        : new DirectoryMap(DirectoryObjectsTable.All(work).Select(d => new PimDirectoryObject { Id = StoredValue.Id(d.Id, "directory_objects", "id", d.UserPrincipalName), UserPrincipalName = d.UserPrincipalName, DisplayName = d.DisplayName })));

    public PimDirectoryObject? ById(Guid id) => _byId.GetValueOrDefault(id);
    public PimDirectoryObject? ByKey(string principalKey) => _byKey.GetValueOrDefault(principalKey);

    /// <summary>The UPN of an object id; PimDirectoryObjectNotFound, naming where it came from, when no user has it.</summary>
    public string UpnOf(Guid id, string where)
        => ById(id)?.UserPrincipalName ?? throw PimErrors.DirectoryObjectNotFound($"{where} names the object id {id}, which no imported directory object has.",
            id, "Import the tenant's users first (Get-MgUser -All | Export-Csv users.csv; Import-PimDirectoryObject -Path users.csv), or give the user's UPN.");

    /// <summary>The object id of a principal, for Graph; PimDirectoryObjectNotFound when the UPN was never imported.</summary>
    public Guid IdOf(string principal, string where)
        => ByKey(Principal.Fold(principal))?.Id ?? throw PimErrors.DirectoryObjectNotFound($"{where}: '{principal}' has no directory object, so Graph cannot name it by id.",
            principal, "Import the tenant's users (Import-PimDirectoryObject), so that every principal Graph names has its object id.");

    /// <summary>
    /// A principal as a caller gives it, canonical: an object id becomes its UPN (refused when unmapped); anything else
    /// is validated as a principal. Every principal that enters the store passes here or through <see cref="Principal.Validate"/>,
    /// which refuses object ids outright.
    /// </summary>
    public string Canonical(string? text, string parameter)
    {
        var trimmed = text?.Trim(' ');
        if (trimmed is not null && Guid.TryParse(trimmed, out var id) && Principal.IsObjectId(trimmed))
            return UpnOf(id, $"-{parameter}");
        return Principal.Validate(text, parameter);
    }

    /// <summary>As <see cref="Canonical(string?, string)"/> for the directory of a unit of work, read only when an object id is given.</summary>
    public static string Canonical(UnitOfWork work, string? text, string parameter)
        => text is not null && Principal.IsObjectId(text.Trim(' ')) ? Of(work).Canonical(text, parameter) : Principal.Validate(text, parameter);
}
