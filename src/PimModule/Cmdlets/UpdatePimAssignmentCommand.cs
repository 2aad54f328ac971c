using System.Management.Automation;

namespace PimModule.Cmdlets;

/// <summary>Changes when an assignment ends: update, extend, or renew one that expired within 30 days.</summary>
[Cmdlet(VerbsData.Update, "PimAssignment", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = ParameterSets.End)]
[OutputType(typeof(PimAssignment))]
public sealed class UpdatePimAssignmentCommand : PimCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    public Guid AssignmentId { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = ParameterSets.End)]
    [DateTimeTransformation]
    public DateTime? EndDateTime { get; set; }

    /// <summary>How long from now (or from its start, if it starts later) the assignment lasts.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ParameterSets.Duration)]
    [DurationTransformation("Days")]
    public TimeSpan? Duration { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = ParameterSets.Permanent)]
    public SwitchParameter Permanent { get; set; }

    [Parameter]
    public string? Justification { get; set; }

    [Parameter]
    public string? TicketNumber { get; set; }

    [Parameter]
    public string? TicketSystem { get; set; }

    /// <summary>The administrator's current MFA code, when the role requires MFA on active assignment and this extends or renews one.</summary>
    [Parameter]
    public string? MfaCode { get; set; }

    protected override void ProcessPim()
    {
        var result = Store.Assignments.Update(AssignmentId, new PimAssignmentChange
        {
            EndDateTime = EndDateTime, Duration = Duration, Permanent = Permanent.IsPresent, Justification = Justification,
            TicketNumber = TicketNumber, TicketSystem = TicketSystem, MfaCode = MfaCode,
        }, ShouldProcess);
        if (result is not null) WriteObject(result);
    }
}
