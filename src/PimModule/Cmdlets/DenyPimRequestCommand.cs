using System.Management.Automation;

namespace PimModule.Cmdlets;

/// <summary>Denies pending requests (as a listed or default approver, never one's own); the first decision wins.</summary>
[Cmdlet(VerbsLifecycle.Deny, "PimRequest", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(PimRequest))]
public sealed class DenyPimRequestCommand : PimDecisionCommandBase
{
    protected override PimRequest? Decide(Guid requestId, Func<PimChange, bool> confirm)
        => Store.Activations.Deny(requestId, Justification, confirm);
}
