using System.Management.Automation;

namespace PimModule.Cmdlets;

/// <summary>Lists the role catalogue: built-in Entra roles and custom roles, by name (wildcards) or id.</summary>
[Cmdlet(VerbsCommon.Get, "PimRole", DefaultParameterSetName = ParameterSets.Name)]
[OutputType(typeof(PimRole))]
public sealed class GetPimRoleCommand : PimCmdlet
{
    private IReadOnlyList<PimRole>? _roles;

    [Parameter(Position = 0, ParameterSetName = ParameterSets.Name, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(RoleNameCompleter))]
    public string[]? Name { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = ParameterSets.Id, ValueFromPipelineByPropertyName = true)]
    [Alias("RoleId")]
    public Guid[] Id { get; set; } = [];

    protected override void ProcessPim()
    {
        var roles = _roles ??= Store.Roles.List();
        if (ParameterSetName == ParameterSets.Id)
        {
            foreach (var id in Id)
            {
                var role = roles.FirstOrDefault(r => r.Id == id);
                if (role is null) WriteNotFound(PimErrors.RoleNotFound(new PimRoleReference(id)));
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
                WriteNotFound(PimErrors.RoleNotFound(new PimRoleReference(name)));
                continue;
            }
            foreach (var role in matches)
                if (seen.Add(role.Id)) WriteObject(role);
        }
    }
}
