using System.Management.Automation;

namespace PimModule.Cmdlets;

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
        var result = Store.Activations.Cancel(RequestIds.Parse(RequestId), ShouldProcess);
        if (result is not null) WriteObject(result);
    }
}
