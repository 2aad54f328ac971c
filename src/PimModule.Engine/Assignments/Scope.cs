using System.Text.RegularExpressions;
using PimModule.Errors;
using PimModule.Validation;

namespace PimModule.Assignments;

/// <summary>
/// Directory scopes are paths: '/' is the whole directory; '/administrativeUnits/x' covers itself and what is
/// below it, on segment boundaries only ('/administrativeUnits/x2' is not under '/administrativeUnits/x').
/// Scopes compare case-insensitively.
/// </summary>
public static partial class Scope
{
    public const string Root = "/";

    [GeneratedRegex(@"^[A-Za-z0-9_\-~:@.]+\z")]
    private static partial Regex Segment();

    /// <summary>
    /// The scope a caller gives, trimmed: null (not given) is '/', the whole directory; an empty or blank scope is
    /// refused (PimScopeInvalid) — '/' must be given explicitly; at most 400 characters (PimInputTooLong).
    /// </summary>
    public static string Validate(string? text, string parameter = "Scope")
    {
        if (text is null) return Root;
        Input.Text(text, parameter, Input.ScopeLength, PimErrors.ScopeInvalid);
        var s = text.Trim();
        if (s.Length == 0)
            throw PimErrors.ScopeInvalid($"-{parameter} is empty. An empty scope is not taken as the whole directory: give '/' explicitly for the whole directory, " +
                "or leave the parameter (or CSV column) out.", text,
                "Give '/' for the whole directory, or a path such as '/administrativeUnits/<id>'.");
        string? why = null;
        if (!s.StartsWith('/')) why = "it must start with '/'";
        else if (s.Length > 1 && s.EndsWith('/')) why = "it must not end with '/'";
        else if (s.Length > 1)
        {
            foreach (var seg in s[1..].Split('/'))
            {
                if (seg.Length == 0) { why = "it has an empty segment ('//')"; break; }
                if (seg is "." or "..") { why = "'.' and '..' are not allowed"; break; }
                if (!Segment().IsMatch(seg)) { why = $"the segment '{Input.Preview(seg)}' has characters a scope cannot hold"; break; }
            }
        }
        if (why is not null)
            throw PimErrors.ScopeInvalid($"'{Input.Preview(text)}' is not a directory scope: {why}.", Input.Preview(text),
                "Give '/' for the whole directory, or a path such as '/administrativeUnits/<id>'.");
        return s;
    }

    /// <summary>True when an assignment at <paramref name="assigned"/> applies at <paramref name="target"/>.</summary>
    /// <summary>Whether <paramref name="text"/> is a scope as the module writes one (valid, and already in its one form): what a sealed record's scope must be.</summary>
    public static bool IsCanonical(string? text)
    {
        try { return text is not null && string.Equals(Validate(text), text, StringComparison.Ordinal); }
        catch (PimException) { return false; }
    }

    public static bool Covers(string assigned, string target)
    {
        if (assigned == Root) return true;
        if (string.Equals(assigned, target, StringComparison.OrdinalIgnoreCase)) return true;
        return target.Length > assigned.Length
               && target.StartsWith(assigned, StringComparison.OrdinalIgnoreCase)
               && target[assigned.Length] == '/';
    }
}
