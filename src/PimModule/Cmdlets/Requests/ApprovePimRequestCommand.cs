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
        var result = Decide(RequestIds.Parse(RequestId), c => ShouldProcess(c.Target, c.Action));
        if (result is not null) WriteObject(result);
    }
}

/// <summary>Approves pending requests (as a listed or default approver, never one's own); the first decision wins.</summary>
[Cmdlet(VerbsLifecycle.Approve, "PimRequest", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(PimRequest))]
public sealed class ApprovePimRequestCommand : PimDecisionCommandBase
{
    protected override PimRequest? Decide(Guid requestId, Func<PimChange, bool> confirm)
        => Store.Activations.Approve(requestId, Justification, confirm);
}

/// <summary>Denies pending requests (as a listed or default approver, never one's own); the first decision wins.</summary>
[Cmdlet(VerbsLifecycle.Deny, "PimRequest", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(PimRequest))]
public sealed class DenyPimRequestCommand : PimDecisionCommandBase
{
    protected override PimRequest? Decide(Guid requestId, Func<PimChange, bool> confirm)
        => Store.Activations.Deny(requestId, Justification, confirm);
}

/// <summary>Cancels one's own pending request.</summary>
[Cmdlet(VerbsLifecycle.Stop, "PimRequest", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(PimRequest))]
public sealed class StopPimRequestCommand : PimCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    [ArgumentCompleter(typeof(RequestIdCompleter))]
    public string RequestId { get; set; } = "";

    protected override void ProcessPim()
    {
        var result = Store.Activations.Cancel(RequestIds.Parse(RequestId), c => ShouldProcess(c.Target, c.Action));
        if (result is not null) WriteObject(result);
    }
}
