using System.Management.Automation;

namespace PimModule.Cmdlets;

/// <summary>Ends one's own activation of a role (not in its first 5 minutes).</summary>
[Cmdlet(VerbsLifecycle.Request, "PimDeactivation", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low, DefaultParameterSetName = ParameterSets.Assignment)]
[OutputType(typeof(PimRequest))]
public sealed class RequestPimDeactivationCommand : PimCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = ParameterSets.Role, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("RoleName")]
    [ArgumentCompleter(typeof(RoleNameCompleter))]
    public PimRoleReference Role { get; set; } = null!;

    [Parameter(ParameterSetName = ParameterSets.Role, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(ScopeCompleter))]
    public string? Scope { get; set; }

    /// <summary>The activation to end (an assignment from Get-PimAssignment); it must be one's own.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ParameterSets.Assignment, ValueFromPipelineByPropertyName = true)]
    public Guid AssignmentId { get; set; }

    protected override void ProcessPim()
    {
        var result = Store.Activations.RequestDeactivation(ParameterSetName == ParameterSets.Role ? Role : null, GivenScope(Scope),
            ParameterSetName == ParameterSets.Assignment ? AssignmentId : null, ShouldProcess);
        if (result is not null) WriteObject(result);
    }
}
