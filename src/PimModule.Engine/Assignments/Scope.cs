using System.Text.RegularExpressions;

namespace PimModule;

/// <summary>
/// Directory scopes are paths: '/' is the whole directory; '/administrativeUnits/x' covers itself and what is
/// below it, on segment boundaries only ('/administrativeUnits/x2' is not under '/administrativeUnits/x').
/// Scopes compare case-insensitively.
/// </summary>
public static partial class Scope
{
    public const string Root = "/";

    [GeneratedRegex(@"^[A-Za-z0-9_\-~:@.]+$")]
    private static partial Regex Segment();

    public static string Validate(string? text)
    {
        var s = text?.Trim();
        if (string.IsNullOrEmpty(s)) return Root;
        string? why = null;
        if (!s.StartsWith('/')) why = "it must start with '/'";
        else if (s.Length > 1 && s.EndsWith('/')) why = "it must not end with '/'";
        else if (s.Length > 1)
        {
            foreach (var seg in s[1..].Split('/'))
            {
                if (seg.Length == 0) { why = "it has an empty segment ('//')"; break; }
                if (seg is "." or "..") { why = "'.' and '..' are not allowed"; break; }
                if (!Segment().IsMatch(seg)) { why = $"the segment '{seg}' has characters a scope cannot hold"; break; }
            }
        }
        if (why is not null)
            throw new PimException("PimScopeInvalid", PimErrorCategory.InvalidArgument,
                $"'{text}' is not a directory scope: {why}.", text,
                "Give '/' for the whole directory, or a path such as '/administrativeUnits/<id>'.");
        return s;
    }

    /// <summary>True when an assignment at <paramref name="assigned"/> applies at <paramref name="target"/>.</summary>
    public static bool Covers(string assigned, string target)
    {
        if (assigned == Root) return true;
        if (string.Equals(assigned, target, StringComparison.OrdinalIgnoreCase)) return true;
        return target.Length > assigned.Length
               && target.StartsWith(assigned, StringComparison.OrdinalIgnoreCase)
               && target[assigned.Length] == '/';
    }
}
