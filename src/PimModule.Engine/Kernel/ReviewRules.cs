namespace PimModule.Kernel;

/// <summary>Why a principal may not decide an access review item.</summary>
internal enum ReviewDecisionRefusal
{
    /// <summary>The review was completed: its decisions were applied.</summary>
    Completed,
    /// <summary>The review's end has passed.</summary>
    Ended,
    /// <summary>A self review: each holder decides only on their own item.</summary>
    NotOwnItem,
    /// <summary>Not one of the review's named reviewers.</summary>
    NotReviewer,
    /// <summary>A reviewer never decides on their own assignment.</summary>
    OwnAssignment,
}

/// <summary>
/// Who decides an access review item — the one rule Set-PimAccessReviewDecision and the state replay call: while the review
/// is open (not completed, before its end), a named reviewer on others' items, or in a self review each holder on their own.
/// </summary>
internal static class ReviewRules
{
    public static ReviewDecisionRefusal? WhyMayNotDecide(bool completed, DateTime end, bool selfReview, IEnumerable<string> reviewerKeys,
        string itemPrincipalKey, string actorKey, DateTime at)
        => completed ? ReviewDecisionRefusal.Completed
            : at >= end ? ReviewDecisionRefusal.Ended
            : selfReview ? (itemPrincipalKey == actorKey ? null : ReviewDecisionRefusal.NotOwnItem)
            : !reviewerKeys.Contains(actorKey, StringComparer.Ordinal) ? ReviewDecisionRefusal.NotReviewer
            : itemPrincipalKey == actorKey ? ReviewDecisionRefusal.OwnAssignment
            : null;
}
