using System.Management.Automation;

namespace PimModule.Cmdlets;

/// <summary>Gives a principal a role actively, without activation (a direct active assignment).</summary>
[Cmdlet(VerbsCommon.New, "PimActiveAssignment", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(PimAssignment))]
public sealed class NewPimActiveAssignmentCommand : NewPimAssignmentCommandBase
{
    protected override PimAssignmentType AssignmentType => PimAssignmentType.Active;

    /// <summary>The administrator's current MFA code, when the role requires MFA on active assignment.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [AllowEmptyString, AllowNull]
    public string? MfaCode { get; set; }

    protected override string? MfaCodeValue => MfaCode;
}
