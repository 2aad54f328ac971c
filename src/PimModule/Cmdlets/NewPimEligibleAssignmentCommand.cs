using System.Management.Automation;

namespace PimModule.Cmdlets;

/// <summary>Makes a principal eligible for a role: they may activate it when they need it.</summary>
[Cmdlet(VerbsCommon.New, "PimEligibleAssignment", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(PimAssignment))]
public sealed class NewPimEligibleAssignmentCommand : NewPimAssignmentCommandBase
{
    protected override PimAssignmentType AssignmentType => PimAssignmentType.Eligible;
}
