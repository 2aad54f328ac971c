using System.Management.Automation;

namespace PimModule.Cmdlets;

/// <summary>Lists access reviews (newest first), or one by id, optionally of some statuses.</summary>
[Cmdlet(VerbsCommon.Get, "PimAccessReview")]
[OutputType(typeof(PimAccessReview))]
public sealed class GetPimAccessReviewCommand : PimCmdlet
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(AccessReviewIdCompleter))]
    public Guid? ReviewId { get; set; }

    [Parameter]
    public PimAccessReviewStatus[]? Status { get; set; }

    protected override void ProcessPim()
    {
        var reviews = Store.Reviews.Get(ReviewId, Status);
        foreach (var r in reviews) WriteObject(r);
        if (reviews.Count == 0 && ReviewId is { } id && Status is null) WriteNotFound(PimErrors.AccessReviewNotFound(id));
    }
}
