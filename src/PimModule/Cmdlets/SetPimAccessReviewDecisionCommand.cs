using System.Management.Automation;

namespace PimModule.Cmdlets;

/// <summary>Records a reviewer's decision on access review items (from the pipeline): approve, deny or don't know, with a reason.</summary>
[Cmdlet(VerbsCommon.Set, "PimAccessReviewDecision", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(PimAccessReviewItem))]
public sealed class SetPimAccessReviewDecisionCommand : PimCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    public Guid ItemId { get; set; }

    [Parameter(Mandatory = true)]
    [ValidateSet(nameof(PimAccessReviewDecision.Approve), nameof(PimAccessReviewDecision.Deny), nameof(PimAccessReviewDecision.DontKnow))]
    public PimAccessReviewDecision Decision { get; set; }

    [Parameter(Mandatory = true)]
    public string Justification { get; set; } = "";

    protected override void ProcessPim()
    {
        var item = Store.Reviews.Decide(ItemId, Decision, Justification, ShouldProcess);
        if (item is not null) WriteObject(item);
    }
}
