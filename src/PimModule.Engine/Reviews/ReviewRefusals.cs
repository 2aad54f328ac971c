using PimModule.Kernel;

namespace PimModule.Reviews;

/// <summary>
/// What an access review's refusals say in a record that counts for nothing (Test-PimAuditLog's reason), beside the
/// ErrorRecords the writer makes of the same kernel refusals (AccessReviewService).
/// </summary>
internal static class ReviewRefusals
{
    /// <summary>Why an occurrence of a review counts for nothing (<see cref="ReviewRules.DecideOccurrence"/>).</summary>
    public static string Reason(ReviewOccurrenceRefusal refusal, ReviewOccurrence asked) => refusal switch
    {
        ReviewOccurrenceRefusal.NotStartedWhenMade => "a review starts when it is made",
        ReviewOccurrenceRefusal.DurationNotADayToItsPeriod => $"its duration {asked.Duration:c} is not a day to its period",
        ReviewOccurrenceRefusal.OpenLongerThanItsDuration => "it is open longer than its duration",
        ReviewOccurrenceRefusal.StartedAlready => $"occurrence {asked.Occurrence} of the series exists already (or a later one)",
        ReviewOccurrenceRefusal.FirstOccurrenceOnce => "a series starts with its first occurrence, and only once",
        _ => "a later occurrence is of its series' role, type, recurrence and duration",
    };

    /// <summary>Why a decision on a review item counts for nothing (<see cref="ReviewRules.WhyMayNotDecide"/>).</summary>
    public static string Reason(ReviewDecisionRefusal refusal, string actor, string holder) => refusal switch
    {
        ReviewDecisionRefusal.Completed => "the review was completed",
        ReviewDecisionRefusal.Ended => "the review had ended",
        ReviewDecisionRefusal.NotOwnItem => $"{actor} decided on {holder}'s item of a self review",
        ReviewDecisionRefusal.NotReviewer => $"{actor} was not a reviewer of the review",
        _ => "reviewers never decide on their own assignment",
    };
}
