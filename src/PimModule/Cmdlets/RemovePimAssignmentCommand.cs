using System.Management.Automation;

namespace PimModule.Cmdlets;

/// <summary>Removes eligible or active assignments (each through an AdminRemove request).</summary>
[Cmdlet(VerbsCommon.Remove, "PimAssignment", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(PimAssignment))]
public sealed class RemovePimAssignmentCommand : PimCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    public Guid AssignmentId { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessPim()
    {
        var removed = Store.Assignments.Remove(AssignmentId, ShouldProcess);
        if (PassThru && removed is not null) WriteObject(removed);
    }
}
