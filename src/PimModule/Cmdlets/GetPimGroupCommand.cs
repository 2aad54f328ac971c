using System.Management.Automation;

namespace PimModule.Cmdlets;

/// <summary>Lists the groups of the directory: by display name (wildcards), by object id, or all.</summary>
[Cmdlet(VerbsCommon.Get, "PimGroup", DefaultParameterSetName = ParameterSets.Name)]
[OutputType(typeof(PimGroup))]
public sealed class GetPimGroupCommand : PimCmdlet
{
    private IReadOnlyList<PimGroup>? _all;

    /// <summary>Display names; wildcards allowed.</summary>
    [Parameter(Position = 0, ParameterSetName = ParameterSets.Name, ValueFromPipeline = true)]
    [Alias("DisplayName", "Group")]
    [ArgumentCompleter(typeof(GroupNameCompleter))]
    [SupportsWildcards]
    public string[]? Name { get; set; }

    /// <summary>Object ids.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ParameterSets.Id, ValueFromPipelineByPropertyName = true)]
    [Alias("ObjectId", "GroupId")]
    public Guid[] Id { get; set; } = [];

    /// <summary>Only the groups that may hold roles.</summary>
    [Parameter(ParameterSetName = ParameterSets.Name)]
    public SwitchParameter IsAssignableToRole { get; set; }

    protected override void ProcessPim()
    {
        var all = _all ??= Store.Groups.List();
        if (ParameterSetName == ParameterSets.Id)
        {
            foreach (var id in Id)
            {
                var g = all.FirstOrDefault(x => x.Id == id);
                if (g is null) WriteNotFound(PimErrors.GroupNotFound($"No group has the id {id}.", id, "Check the id with Get-PimGroup."));
                else WriteObject(g);
            }
            return;
        }
        var listed = IsAssignableToRole ? all.Where(g => g.IsAssignableToRole).ToList() : all;
        if (Name is null || Name.Length == 0)
        {
            WriteObject(listed, enumerateCollection: true);
            return;
        }
        var seen = new HashSet<Guid>();
        foreach (var name in Name)
        {
            var matches = Match(listed, name);
            if (matches.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(name))
            {
                WriteNotFound(PimErrors.GroupNotFound($"No group is named '{name}'.", name, "Check the name with Get-PimGroup, or create the group (New-PimGroup)."));
                continue;
            }
            foreach (var g in matches)
                if (seen.Add(g.Id)) WriteObject(g);
        }
    }

    /// <summary>As other names are matched: an exact name (case-insensitive, literal) first; else a wildcard; an invalid wildcard matches only itself.</summary>
    private static List<PimGroup> Match(IReadOnlyList<PimGroup> all, string name)
    {
        var exact = all.Where(g => string.Equals(g.DisplayName, name, StringComparison.OrdinalIgnoreCase) || string.Equals(g.Key, name, StringComparison.OrdinalIgnoreCase)).ToList();
        if (exact.Count > 0 || !WildcardPattern.ContainsWildcardCharacters(name)) return exact;
        try
        {
            var pattern = WildcardPattern.Get(name, WildcardOptions.IgnoreCase | WildcardOptions.CultureInvariant);
            return all.Where(g => pattern.IsMatch(g.DisplayName)).ToList();
        }
        catch (WildcardPatternException)
        {
            return exact;
        }
    }
}
