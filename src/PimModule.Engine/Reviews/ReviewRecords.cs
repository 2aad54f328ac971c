using System.Text.Json;
using PimModule.Audit.Events;
using PimModule.Checkpoint;
using PimModule.Identity;
using PimModule.Identity.Keys;
using PimModule.Kernel;
using PimModule.Policy;

namespace PimModule.Reviews;

/// <summary>
/// The decisions on sealed access review records, from the verified state so far (the state replay asks): a review started
/// and completed by an administrator — its schedule as <see cref="ReviewRules.DecideOccurrence"/> says, each item a
/// verified direct assignment of the role held by the principal it names — and an item decided as
/// <see cref="ReviewRules.WhyMayNotDecide"/> says: by a named reviewer who does not hold it, or in a self review by its
/// holder, while the review is open.
/// </summary>
internal static class ReviewRecords
{
    public static RecordVerdict Review(SealedRecord r, SealContext ctx, CheckpointTables view)
    {
        if (r.TargetId is not { } id || !Guid.TryParse(id, out var reviewGuid)) return RecordVerdict.Refused("AccessReview", "it names no review");
        id = reviewGuid.ToString("D");
        if (SettingRecords.NotAdministrator(ctx, view) is { } no) return RecordVerdict.Refused("AccessReview", no);
        var current = view.Review(id);
        switch (r.Action)
        {
            case "CreateAccessReview":
            {
                if (current is not null) return RecordVerdict.Refused("AccessReview", "the review exists already");
                if (EventJson.Read<AccessReviewView>(r.AfterJson) is not { } after || after.ReviewId?.ToString("D") != id || after.RoleId is not { } role
                    || after.StartDateTime?.Ticks is not { } start || after.EndDateTime?.Ticks is not { } end || end <= start
                    || after.AssignmentType is not ({ } type and ("Eligible" or "Active" or "All"))
                    || after.DefaultDecision is not ({ } fallback and ("None" or "Approve" or "Deny" or "Recommendation"))
                    || after.Recurrence is not { } recurrence || after.Reviewers is not { } reviewers || after.Items is not { } items)
                    return RecordVerdict.Refused("AccessReview", "its review does not parse");
                if (EventJson.Duration(after.Duration) is not { } duration
                    || !Enum.TryParse<PimAccessReviewRecurrence>(recurrence, false, out var every) || !Enum.IsDefined(every)
                    || after.SeriesId is not { } seriesGuid || after.Occurrence is not { } occurrence || occurrence < 1)
                    return RecordVerdict.Refused("AccessReview", "its schedule does not parse");
                var series = seriesGuid.ToString("D");
                var earlier = view.Series(series);
                // Its schedule: the kernel's rule (ReviewRules.DecideOccurrence), told as Reviews/ReviewRefusals.cs tells it.
                var asked = new ReviewOccurrence(role, Enum.Parse<PimAccessReviewAssignmentType>(type), every, duration, occurrence,
                    new DateTime(start, DateTimeKind.Utc), new DateTime(end, DateTimeKind.Utc));
                if (!ctx.Trusted && ReviewRules.DecideOccurrence(asked, earlier.Select(e => e.AsOccurrence()).ToList(), new DateTime(r.AtTicks, DateTimeKind.Utc)) is { } bad)
                    return RecordVerdict.Refused("AccessReview", ReviewRefusals.Reason(bad, asked));
                // And as sealed: "1" and "Weekly" parse alike, but are not one series' recurrence (the checkpoint keeps the text).
                if (!ctx.Trusted && earlier.Count > 0 && earlier[^1].Recurrence != recurrence)
                    return RecordVerdict.Refused("AccessReview", ReviewRefusals.Reason(ReviewOccurrenceRefusal.NotOfItsSeries, asked));
                var self = after.SelfReview == true;
                var keys = reviewers.OfType<string>().Select(Principal.Fold).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
                if (ReviewRules.WhyReviewersNot(self, keys.Count) is not null) return RecordVerdict.Refused("AccessReview", "a review has named reviewers or is a self review");
                var parsed = new List<(string Id, string Assignment, string Key, string Recommendation)>();
                foreach (var o in items)
                {
                    if (o is not { ItemId: { } itemId, AssignmentId: { } assignmentId, Principal: { } p, Recommendation: ({ } rec and ("Approve" or "Deny")) })
                        return RecordVerdict.Refused("AccessReview", "an item does not parse");
                    // Each item is a verified direct assignment of the role, held by the principal it names.
                    if (!ctx.Trusted && (view.Assignment(assignmentId.ToString("D")) is not { } a || a.PrincipalKey != Principal.Fold(p)
                                         || !ReviewRules.IsReviewable(a, role, Enum.Parse<PimAccessReviewAssignmentType>(type), new DateTime(start, DateTimeKind.Utc))))
                        return RecordVerdict.Refused("AccessReview", $"item {itemId} is not a verified direct assignment of the role held by {p}");
                    parsed.Add((itemId.ToString("D"), assignmentId.ToString("D"), Principal.Fold(p), rec));
                }
                if (earlier.Any(e => e.Occurrence == occurrence)) return RecordVerdict.Refused("AccessReview", $"occurrence {occurrence} of the series exists already");
                return RecordVerdict.Counts("AccessReview", new ReviewAdded(new VerifiedState.ReviewState(id, role.ToString("D"), type, JsonSerializer.Serialize(keys),
                    self ? 1L : 0L, "InProgress", start, end, fallback, after.AutoApply == true ? 1L : 0L, recurrence, duration.Ticks, series, occurrence), parsed));
            }
            case "CompleteAccessReview":
                if (current is null) return RecordVerdict.Refused("AccessReview", "it completes no verified review");
                if (current.Status != "InProgress") return RecordVerdict.Refused("AccessReview", "the review was completed already");
                return RecordVerdict.Counts("AccessReview", new ReviewCompleted(id));
            default:
                return RecordVerdict.Refused("AccessReview", $"'{r.Action}' does not change access reviews");
        }
    }

    public static RecordVerdict Item(SealedRecord r, SealContext ctx, CheckpointTables view)
    {
        if (r.Action != "DecideAccessReviewItem") return RecordVerdict.Refused("AccessReviewItem", $"'{r.Action}' does not change access review items");
        if (r.TargetId is not { } id || !Guid.TryParse(id, out var itemGuid)) return RecordVerdict.Refused("AccessReviewItem", "it names no item");
        if (view.ReviewItem(itemGuid.ToString("D")) is not { } item) return RecordVerdict.Refused("AccessReviewItem", "it decides no verified item");
        if (view.Review(item.ReviewId) is not { } review) return RecordVerdict.Refused("AccessReviewItem", "its review is not verified");
        if (EventJson.Read<AccessReviewDecision>(r.AfterJson)?.Decision is not ({ } decision and ("Approve" or "Deny" or "DontKnow"))) return RecordVerdict.Refused("AccessReviewItem", "it holds no decision");
        if (!ctx.Trusted)
        {
            // The kernel's rule (ReviewRules), at the later of the verified time and the record's own: a review that had ended by either is closed.
            var at = new DateTime(Math.Max(ctx.VerifiedAtTicks, r.AtTicks), DateTimeKind.Utc);
            if (ReviewRules.WhyMayNotDecide(review.Status != "InProgress", new DateTime(review.EndTicks, DateTimeKind.Utc), review.SelfReview != 0,
                    JsonSerializer.Deserialize<string[]>(review.Reviewers) ?? [], item.PrincipalKey, ctx.Actor, at,
                    PimGroupKey.TryParse(item.PrincipalKey, out var itemGroup) && view.IsGroupMember(itemGroup, ctx.Actor)) is { } refused)
                return RecordVerdict.Refused("AccessReviewItem", ReviewRefusals.Reason(refused, ctx.Actor, item.PrincipalKey));
        }
        return RecordVerdict.Counts("AccessReviewItem", new ReviewItemDecided(item.Id, decision, ctx.Actor));
    }
}
