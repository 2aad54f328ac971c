using System.Management.Automation;

namespace PimModule.Cmdlets;

/// <summary>Activates a role one is eligible for, just in time; -WhatIf says whether it would pass and which rule blocks it.</summary>
[Cmdlet(VerbsLifecycle.Request, "PimActivation", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(PimRequest))]
public sealed class RequestPimActivationCommand : PimCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("RoleName")]
    [ArgumentCompleter(typeof(RoleNameCompleter))]
    public PimRoleReference Role { get; set; } = null!;

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ScopeCompleter))]
    public string? Scope { get; set; }

    /// <summary>How long the role stays active; the role's maximum by default. A bare number counts hours.</summary>
    [Parameter]
    [DurationTransformation("Hours")]
    public TimeSpan? Duration { get; set; }

    [Parameter]
    public string? Justification { get; set; }

    [Parameter]
    public string? TicketNumber { get; set; }

    [Parameter]
    public string? TicketSystem { get; set; }

    [Parameter]
    public string? MfaCode { get; set; }

    [Parameter]
    [DateTimeTransformation]
    public DateTime? StartDateTime { get; set; }

    protected override void ProcessPim()
    {
        var input = new PimActivationInput
        {
            Role = Role, Scope = GivenScope(Scope), Duration = Duration, Justification = Justification, TicketNumber = TicketNumber,
            TicketSystem = TicketSystem, MfaCode = MfaCode, StartDateTime = StartDateTime,
        };
        var (_, message, _) = Store.Activations.CheckActivation(input);
        if (!ShouldProcess($"'{Input.Preview(Role.ToString(), Input.RoleNameLength)}' for {Store.Principal}", message)) return;
        var request = Store.Activations.RequestActivation(input);
        if (request is null) return;
        if (request.Status == PimRequestStatus.PendingApproval)
            WriteVerbose($"Request {request.RequestId} waits for approval; see it with Get-PimRequest -RequestId {request.RequestId}.");
        WriteObject(request);
    }
}
