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
