namespace PimModule.Storage;

/// <summary>An access review as stored (the reviewers as canonical principals, in order).</summary>
internal sealed record ReviewRow(
    Guid Id, Guid RoleId, PimAccessReviewAssignmentType AssignmentType, IReadOnlyList<string> Reviewers, bool SelfReview, string Status,
    DateTime Start, DateTime End, TimeSpan Duration, PimAccessReviewRecurrence Recurrence, PimAccessReviewDefaultDecision DefaultDecision,
    bool AutoApply, Guid SeriesId, int Occurrence, string CreatedBy, DateTime Created, string? CompletedBy, DateTime? Completed)
{
    public const string InProgress = nameof(PimAccessReviewStatus.InProgress);
    public const string CompletedStatus = nameof(PimAccessReviewStatus.Completed);

    /// <summary>The status at <paramref name="now"/>: an open review whose end has passed reads as Ended until it is completed.</summary>
    public PimAccessReviewStatus StatusAt(DateTime now)
        => Status == CompletedStatus ? PimAccessReviewStatus.Completed : End <= now ? PimAccessReviewStatus.Ended : PimAccessReviewStatus.InProgress;

    /// <summary>The occurrence as its schedule has it (what <see cref="Kernel.ReviewRules.DecideOccurrence"/> judges).</summary>
    public Kernel.ReviewOccurrence AsOccurrence() => new(RoleId, AssignmentType, Recurrence, Duration, Occurrence, Start, End);
}

/// <summary>One assignment under review, as stored.</summary>
internal sealed record ReviewItemRow(
    Guid Id, Guid ReviewId, Guid AssignmentId, string Principal, Guid RoleId, PimAssignmentType AssignmentType,
    PimAccessReviewDecision Recommendation, PimAccessReviewDecision Decision, string? Justification, string? ReviewedBy, DateTime? Reviewed,
    string? Outcome)
{
    public string PrincipalKey => global::PimModule.Identity.Principal.Fold(Principal);
}

/// <summary>
/// The access_reviews table: its SQL, rows and predicates (the items: <see cref="AccessReviewItemsTable"/>). No other file
/// writes SQL against it. Rows are read as text and ticks and made rows here (no type handlers); reviewers are a JSON array
/// of principals.
/// </summary>
internal static class AccessReviewsTable
{
    private sealed record StoredReview(string ReviewId, string RoleId, string AssignmentType, string Reviewers, long SelfReview, string Status,
        long StartUtc, long EndUtc, long DurationTicks, string Recurrence, string DefaultDecision, long AutoApply, string SeriesId, long Occurrence,
        string CreatedBy, long CreatedUtc, string? CompletedBy, long? CompletedUtc)
    {
        public ReviewRow ToRow()
        {
            const string T = "access_reviews";
            var id = StoredValue.Id(ReviewId, T, "review_id", ReviewId);
            return new(id, StoredValue.Id(RoleId, T, "role_id", id), StoredValue.Enum<PimAccessReviewAssignmentType>(AssignmentType, T, "assignment_type", id),
                StoredValue.TextArray(Reviewers, T, "reviewers", id), SelfReview != 0,
                Status is ReviewRow.InProgress or ReviewRow.CompletedStatus ? Status : throw StoredValue.Invalid(T, "status", id, Status, "InProgress or Completed"),
                StoredValue.Time(StartUtc, T, "start_utc", id), StoredValue.Time(EndUtc, T, "end_utc", id), TimeSpan.FromTicks(DurationTicks),
                StoredValue.Enum<PimAccessReviewRecurrence>(Recurrence, T, "recurrence", id),
                StoredValue.Enum<PimAccessReviewDefaultDecision>(DefaultDecision, T, "default_decision", id), AutoApply != 0,
                StoredValue.Id(SeriesId, T, "series_id", id), (int)Occurrence, CreatedBy,
                StoredValue.Time(CreatedUtc, T, "created_utc", id), CompletedBy, StoredValue.OptionalTime(CompletedUtc, T, "completed_utc", id));
        }
    }

    private const string ReviewColumns =
        "review_id, role_id, assignment_type, reviewers, self_review, status, start_utc, end_utc, duration_ticks, recurrence, default_decision, " +
        "auto_apply, series_id, occurrence, created_by, created_utc, completed_by, completed_utc";

    private static List<ReviewRow> Reviews(UnitOfWork work, string where, object param)
        => work.Query<StoredReview>($"SELECT {ReviewColumns} FROM access_reviews {where}", param).ConvertAll(r => r.ToRow());

    // ---- reads ---------------------------------------------------------------------------------------

    public static ReviewRow? Find(UnitOfWork work, Guid id) => Reviews(work, "WHERE review_id = @id", new { id = id.ToString("D") }).FirstOrDefault();

    /// <summary>Every review (a few per role and period), newest first; <paramref name="status"/> filters the stored status.</summary>
    public static List<ReviewRow> All(UnitOfWork work) => Reviews(work, "ORDER BY start_utc DESC, review_id", new { });

    /// <summary>Open reviews whose end has passed by @now (ix_access_reviews_status).</summary>
    public static List<ReviewRow> EndedOpen(UnitOfWork work, DateTime now)
        => Reviews(work, "WHERE status = @open AND end_utc <= @now ORDER BY end_utc", new { open = ReviewRow.InProgress, now = SqlTypes.Ticks(now) });

    /// <summary>A role's reviews that are not completed (in progress, or ended and not yet completed).</summary>
    public static List<ReviewRow> OpenOfRole(UnitOfWork work, Guid roleId)
        => Reviews(work, "WHERE role_id = @role AND status = @open ORDER BY start_utc, review_id", new { role = roleId.ToString("D"), open = ReviewRow.InProgress });

    /// <summary>The reviews of recurring series (their latest occurrences decide when the next starts).</summary>
    public static List<ReviewRow> Recurring(UnitOfWork work)
        => Reviews(work, "WHERE recurrence <> @none ORDER BY series_id, occurrence", new { none = nameof(PimAccessReviewRecurrence.None) });

    /// <summary>The reviews of a series from occurrence <paramref name="atLeast"/> on, as stored.</summary>
    public static List<ReviewRow> OccurrencesFrom(UnitOfWork work, Guid seriesId, int atLeast)
        => Reviews(work, "WHERE series_id = @series AND occurrence >= @atLeast", new { series = seriesId.ToString("D"), atLeast = (long)atLeast });

    /// <summary>Deletes review rows (and their items) that a Verified store's log does not hold: written around the module.</summary>
    public static void DeleteUnverified(UnitOfWork work, IReadOnlyCollection<Guid> ids)
    {
        if (ids.Count == 0) return;
        var list = work.TextList(ids.Select(i => i.ToString("D")));
        AccessReviewItemsTable.DeleteOfReviews(work, list);
        work.Execute("DELETE FROM access_reviews WHERE " + work.AnyOf("review_id", "ids"), new { ids = list });
    }

    // ---- writes --------------------------------------------------------------------------------------

    public static void Insert(UnitOfWork work, ReviewRow r) => work.Execute(
        $"INSERT INTO access_reviews ({ReviewColumns}) VALUES (@id, @role, @type, @reviewers, @self, @status, @start, @end, @duration, @recurrence, " +
        "@default, @auto, @series, @occurrence, @createdBy, @created, NULL, NULL)",
        new
        {
            id = r.Id.ToString("D"), role = r.RoleId.ToString("D"), type = r.AssignmentType.ToString(), reviewers = System.Text.Json.JsonSerializer.Serialize(r.Reviewers),
            self = r.SelfReview ? 1L : 0L, status = r.Status, start = SqlTypes.Ticks(r.Start), end = SqlTypes.Ticks(r.End), duration = r.Duration.Ticks,
            recurrence = r.Recurrence.ToString(), @default = r.DefaultDecision.ToString(), auto = r.AutoApply ? 1L : 0L, series = r.SeriesId.ToString("D"),
            occurrence = (long)r.Occurrence, createdBy = r.CreatedBy, created = SqlTypes.Ticks(r.Created),
        });

    public static void Complete(UnitOfWork work, Guid reviewId, string by, DateTime at) => work.Execute(
        "UPDATE access_reviews SET status = @done, completed_by = @by, completed_utc = @at WHERE review_id = @id",
        new { id = reviewId.ToString("D"), done = ReviewRow.CompletedStatus, by, at = SqlTypes.Ticks(at) });
}
