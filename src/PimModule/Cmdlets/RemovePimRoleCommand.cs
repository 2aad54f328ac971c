using System.Management.Automation;

namespace PimModule.Cmdlets;

/// <summary>Removes a custom role (built-in roles cannot be removed; a role with live assignments is refused).</summary>
[Cmdlet(VerbsCommon.Remove, "PimRole", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(PimRole))]
public sealed class RemovePimRoleCommand : PimCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Name", "RoleName")]
    [ArgumentCompleter(typeof(RoleNameCompleter))]
    public PimRoleReference Role { get; set; } = null!;

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessPim()
    {
        var removed = Store.Roles.Remove(Role, ShouldProcess);
        if (PassThru && removed is not null) WriteObject(removed);
    }
}
