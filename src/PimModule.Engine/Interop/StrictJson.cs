using System.Text.Json;
using System.Text.Json.Nodes;
using PimModule.Errors;

namespace PimModule.Interop;

/// <summary>
/// JSON read from files the module did not write (Graph responses, desired-state files): a member named twice in one
/// object (in any letter case) is refused, never resolved to the first or the last as readers differ on it.
/// </summary>
internal static class StrictJson
{
    /// <summary>Parses <paramref name="json"/> as a node; a JsonException names a member given twice.</summary>
    public static JsonNode? Parse(string json, int maxDepth = 64)
    {
        var options = new JsonDocumentOptions { MaxDepth = maxDepth };
        using (var doc = JsonDocument.Parse(json, options)) CheckMembers(doc.RootElement, "$");
        return JsonNode.Parse(json, documentOptions: options);
    }

    /// <summary>A JSON value's kind in the words of a refusal ("text", "a number", …).</summary>
    public static string Kind(JsonValueKind k) => k switch
    {
        JsonValueKind.String => "text",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Array => "a list",
        JsonValueKind.Object => "an object",
        _ => "null",
    };

    /// <summary>A JSON node's kind in the words of a refusal (a missing node is null).</summary>
    public static string Kind(JsonNode? v) => Kind(v?.GetValueKind() ?? JsonValueKind.Null);

    /// <summary>
    /// A member of Graph's JSON as its kind must be (absent or null: null); any other kind — an object where text is
    /// expected, text or a list where an object is — is PimSettingFileInvalid naming the member and where it is, never skipped.
    /// </summary>
    public static JsonNode? Member(JsonObject o, string member, string where, JsonValueKind kind)
    {
        if (!o.TryGetPropertyValue(member, out var v) || v is null) return null;
        if (v.GetValueKind() == kind || kind == JsonValueKind.True && v.GetValueKind() == JsonValueKind.False) return v;
        throw PimErrors.SettingFileInvalid($"{where}: {member} is {Kind(v)}; Graph's {member} is {Kind(kind)}. Nothing was imported.", member,
            $"Give {member} as Graph returns it (Invoke-MgGraphRequest … -OutputType Json).");
    }

    /// <summary>A text member of Graph's JSON (absent or null: null); any other kind is refused by name (<see cref="Member"/>).</summary>
    public static string? Text(JsonObject o, string member, string where)
        => Member(o, member, where, JsonValueKind.String) is JsonValue v ? v.GetValue<string>() : null;

    /// <summary>Refuses an object that names a member twice (any letter case), anywhere in <paramref name="e"/>.</summary>
    public static void CheckMembers(JsonElement e, string at)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Object:
                var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
                foreach (var p in e.EnumerateObject())
                {
                    if (!seen.Add(p.Name)) throw new JsonException($"the member '{Validation.Input.Preview(p.Name)}' is given twice in {at}");
                    CheckMembers(p.Value, $"{at}.{p.Name}");
                }
                break;
            case JsonValueKind.Array:
                var i = 0;
                foreach (var item in e.EnumerateArray()) CheckMembers(item, $"{at}[{i++}]");
                break;
        }
    }
}
