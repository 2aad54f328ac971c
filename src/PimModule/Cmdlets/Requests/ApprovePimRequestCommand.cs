using System.Management.Automation;

namespace PimModule.Cmdlets;

/// <summary>Approves pending requests (as a listed or default approver, never one's own); the first decision wins.</summary>
[Cmdlet(VerbsLifecycle.Approve, "PimRequest", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(PimRequest))]
public sealed class ApprovePimRequestCommand : PimCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    [ArgumentCompleter(typeof(RequestIdCompleter))]
    public string RequestId { get; set; } = "";

    /// <summary>The reason for the decision (required when the role's RequireApproverJustification is on).</summary>
    [Parameter(Position = 1)]
    public string? Justification { get; set; }

    protected override void ProcessPim()
    {
        var result = Store.Activations.Approve(RequestIds.Parse(RequestId), Justification, c => ShouldProcess(c.Target, c.Action));
        if (result is not null) WriteObject(result);
    }
}

/// <summary>Denies pending requests (as a listed or default approver, never one's own); the first decision wins.</summary>
[Cmdlet(VerbsLifecycle.Deny, "PimRequest", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(PimRequest))]
public sealed class DenyPimRequestCommand : PimCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    [ArgumentCompleter(typeof(RequestIdCompleter))]
    public string RequestId { get; set; } = "";

    /// <summary>The reason for the decision (required when the role's RequireApproverJustification is on).</summary>
    [Parameter(Position = 1)]
    public string? Justification { get; set; }

    protected override void ProcessPim()
    {
        var result = Store.Activations.Deny(RequestIds.Parse(RequestId), Justification, c => ShouldProcess(c.Target, c.Action));
        if (result is not null) WriteObject(result);
    }
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
