using PimModule.Storage;

namespace PimModule.Audit.Events;

/// <summary>An item of an access review as its start keeps it.</summary>
internal sealed record AccessReviewItemView(Guid? ItemId, Guid? AssignmentId, string? Principal, string? AssignmentType, string? Recommendation);

/// <summary>An access review at its start: its schedule, reviewers and items (what the replay checks and keeps).</summary>
internal sealed record AccessReviewView(
    Guid? ReviewId, Guid? RoleId, string? AssignmentType, IReadOnlyList<string?>? Reviewers, bool? SelfReview, DateTime? StartDateTime, DateTime? EndDateTime,
    string? Duration, string? Recurrence, string? DefaultDecision, bool? AutoApply, Guid? SeriesId, int? Occurrence, IReadOnlyList<AccessReviewItemView?>? Items)
{
    public static AccessReviewView Of(ReviewRow r, IReadOnlyList<ReviewItemRow> items) => new(
        r.Id, r.RoleId, r.AssignmentType.ToString(), r.Reviewers.ToList(), r.SelfReview, r.Start, r.End, r.Duration.ToString("c"), r.Recurrence.ToString(),
        r.DefaultDecision.ToString(), r.AutoApply, r.SeriesId, r.Occurrence,
        items.Select(i => new AccessReviewItemView(i.Id, i.AssignmentId, i.Principal, i.AssignmentType.ToString(), i.Recommendation.ToString())).ToList());
}

internal sealed record AccessReviewCreated(ReviewRow Review, IReadOnlyList<ReviewItemRow> Items) : AuditEvent
{
    public const string Name = "CreateAccessReview";
    public override string Action => Name;
    public override string TargetType => "AccessReview";
    public override string? TargetId => Review.Id.ToString("D");
    public override Guid? RoleId => Review.RoleId;
    public override object? After => AccessReviewView.Of(Review, Items);
}

/// <summary>A reviewer's decision on an item, as its record keeps it.</summary>
internal sealed record AccessReviewDecision(Guid? ReviewId, Guid? ItemId, Guid? AssignmentId, string? Principal, string? Decision, string? Justification, string? ReviewedBy);

internal sealed record AccessReviewPrior(string Decision, string? ReviewedBy);

internal sealed record AccessReviewItemDecided(ReviewItemRow Was, ReviewItemRow Is) : AuditEvent
{
    public const string Name = "DecideAccessReviewItem";
    public override string Action => Name;
    public override string TargetType => "AccessReviewItem";
    public override string? TargetId => Is.Id.ToString("D");
    public override Guid? RoleId => Is.RoleId;
    public override string? Principal => Is.Principal;
    public override object? Before => new AccessReviewPrior(Was.Decision.ToString(), Was.ReviewedBy);
    public override object? After => new AccessReviewDecision(Is.ReviewId, Is.Id, Is.AssignmentId, Is.Principal, Is.Decision.ToString(), Is.Justification, Is.ReviewedBy);
}

/// <summary>What completing a review did with an item.</summary>
internal sealed record AccessReviewOutcome(Guid ItemId, Guid AssignmentId, string Decision, string Outcome);

internal sealed record AccessReviewCompletion(Guid ReviewId, string Status, IReadOnlyList<AccessReviewOutcome> Items);

internal sealed record AccessReviewStatus(string Status);

internal sealed record AccessReviewCompleted(Guid Review, Guid Role, IReadOnlyList<AccessReviewOutcome> Outcomes) : AuditEvent
{
    public const string Name = "CompleteAccessReview";
    public override string Action => Name;
    public override string TargetType => "AccessReview";
    public override string? TargetId => Review.ToString("D");
    public override Guid? RoleId => Role;
    public override object? Before => new AccessReviewStatus(ReviewRow.InProgress);
    public override object? After => new AccessReviewCompletion(Review, ReviewRow.CompletedStatus, Outcomes);
}
