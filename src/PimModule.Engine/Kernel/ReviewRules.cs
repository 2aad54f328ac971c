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

/// <summary>Why an occurrence of an access review may not start as it is.</summary>
internal enum ReviewOccurrenceRefusal
{
    /// <summary>A review starts when it is made (within the time rule's skew).</summary>
    NotStartedWhenMade,
    /// <summary>Its duration is shorter than a day or longer than its period (<see cref="ReviewRules.WhyDurationNot"/>).</summary>
    DurationNotADayToItsPeriod,
    /// <summary>It is open longer than its duration.</summary>
    OpenLongerThanItsDuration,
    /// <summary>This occurrence of its series, or a later one, started already.</summary>
    StartedAlready,
    /// <summary>A series starts with its first occurrence, and only once.</summary>
    FirstOccurrenceOnce,
    /// <summary>A later occurrence has its series' role, assignment type, recurrence and duration, and a series recurs.</summary>
    NotOfItsSeries,
}

/// <summary>Why a review's reviewers are not one of its two kinds.</summary>
internal enum ReviewersRefusal
{
    /// <summary>Both named reviewers and a self review.</summary>
    Both,
    /// <summary>Neither named reviewers nor a self review: nobody reviews.</summary>
    Neither,
}

/// <summary>An occurrence of an access review as its schedule has it (what <see cref="ReviewRules.DecideOccurrence"/> judges).</summary>
internal sealed record ReviewOccurrence(Guid RoleId, PimAccessReviewAssignmentType AssignmentType, PimAccessReviewRecurrence Recurrence, TimeSpan Duration,
    int Occurrence, DateTime Start, DateTime End);

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

    /// <summary>
    /// Why an occurrence made at <paramref name="madeAt"/> may not start, after the <paramref name="earlier"/> occurrences of
    /// its series (in their order) — the one rule New-PimAccessReview, the recurrences Invoke-PimMaintenance starts and the
    /// state replay call: it starts when it is made; it is open from a day up to its period (measured from the series' first
    /// start), and no longer than its duration; a series starts with occurrence 1, once; a later occurrence comes after the
    /// latest, with the series' role, assignment type, recurrence and duration. Null when it may start.
    /// </summary>
    public static ReviewOccurrenceRefusal? DecideOccurrence(ReviewOccurrence asked, IReadOnlyList<ReviewOccurrence> earlier, DateTime madeAt)
    {
        if ((asked.Start - madeAt).Duration() > TimeRule.Skew) return ReviewOccurrenceRefusal.NotStartedWhenMade;
        var anchor = earlier.Count > 0 ? earlier[0].Start : asked.Start;
        if (asked.End <= asked.Start || WhyDurationNot(asked.Duration, Period(anchor, asked.Recurrence)) is not null) return ReviewOccurrenceRefusal.DurationNotADayToItsPeriod;
        if (asked.End - asked.Start > asked.Duration + TimeRule.Skew) return ReviewOccurrenceRefusal.OpenLongerThanItsDuration;
        if (earlier.Any(e => e.Occurrence >= asked.Occurrence)) return ReviewOccurrenceRefusal.StartedAlready;
        if (asked.Occurrence == 1 != (earlier.Count == 0)) return ReviewOccurrenceRefusal.FirstOccurrenceOnce;
        if (earlier.Count > 0 && (earlier[^1] is var latest && (latest.RoleId, latest.AssignmentType, latest.Recurrence, latest.Duration)
                                  != (asked.RoleId, asked.AssignmentType, asked.Recurrence, asked.Duration) || asked.Recurrence == PimAccessReviewRecurrence.None))
            return ReviewOccurrenceRefusal.NotOfItsSeries;
        return null;
    }

    /// <summary>Why a review with <paramref name="reviewers"/> named reviewers is not a review of named reviewers, or a self review (one of them, not both); null when it is.</summary>
    public static ReviewersRefusal? WhyReviewersNot(bool selfReview, int reviewers)
        => selfReview && reviewers > 0 ? ReviewersRefusal.Both : !selfReview && reviewers == 0 ? ReviewersRefusal.Neither : null;

    /// <summary>
    /// Why <paramref name="actorKey"/> may not decide an item now. <paramref name="actorInItemGroup"/>: the item's principal is a
    /// group the actor is a direct member of — its assignment is one they hold through it, so it is their own.
    /// </summary>
    public static ReviewDecisionRefusal? WhyMayNotDecide(bool completed, DateTime end, bool selfReview, IEnumerable<string> reviewerKeys,
        string itemPrincipalKey, string actorKey, DateTime at, bool actorInItemGroup = false)
        => completed ? ReviewDecisionRefusal.Completed
            : at >= end ? ReviewDecisionRefusal.Ended
            : selfReview ? (itemPrincipalKey == actorKey ? null : ReviewDecisionRefusal.NotOwnItem)
            : !reviewerKeys.Contains(actorKey, StringComparer.Ordinal) ? ReviewDecisionRefusal.NotReviewer
            : itemPrincipalKey == actorKey || actorInItemGroup ? ReviewDecisionRefusal.OwnAssignment
            : null;
}
