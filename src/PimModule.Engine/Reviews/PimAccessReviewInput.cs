namespace PimModule.Reviews;

/// <summary>What New-PimAccessReview asks for.</summary>
public sealed class PimAccessReviewInput
{
    public PimRoleReference Role { get; init; } = null!;
    public PimAccessReviewAssignmentType AssignmentType { get; init; } = PimAccessReviewAssignmentType.Eligible;
    /// <summary>The named reviewers (principals or directory object ids); none with <see cref="SelfReview"/>.</summary>
    public IReadOnlyList<string>? Reviewers { get; init; }
    public bool SelfReview { get; init; }
    /// <summary>How long each occurrence is open; null = 14 days (at most the recurrence's period).</summary>
    public TimeSpan? Duration { get; init; }
    public PimAccessReviewRecurrence Recurrence { get; init; }
    public PimAccessReviewDefaultDecision DefaultDecision { get; init; }
    public bool AutoApply { get; init; }
}
