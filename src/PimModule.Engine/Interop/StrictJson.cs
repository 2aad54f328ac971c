using System.Text.Json;
using System.Text.Json.Nodes;

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
