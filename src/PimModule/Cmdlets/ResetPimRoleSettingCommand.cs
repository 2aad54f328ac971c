using System.Management.Automation;

namespace PimModule.Cmdlets;

/// <summary>Puts a role's settings back to Entra's defaults.</summary>
[Cmdlet(VerbsCommon.Reset, "PimRoleSetting", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(PimRoleSetting))]
public sealed class ResetPimRoleSettingCommand : PimCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Name", "RoleName")]
    [ArgumentCompleter(typeof(RoleNameCompleter))]
    public PimRoleReference Role { get; set; } = null!;

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessPim()
    {
        var result = Store.Settings.Reset(Role, ShouldProcess, WriteVerbose);
        if (PassThru && result is not null) WriteObject(result);
    }
}
