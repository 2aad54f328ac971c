using System.Management.Automation;

namespace PimModule.Cmdlets.Common;

/// <summary>Role names as PowerShell users match them: an exact name (case-insensitive, taken literally) or a wildcard.</summary>
internal static class RoleMatcher
{
    public static List<PimRole> Match(IEnumerable<PimRole> roles, string name)
    {
        var key = RoleName.Key(name, "Name");
        var exact = roles.Where(r => RoleName.Key(r.Name) == key).ToList();
        if (exact.Count > 0 || !WildcardPattern.ContainsWildcardCharacters(name)) return exact;
        var pattern = WildcardPattern.Get(name, WildcardOptions.IgnoreCase | WildcardOptions.CultureInvariant);
        try
        {
            return roles.Where(r => pattern.IsMatch(r.Name)).ToList();
        }
        catch (WildcardPatternException)
        {
            return exact; // an unbalanced '[' is taken literally, and matched nothing
        }
    }
}
