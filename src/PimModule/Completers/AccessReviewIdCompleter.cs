namespace PimModule.Completers;

/// <summary>Completes the ids of access reviews not completed yet (newest first).</summary>
public sealed class AccessReviewIdCompleter : PimArgumentCompleter
{
    protected override IEnumerable<(string Text, string Tooltip)> Candidates()
        => Store.Reviews.Get(status: [PimAccessReviewStatus.InProgress, PimAccessReviewStatus.Ended])
            .Select(r => (r.ReviewId.ToString(), $"{r.Role} ({r.Status}, until {r.EndDateTime:u}, {r.NotReviewedCount} of {r.ItemCount} not reviewed)"));
}
