namespace PimModule.Storage;

/// <summary>The access_review_items table (one row per assignment under review): its SQL and rows. No other file writes SQL against it.</summary>
internal static class AccessReviewItemsTable
{
    private sealed record StoredItem(string ItemId, string ReviewId, string AssignmentId, string Principal, string RoleId, string AssignmentType,
        string Recommendation, string Decision, string? Justification, string? ReviewedBy, long? ReviewedUtc, string? Outcome)
    {
        public ReviewItemRow ToRow()
        {
            const string T = "access_review_items";
            var id = StoredValue.Id(ItemId, T, "item_id", ItemId);
            return new(id, StoredValue.Id(ReviewId, T, "review_id", id), StoredValue.Id(AssignmentId, T, "assignment_id", id), Principal,
                StoredValue.Id(RoleId, T, "role_id", id), StoredValue.Enum<PimAssignmentType>(AssignmentType, T, "assignment_type", id),
                StoredValue.Enum<PimAccessReviewDecision>(Recommendation, T, "recommendation", id),
                StoredValue.Enum<PimAccessReviewDecision>(Decision, T, "decision", id),
                Justification, ReviewedBy, StoredValue.OptionalTime(ReviewedUtc, T, "reviewed_utc", id), Outcome);
        }
    }

    private const string ItemColumns =
        "item_id, review_id, assignment_id, principal, role_id, assignment_type, recommendation, decision, justification, reviewed_by, reviewed_utc, outcome";

    private static List<ReviewItemRow> Items(UnitOfWork work, string where, object param)
        => work.Query<StoredItem>($"SELECT {ItemColumns} FROM access_review_items {where}", param).ConvertAll(r => r.ToRow());

    public static ReviewItemRow? Find(UnitOfWork work, Guid id) => Items(work, "WHERE item_id = @id", new { id = id.ToString("D") }).FirstOrDefault();

    /// <summary>The items of one review, in principal order.</summary>
    public static List<ReviewItemRow> Of(UnitOfWork work, Guid reviewId)
        => Items(work, "WHERE review_id = @id ORDER BY principal_key, assignment_id", new { id = reviewId.ToString("D") });

    /// <summary>The items of several reviews, in one query.</summary>
    public static List<ReviewItemRow> Of(UnitOfWork work, IReadOnlyCollection<Guid> reviewIds)
        => reviewIds.Count == 0 ? []
            : Items(work, $"WHERE {work.AnyOf("review_id", "ids")} ORDER BY review_id, principal_key, assignment_id",
                new { ids = work.TextList(reviewIds.Select(i => i.ToString("D"))) });

    /// <summary>The items about one principal's assignments (self reviews), through ix_access_review_items_principal.</summary>
    public static List<ReviewItemRow> About(UnitOfWork work, string principalKey)
        => Items(work, "WHERE principal_key = @principalKey ORDER BY review_id", new { principalKey });

    public static void Insert(UnitOfWork work, IReadOnlyList<ReviewItemRow> items) => BulkRows.Insert(work, "access_review_items",
        ["item_id", "review_id", "assignment_id", "principal", "principal_key", "role_id", "assignment_type", "recommendation", "decision"],
        items.Select(i => new object?[]
        {
            i.Id.ToString("D"), i.ReviewId.ToString("D"), i.AssignmentId.ToString("D"), i.Principal, i.PrincipalKey, i.RoleId.ToString("D"),
            i.AssignmentType.ToString(), i.Recommendation.ToString(), i.Decision.ToString(),
        }).ToList());

    public static void Decide(UnitOfWork work, ReviewItemRow i) => work.Execute(
        "UPDATE access_review_items SET decision = @decision, justification = @justification, reviewed_by = @by, reviewed_utc = @at WHERE item_id = @id",
        new { id = i.Id.ToString("D"), decision = i.Decision.ToString(), justification = i.Justification, by = i.ReviewedBy, at = i.Reviewed is { } t ? SqlTypes.Ticks(t) : (long?)null });

    /// <summary>Deletes the items of reviews (ids as <see cref="UnitOfWork.TextList"/>): see AccessReviewsTable.DeleteUnverified.</summary>
    public static void DeleteOfReviews(UnitOfWork work, object reviewIds)
        => work.Execute("DELETE FROM access_review_items WHERE " + work.AnyOf("review_id", "ids"), new { ids = reviewIds });

    public static void SetOutcome(UnitOfWork work, Guid itemId, string outcome)
        => work.Execute("UPDATE access_review_items SET outcome = @outcome WHERE item_id = @id", new { id = itemId.ToString("D"), outcome });
}
