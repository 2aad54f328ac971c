namespace PimModule;

/// <summary>Which direct assignments of the role an access review asks about.</summary>
public enum PimAccessReviewAssignmentType
{
    Eligible,
    Active,
    All,
}

/// <summary>Where an access review is: open for decisions, ended (its EndDateTime passed, not yet applied), or completed (applied).</summary>
public enum PimAccessReviewStatus
{
    InProgress,
    Ended,
    Completed,
}

/// <summary>How often an access review starts again (None: once).</summary>
public enum PimAccessReviewRecurrence
{
    None,
    Weekly,
    Monthly,
    Quarterly,
    SemiAnnually,
    Annually,
}

/// <summary>What completing a review does with the items no reviewer approved or denied (none, or Don't know).</summary>
public enum PimAccessReviewDefaultDecision
{
    /// <summary>Nothing: the assignment is left as it is.</summary>
    None,
    Approve,
    Deny,
    /// <summary>The item's recommendation (from the holder's activity in the 30 days before the review started).</summary>
    Recommendation,
}

/// <summary>A reviewer's decision on an item (NotReviewed until one decides); also a recommendation (Approve or Deny).</summary>
public enum PimAccessReviewDecision
{
    NotReviewed,
    Approve,
    Deny,
    DontKnow,
}

/// <summary>An access review of a role's direct assignments (Entra ID Governance's access reviews, for PIM roles).</summary>
public sealed class PimAccessReview
{
    public Guid ReviewId { get; init; }
    public string Role { get; init; } = "";
    public Guid RoleId { get; init; }
    public PimAccessReviewAssignmentType AssignmentType { get; init; }
    public PimAccessReviewStatus Status { get; init; }
    public DateTime StartDateTime { get; init; }
    public DateTime EndDateTime { get; init; }
    public TimeSpan Duration { get; init; }
    /// <summary>The named reviewers (empty for a self review). Export-Csv writes them as one column, joined with ';', which New-PimAccessReview -Reviewer reads back.</summary>
    public PimPrincipalList Reviewers { get; init; } = new();
    /// <summary>True when each holder reviews their own assignment.</summary>
    public bool SelfReview { get; init; }
    public PimAccessReviewRecurrence Recurrence { get; init; }
    public PimAccessReviewDefaultDecision DefaultDecision { get; init; }
    /// <summary>True when Invoke-PimMaintenance completes and applies the review itself once it ends.</summary>
    public bool AutoApply { get; init; }
    /// <summary>The first occurrence's id: every occurrence of a recurring review shares it.</summary>
    public Guid SeriesId { get; init; }
    public int Occurrence { get; init; }
    public int ItemCount { get; init; }
    /// <summary>Items no reviewer has approved or denied yet.</summary>
    public int NotReviewedCount { get; init; }
    public string CreatedBy { get; init; } = "";
    public DateTime CreatedDateTime { get; init; }
    public string? CompletedBy { get; init; }
    public DateTime? CompletedDateTime { get; init; }

    public override string ToString() => $"{Role} review {ReviewId} ({Status})";
}

/// <summary>One assignment under review: who holds it, the recommendation, and the decision.</summary>
public sealed class PimAccessReviewItem
{
    public Guid ReviewId { get; init; }
    public Guid ItemId { get; init; }
    public string Principal { get; init; } = "";
    public string Role { get; init; } = "";
    public Guid RoleId { get; init; }
    public Guid AssignmentId { get; init; }
    public PimAssignmentType AssignmentType { get; init; }
    /// <summary>Approve when the holder activated the role or acted in PIM in the 30 days before the review started; else Deny.</summary>
    public PimAccessReviewDecision Recommendation { get; init; }
    public PimAccessReviewDecision Decision { get; init; }
    public string? Justification { get; init; }
    public string? ReviewedBy { get; init; }
    public DateTime? ReviewedDateTime { get; init; }
    /// <summary>What completing the review did (Kept, Removed, AlreadyRemoved, NotRemoved: …); null while it is open.</summary>
    public string? Outcome { get; init; }

    public override string ToString() => $"{Principal} {Role}: {Decision}";
}
