using System.Management.Automation;

namespace PimModule.Cmdlets;

/// <summary>Lists the items of access reviews (one per assignment under review), or only those waiting for the caller's decision.</summary>
[Cmdlet(VerbsCommon.Get, "PimAccessReviewItem")]
[OutputType(typeof(PimAccessReviewItem))]
public sealed class GetPimAccessReviewItemCommand : PimCmdlet
{
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(AccessReviewIdCompleter))]
    public Guid? ReviewId { get; set; }

    /// <summary>Only the items of open reviews the acting principal may decide and has not.</summary>
    [Parameter]
    public SwitchParameter PendingMyDecision { get; set; }

    protected override void ProcessPim()
    {
        IReadOnlyList<PimAccessReviewItem> items;
        try
        {
            items = Store.Reviews.GetItems(ReviewId, PendingMyDecision.IsPresent);
        }
        catch (PimException e) when (e.ErrorId == PimErrors.IdOf(nameof(PimErrors.AccessReviewNotFound)))
        {
            WriteNotFound(e);
            return;
        }
        foreach (var i in items) WriteObject(i);
    }
}
