using System.Management.Automation;

namespace PimModule.Cmdlets;

/// <summary>Approves pending requests (as a listed or default approver, never one's own); the first decision wins.</summary>
[Cmdlet(VerbsLifecycle.Approve, "PimRequest", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(PimRequest))]
public sealed class ApprovePimRequestCommand : PimDecisionCommandBase
{
    protected override PimRequest? Decide(Guid requestId, Func<PimChange, bool> confirm)
        => Store.Activations.Approve(requestId, Justification, confirm);
}
