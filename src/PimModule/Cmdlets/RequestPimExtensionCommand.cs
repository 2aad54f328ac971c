using System.Management.Automation;

namespace PimModule.Cmdlets;

/// <summary>Asks an administrator to extend one's own assignment that ends within 14 days.</summary>
[Cmdlet(VerbsLifecycle.Request, "PimExtension", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, DefaultParameterSetName = ParameterSets.Assignment)]
[OutputType(typeof(PimRequest))]
public sealed class RequestPimExtensionCommand : PimCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = ParameterSets.Role, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("RoleName")]
    [ArgumentCompleter(typeof(RoleNameCompleter))]
    public PimRoleReference Role { get; set; } = null!;

    [Parameter(ParameterSetName = ParameterSets.Role, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ScopeCompleter))]
    public string? Scope { get; set; }

    /// <summary>Which of one's assignments of the role: Eligible (default) or Active.</summary>
    [Parameter(ParameterSetName = ParameterSets.Role)]
    public PimAssignmentType Type { get; set; } = PimAssignmentType.Eligible;

    [Parameter(Mandatory = true, ParameterSetName = ParameterSets.Assignment, ValueFromPipelineByPropertyName = true)]
    public Guid AssignmentId { get; set; }

    /// <summary>How long from approval the assignment should last; the role's maximum by default. A bare number counts days.</summary>
    [Parameter]
    [DurationTransformation("Days")]
    public TimeSpan? Duration { get; set; }

    [Parameter]
    public string? Justification { get; set; }

    protected override void ProcessPim()
    {
        var result = Store.Activations.RequestExtension(ParameterSetName == ParameterSets.Role ? Role : null, GivenScope(Scope), Type,
            ParameterSetName == ParameterSets.Assignment ? AssignmentId : null, Duration, Justification, ShouldProcess);
        if (result is not null) WriteObject(result);
    }
}
