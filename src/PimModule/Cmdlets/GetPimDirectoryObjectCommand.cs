using System.Management.Automation;

namespace PimModule.Cmdlets;

/// <summary>Lists the imported directory objects (users): object id, user principal name, display name.</summary>
[Cmdlet(VerbsCommon.Get, "PimDirectoryObject", DefaultParameterSetName = ParameterSets.Name)]
[OutputType(typeof(PimDirectoryObject))]
public sealed class GetPimDirectoryObjectCommand : PimCmdlet
{
    private IReadOnlyList<PimDirectoryObject>? _all;

    /// <summary>User principal names or display names; wildcards allowed.</summary>
    [Parameter(Position = 0, ParameterSetName = ParameterSets.Name, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("UserPrincipalName", "Principal")]
    [SupportsWildcards]
    public string[]? Name { get; set; }

    /// <summary>Object ids.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ParameterSets.Id, ValueFromPipelineByPropertyName = true)]
    [Alias("ObjectId", "PrincipalId", "UserId")]
    public Guid[] Id { get; set; } = [];

    protected override void ProcessPim()
    {
        var all = _all ??= Store.Directory.List();
        if (ParameterSetName == ParameterSets.Id)
        {
            foreach (var id in Id)
            {
                var o = all.FirstOrDefault(x => x.Id == id);
                if (o is null)
                    WriteNotFound(PimErrors.DirectoryObjectNotFound($"No imported directory object has the id {id}.", id,
                        "Import the tenant's users (Import-PimDirectoryObject), or check the id."));
                else WriteObject(o);
            }
            return;
        }
        if (Name is null || Name.Length == 0)
        {
            WriteObject(all, enumerateCollection: true);
            return;
        }
        var seen = new HashSet<Guid>();
        foreach (var name in Name)
        {
            var matches = Match(all, name);
            if (matches.Count == 0 && (!WildcardPattern.ContainsWildcardCharacters(name) || !IsWildcard(name)))
            {
                WriteNotFound(PimErrors.DirectoryObjectNotFound($"No imported directory object is '{name}'.", name,
                    "Check the name with Get-PimDirectoryObject, or import the tenant's users (Import-PimDirectoryObject)."));
                continue;
            }
            foreach (var o in matches)
                if (seen.Add(o.Id)) WriteObject(o);
        }
    }

    /// <summary>
    /// As role names are matched (RoleMatcher): an exact name, case-insensitive and taken literally, first; else a wildcard.
    /// A name that is not a valid wildcard (an unbalanced '[') is taken literally, and matches only itself.
    /// </summary>
    private static bool IsWildcard(string name)
    {
        try { WildcardPattern.Get(name, WildcardOptions.None).IsMatch(""); return true; }
        catch (WildcardPatternException) { return false; }
    }

    private static List<PimDirectoryObject> Match(IReadOnlyList<PimDirectoryObject> all, string name)
    {
        bool Literal(string? s) => s is not null && string.Equals(s, name, StringComparison.OrdinalIgnoreCase);
        var exact = all.Where(o => Literal(o.UserPrincipalName) || Literal(o.DisplayName)).ToList();
        if (exact.Count > 0 || !WildcardPattern.ContainsWildcardCharacters(name)) return exact;
        try
        {
            var pattern = WildcardPattern.Get(name, WildcardOptions.IgnoreCase | WildcardOptions.CultureInvariant);
            return all.Where(o => pattern.IsMatch(o.UserPrincipalName) || (o.DisplayName is { } d && pattern.IsMatch(d))).ToList();
        }
        catch (WildcardPatternException)
        {
            return exact; // an unbalanced '[' is taken literally, and matched nothing
        }
    }
}
