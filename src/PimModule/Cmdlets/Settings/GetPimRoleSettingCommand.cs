using System.Management.Automation;

namespace PimModule.Cmdlets;

/// <summary>Shows the role settings (policy) of one, some (wildcards) or all roles.</summary>
[Cmdlet(VerbsCommon.Get, "PimRoleSetting")]
[OutputType(typeof(PimRoleSetting))]
public sealed class GetPimRoleSettingCommand : PimCmdlet
{
    private bool _any;

    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Name", "RoleName")]
    [SupportsWildcards]
    [ArgumentCompleter(typeof(RoleNameCompleter))]
    public PimRoleReference[]? Role { get; set; }

    protected override void ProcessPim()
    {
        if (Role is null) return;
        _any = true;
        var roles = RoleResolver.Resolve(this, Store, Role);
        if (roles.Count > 0) WriteObject(Store.Settings.List(roles), enumerateCollection: true);
    }

    protected override void EndPim()
    {
        if (!_any && Role is null) WriteObject(Store.Settings.List(), enumerateCollection: true);
    }
}

/// <summary>Turns -Role values into roles: names may be wildcards; a name or id that matches nothing is a non-terminating error.</summary>
internal static class RoleResolver
{
    public static List<PimRole> Resolve(PimCmdlet cmdlet, PimStore store, IEnumerable<PimRoleReference> references)
    {
        var result = new List<PimRole>();
        IReadOnlyList<PimRole>? all = null;
        foreach (var reference in references)
        {
            if (reference is null)
                throw PimErrors.RoleRequired("-Role holds an empty item.", null,
                    "Give role names, ids or role objects, without empty items.");
            if (reference.Id is null && reference.Name is { } name && WildcardPattern.ContainsWildcardCharacters(name))
            {
                all ??= store.Roles.List();
                result.AddRange(RoleMatcher.Match(all, name));
                continue;
            }
            try
            {
                result.Add(store.Roles.Resolve(reference));
            }
            catch (PimException e)
            {
                cmdlet.WriteError(PimCmdlet.ToErrorRecord(e));
            }
        }
        return result.DistinctBy(r => r.Id).ToList();
    }
}
