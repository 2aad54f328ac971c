using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace PimModule.Audit;

/// <summary>
/// The JSON Canonicalization Scheme (RFC 8785) for the values the store seals and exports: objects with their members
/// sorted by the UTF-16 code units of their names, no white space, strings escaped as ECMAScript's JSON.stringify does,
/// numbers as integers (the store writes no fractions; a fraction is refused rather than written two ways).
/// </summary>
internal static class CanonicalJson
{
    public static byte[] Serialize(JsonNode? node)
    {
        var sb = new StringBuilder();
        Write(sb, node);
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    public static string SerializeToString(JsonNode? node)
    {
        var sb = new StringBuilder();
        Write(sb, node);
        return sb.ToString();
    }

    private static void Write(StringBuilder sb, JsonNode? node)
    {
        switch (node)
        {
            case null:
                sb.Append("null");
                break;
            case JsonObject o:
                sb.Append('{');
                var first = true;
                foreach (var (name, value) in o.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    if (!first) sb.Append(',');
                    first = false;
                    WriteString(sb, name);
                    sb.Append(':');
                    Write(sb, value);
                }
                sb.Append('}');
                break;
            case JsonArray a:
                sb.Append('[');
                for (var i = 0; i < a.Count; i++)
                {
                    if (i > 0) sb.Append(',');
                    Write(sb, a[i]);
                }
                sb.Append(']');
                break;
            case JsonValue v:
                WriteValue(sb, v);
                break;
        }
    }

    private static void WriteValue(StringBuilder sb, JsonValue v)
    {
        if (v.TryGetValue<string>(out var s)) { WriteString(sb, s); return; }
        if (v.TryGetValue<bool>(out var b)) { sb.Append(b ? "true" : "false"); return; }
        if (v.TryGetValue<long>(out var l)) { WriteInteger(sb, l); return; }
        if (v.TryGetValue<int>(out var i)) { WriteInteger(sb, i); return; }
        if (v.TryGetValue<double>(out var d) && d == Math.Floor(d) && Math.Abs(d) <= 9007199254740991d) { WriteInteger(sb, (long)d); return; }
        if (v.TryGetValue<decimal>(out var m) && m == decimal.Truncate(m) && Math.Abs(m) <= 9007199254740991m) { WriteInteger(sb, (long)m); return; }
        throw new ArgumentException($"Canonical JSON here holds strings, booleans and integers within ±2^53, not {v.ToJsonString()}.");
    }

    private static void WriteInteger(StringBuilder sb, long value)
    {
        if (Math.Abs(value) > 9007199254740991L) throw new ArgumentException("An integer beyond ±2^53 has no exact JSON number.");
        sb.Append(value.ToString(CultureInfo.InvariantCulture));
    }

    private static void WriteString(StringBuilder sb, string s)
    {
        sb.Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    if (c < 0x20) sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else sb.Append(c);
                    break;
            }
        }
        sb.Append('"');
    }
}
