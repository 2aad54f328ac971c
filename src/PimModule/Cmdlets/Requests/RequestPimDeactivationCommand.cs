using System.Management.Automation;

namespace PimModule.Cmdlets;

/// <summary>Ends one's own activation of a role (not in its first 5 minutes).</summary>
[Cmdlet(VerbsLifecycle.Request, "PimDeactivation", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, DefaultParameterSetName = "Assignment")]
[OutputType(typeof(PimRequest))]
public sealed class RequestPimDeactivationCommand : PimCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = "Role", ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("RoleName")]
    [ArgumentCompleter(typeof(RoleNameCompleter))]
    public PimRoleReference Role { get; set; } = null!;

    [Parameter(ParameterSetName = "Role", ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ScopeCompleter))]
    public string? Scope { get; set; }

    /// <summary>The activation to end (an assignment from Get-PimAssignment); it must be one's own.</summary>
    [Parameter(Mandatory = true, ParameterSetName = "Assignment", ValueFromPipelineByPropertyName = true)]
    public Guid AssignmentId { get; set; }

    protected override void ProcessPim()
    {
        var result = Store.Activations.RequestDeactivation(ParameterSetName == "Role" ? Role : null, Scope,
            ParameterSetName == "Assignment" ? AssignmentId : null, c => ShouldProcess(c.Target, c.Action));
        if (result is not null) WriteObject(result);
    }
}

/// <summary>Asks an administrator to extend one's own assignment that ends within 14 days.</summary>
[Cmdlet(VerbsLifecycle.Request, "PimExtension", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, DefaultParameterSetName = "Assignment")]
[OutputType(typeof(PimRequest))]
public sealed class RequestPimExtensionCommand : PimCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = "Role", ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("RoleName")]
    [ArgumentCompleter(typeof(RoleNameCompleter))]
    public PimRoleReference Role { get; set; } = null!;

    [Parameter(ParameterSetName = "Role", ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ScopeCompleter))]
    public string? Scope { get; set; }

    /// <summary>Which of one's assignments of the role: Eligible (default) or Active.</summary>
    [Parameter(ParameterSetName = "Role")]
    public PimAssignmentType Type { get; set; } = PimAssignmentType.Eligible;

    [Parameter(Mandatory = true, ParameterSetName = "Assignment", ValueFromPipelineByPropertyName = true)]
    public Guid AssignmentId { get; set; }

    /// <summary>How long from approval the assignment should last; the role's maximum by default. A bare number counts days.</summary>
    [Parameter]
    [DurationTransformation("Days")]
    public TimeSpan? Duration { get; set; }

    [Parameter]
    public string? Justification { get; set; }

    protected override void ProcessPim()
    {
        var result = Store.Activations.RequestExtension(ParameterSetName == "Role" ? Role : null, Scope, Type,
            ParameterSetName == "Assignment" ? AssignmentId : null, Duration, Justification, c => ShouldProcess(c.Target, c.Action));
        if (result is not null) WriteObject(result);
    }
}
