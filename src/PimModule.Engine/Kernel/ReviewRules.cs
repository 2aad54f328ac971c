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

/// <summary>Why an access review's duration does not fit its schedule.</summary>
internal enum ReviewDurationRefusal
{
    /// <summary>A review is open at least <see cref="ReviewRules.MinDuration"/>.</summary>
    TooShort,
    /// <summary>Longer than its period: a one-time review's <see cref="ReviewRules.MaxDuration"/>, a recurring one's time to its next occurrence.</summary>
    TooLong,
}

/// <summary>
/// Who decides an access review item — the one rule Set-PimAccessReviewDecision and the state replay call: while the review
/// is open (not completed, before its end), a named reviewer on others' items, or in a self review each holder on their own.
/// </summary>
internal static class ReviewRules
{
    /// <summary>The shortest time a review is open.</summary>
    public static readonly TimeSpan MinDuration = TimeSpan.FromDays(1);

    /// <summary>The longest a one-time review may be open.</summary>
    public static readonly TimeSpan MaxDuration = TimeSpan.FromDays(180);

    /// <summary>The start of occurrence <paramref name="n"/> (1 = the first) of a series that started at <paramref name="anchor"/>.</summary>
    public static DateTime OccurrenceStart(DateTime anchor, PimAccessReviewRecurrence recurrence, int n) => recurrence switch
    {
        PimAccessReviewRecurrence.Weekly => anchor.AddDays(7.0 * (n - 1)),
        PimAccessReviewRecurrence.Monthly => anchor.AddMonths(n - 1),
        PimAccessReviewRecurrence.Quarterly => anchor.AddMonths(3 * (n - 1)),
        PimAccessReviewRecurrence.SemiAnnually => anchor.AddMonths(6 * (n - 1)),
        PimAccessReviewRecurrence.Annually => anchor.AddYears(n - 1),
        _ => anchor,
    };

    /// <summary>The longest an occurrence of a series anchored at <paramref name="anchor"/> may be open: a one-time review's maximum, else the time to the next occurrence.</summary>
    public static TimeSpan Period(DateTime anchor, PimAccessReviewRecurrence recurrence)
        => recurrence == PimAccessReviewRecurrence.None ? MaxDuration : OccurrenceStart(anchor, recurrence, 2) - anchor;

    /// <summary>Why <paramref name="duration"/> does not fit <paramref name="period"/>; null when it does.</summary>
    public static ReviewDurationRefusal? WhyDurationNot(TimeSpan duration, TimeSpan period)
        => duration < MinDuration ? ReviewDurationRefusal.TooShort : duration > period ? ReviewDurationRefusal.TooLong : null;

    /// <summary>
    /// Whether <paramref name="a"/> is under review in a review of <paramref name="roleId"/> and <paramref name="type"/> that
    /// starts at <paramref name="at"/>: a direct assignment (never an activation) of the role, of the type, in force then.
    /// </summary>
    public static bool IsReviewable(IHeld a, Guid roleId, PimAccessReviewAssignmentType type, DateTime at)
        => a.MemberType == PimMemberType.Direct && a.RoleId == roleId && a.InForce(at)
           && (type == PimAccessReviewAssignmentType.All || (a.Type == PimAssignmentType.Eligible) == (type == PimAccessReviewAssignmentType.Eligible));

    public static ReviewDecisionRefusal? WhyMayNotDecide(bool completed, DateTime end, bool selfReview, IEnumerable<string> reviewerKeys,
        string itemPrincipalKey, string actorKey, DateTime at)
        => completed ? ReviewDecisionRefusal.Completed
            : at >= end ? ReviewDecisionRefusal.Ended
            : selfReview ? (itemPrincipalKey == actorKey ? null : ReviewDecisionRefusal.NotOwnItem)
            : !reviewerKeys.Contains(actorKey, StringComparer.Ordinal) ? ReviewDecisionRefusal.NotReviewer
            : itemPrincipalKey == actorKey ? ReviewDecisionRefusal.OwnAssignment
            : null;
}
