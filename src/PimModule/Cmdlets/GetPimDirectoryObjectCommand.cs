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
            var pattern = new WildcardPattern(name, WildcardOptions.IgnoreCase | WildcardOptions.CultureInvariant);
            var matches = all.Where(o => pattern.IsMatch(o.UserPrincipalName) || (o.DisplayName is { } d && pattern.IsMatch(d))).ToList();
            if (matches.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(name))
            {
                WriteNotFound(PimErrors.DirectoryObjectNotFound($"No imported directory object is '{name}'.", name,
                    "Check the name with Get-PimDirectoryObject, or import the tenant's users (Import-PimDirectoryObject)."));
                continue;
            }
            foreach (var o in matches)
                if (seen.Add(o.Id)) WriteObject(o);
        }
    }
}
