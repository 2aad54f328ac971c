using System.Management.Automation;

namespace PimModule.Cmdlets;

/// <summary>Completes access reviews and applies their decisions: denied assignments are removed (AdminRemove requests), approved ones kept.</summary>
[Cmdlet(VerbsLifecycle.Complete, "PimAccessReview", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(PimAccessReview))]
public sealed class CompletePimAccessReviewCommand : PimCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(AccessReviewIdCompleter))]
    public Guid ReviewId { get; set; }

    protected override void ProcessPim()
    {
        var review = Store.Reviews.Complete(ReviewId, ShouldProcess);
        if (review is not null) WriteObject(review);
    }
}
