using System.Management.Automation;

namespace PimModule.Cmdlets;

/// <summary>What Approve-PimRequest and Deny-PimRequest share: the request (by id or from the pipeline) and the reason.</summary>
public abstract class PimDecisionCommandBase : PimCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    [ArgumentCompleter(typeof(RequestIdCompleter))]
    public string RequestId { get; set; } = "";

    /// <summary>The reason for the decision (required when the role's RequireApproverJustification is on).</summary>
    [Parameter(Position = 1)]
    public string? Justification { get; set; }

    protected abstract PimRequest? Decide(Guid requestId, Func<PimChange, bool> confirm);

    protected override void ProcessPim()
    {
        var result = Decide(RequestIds.Parse(RequestId), ShouldProcess);
        if (result is not null) WriteObject(result);
    }
}
