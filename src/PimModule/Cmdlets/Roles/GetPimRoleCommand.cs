using System.Management.Automation;

namespace PimModule.Cmdlets;

/// <summary>Lists the role catalogue: built-in Entra roles and custom roles, by name (wildcards) or id.</summary>
[Cmdlet(VerbsCommon.Get, "PimRole", DefaultParameterSetName = NameSet)]
[OutputType(typeof(PimRole))]
public sealed class GetPimRoleCommand : PimCmdlet
{
    private const string NameSet = "Name";
    private const string IdSet = "Id";
    private IReadOnlyList<PimRole>? _roles;

    [Parameter(Position = 0, ParameterSetName = NameSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(RoleNameCompleter))]
    public string[]? Name { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = IdSet, ValueFromPipelineByPropertyName = true)]
    [Alias("RoleId")]
    public Guid[] Id { get; set; } = [];

    protected override void ProcessPim()
    {
        var roles = _roles ??= Store.Roles.List();
        if (ParameterSetName == IdSet)
        {
            foreach (var id in Id)
            {
                var role = roles.FirstOrDefault(r => r.Id == id);
                if (role is null) WriteNotFound(PimErrors.RoleNotFound($"There is no role with id '{id}' in the store.", id, "Check the id with Get-PimRole."));
                else WriteObject(role);
            }
            return;
        }
        if (Name is null || Name.Length == 0)
        {
            WriteObject(roles, enumerateCollection: true);
            return;
        }
        var seen = new HashSet<Guid>();
        foreach (var name in Name)
        {
            var matches = RoleMatcher.Match(roles, name);
            if (matches.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(name))
            {
                WriteNotFound(PimErrors.RoleNotFound($"There is no role named '{name}'.", name,
                    "Check the name (Get-PimRole lists them all; wildcards such as 'Security*' work), or use -Id."));
                continue;
            }
            foreach (var role in matches)
                if (seen.Add(role.Id)) WriteObject(role);
        }
    }
}

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
