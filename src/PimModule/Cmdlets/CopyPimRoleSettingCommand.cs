using System.Management.Automation;

namespace PimModule.Cmdlets;

/// <summary>Copies every setting (activation, assignment, notification) of one role to one or more others.</summary>
[Cmdlet(VerbsCommon.Copy, "PimRoleSetting", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(PimRoleSetting))]
public sealed class CopyPimRoleSettingCommand : PimCmdlet
{
    /// <summary>The role whose settings are copied.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [Alias("Source")]
    [ArgumentCompleter(typeof(RoleNameCompleter))]
    public PimRoleReference Role { get; set; } = null!;

    [Parameter(Mandatory = true, Position = 1, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Name", "RoleName")]
    [ArgumentCompleter(typeof(RoleNameCompleter))]
    public PimRoleReference[] Destination { get; set; } = [];

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessPim()
    {
        foreach (var destination in Destination)
        {
            try
            {
                var result = Store.Settings.Copy(Role, destination, ShouldProcess, WriteVerbose);
                if (PassThru && result is not null) WriteObject(result);
            }
            catch (PimException e) when (Destination.Length > 1 && e.ErrorId == PimErrors.IdOf(nameof(PimErrors.RoleNotFound)) && Equals(e.Target, destination.ToString()))
            {
                WriteError(ToErrorRecord(e)); // one unknown destination does not stop the others
            }
        }
    }
}
