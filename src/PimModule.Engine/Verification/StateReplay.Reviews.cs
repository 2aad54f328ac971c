using PimModule.Checkpoint;
using PimModule.Kernel;
using System.Text.Json;
using PimModule.Identity.Keys;
using PimModule.Audit.Events;
using PimModule.Identity;

namespace PimModule.Verification;

/// <summary>The state replay of access reviews: a review's start (its schedule and items) and completion, and each item's decision.</summary>
internal sealed partial class StateReplay
{
    // ---- access reviews -------------------------------------------------------------------------------------

    private VerifiedState.ReviewState? LoadReview(string id) => view.Review(id);

    private VerifiedState.ReviewItemState? LoadItem(string id) => view.ReviewItem(id);

    private void Review(SealedRecord r, SealContext ctx)
    {
        if (r.TargetId is not { } id || !Guid.TryParse(id, out var reviewGuid)) { Refuse(r, "AccessReview", "it names no review"); return; }
        id = reviewGuid.ToString("D");
        if (!ctx.Trusted && !IsAdmin(ctx.Actor, ctx.VerifiedAtTicks)) { Refuse(r, "AccessReview", $"{ctx.Actor} was not an administrator there"); return; }
        var current = LoadReview(id);
        switch (r.Action)
        {
            case "CreateAccessReview":
            {
                if (current is not null) { Refuse(r, "AccessReview", "the review exists already"); return; }
                if (EventJson.Read<AccessReviewView>(r.AfterJson) is not { } after || after.ReviewId?.ToString("D") != id || after.RoleId is not { } role
                    || after.StartDateTime?.Ticks is not { } start || after.EndDateTime?.Ticks is not { } end || end <= start
                    || after.AssignmentType is not ({ } type and ("Eligible" or "Active" or "All"))
                    || after.DefaultDecision is not ({ } fallback and ("None" or "Approve" or "Deny" or "Recommendation"))
                    || after.Recurrence is not { } recurrence || after.Reviewers is not { } reviewers || after.Items is not { } items)
                { Refuse(r, "AccessReview", "its review does not parse"); return; }
                if (!ctx.Trusted && Math.Abs(start - r.AtTicks) > Skew.Ticks) { Refuse(r, "AccessReview", "a review starts when it is made"); return; }
                // Its schedule: a duration of a day up to its period (the review is open that long, or until the next
                // occurrence starts), one series, each occurrence once, and a later occurrence of a series only after an
                // earlier one, with the series' role, type, recurrence and duration.
                if (EventJson.Duration(after.Duration) is not { } duration
                    || !Enum.TryParse<PimAccessReviewRecurrence>(recurrence, false, out var every) || !Enum.IsDefined(every)
                    || after.SeriesId is not { } seriesGuid || after.Occurrence is not { } occurrence || occurrence < 1)
                { Refuse(r, "AccessReview", "its schedule does not parse"); return; }
                var series = seriesGuid.ToString("D");
                var earlier = view.Series(series);
                if (!ctx.Trusted)
                {
                    var anchor = earlier.Count > 0 ? new DateTime(earlier[0].StartTicks, DateTimeKind.Utc) : new DateTime(start, DateTimeKind.Utc);
                    var period = ReviewRules.Period(anchor, every);
                    string? bad = ReviewRules.WhyDurationNot(duration, period) is not null ? $"its duration {duration:c} is not a day to its period"
                        : end - start > duration.Ticks + Skew.Ticks ? "it is open longer than its duration"
                        : earlier.Any(e => e.Occurrence >= occurrence) ? $"occurrence {occurrence} of the series exists already (or a later one)"
                        : occurrence == 1 != (earlier.Count == 0) ? "a series starts with its first occurrence, and only once"
                        : earlier.Count > 0 && (earlier[^1].RoleId != role.ToString("D") || earlier[^1].AssignmentType != type || earlier[^1].Recurrence != recurrence
                                                || earlier[^1].DurationTicks != duration.Ticks || every == PimAccessReviewRecurrence.None)
                            ? "a later occurrence is of its series' role, type, recurrence and duration"
                        : null;
                    if (bad is not null) { Refuse(r, "AccessReview", bad); return; }
                }
                var self = after.SelfReview == true;
                var keys = reviewers.OfType<string>().Select(Principal.Fold).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
                if (self != (keys.Count == 0)) { Refuse(r, "AccessReview", "a review has named reviewers or is a self review"); return; }
                var parsed = new List<(string Id, string Assignment, string Key, string Recommendation)>();
                foreach (var o in items)
                {
                    if (o is not { ItemId: { } itemId, AssignmentId: { } assignmentId, Principal: { } p, Recommendation: ({ } rec and ("Approve" or "Deny")) })
                    { Refuse(r, "AccessReview", "an item does not parse"); return; }
                    // Each item is a verified direct assignment of the role, held by the principal it names.
                    if (!ctx.Trusted && (Load(assignmentId.ToString("D")) is not { } a || a.PrincipalKey != Principal.Fold(p)
                                         || !ReviewRules.IsReviewable(a, role, Enum.Parse<PimAccessReviewAssignmentType>(type), new DateTime(start, DateTimeKind.Utc))))
                    { Refuse(r, "AccessReview", $"item {itemId} is not a verified direct assignment of the role held by {p}"); return; }
                    parsed.Add((itemId.ToString("D"), assignmentId.ToString("D"), Principal.Fold(p), rec));
                }
                if (earlier.Any(e => e.Occurrence == occurrence)) { Refuse(r, "AccessReview", $"occurrence {occurrence} of the series exists already"); return; }
                view.AddReview(new VerifiedState.ReviewState(id, role.ToString("D"), type, JsonSerializer.Serialize(keys), self ? 1L : 0L, "InProgress", start, end, fallback,
                    after.AutoApply == true ? 1L : 0L, recurrence, duration.Ticks, series, occurrence), parsed);
                return;
            }
            case "CompleteAccessReview":
                if (current is null) { Refuse(r, "AccessReview", "it completes no verified review"); return; }
                if (current.Status != "InProgress") { Refuse(r, "AccessReview", "the review was completed already"); return; }
                view.CompleteReview(id);
                return;
            default:
                Refuse(r, "AccessReview", $"'{r.Action}' does not change access reviews");
                return;
        }
    }

    private void ReviewItem(SealedRecord r, SealContext ctx)
    {
        if (r.Action != "DecideAccessReviewItem") { Refuse(r, "AccessReviewItem", $"'{r.Action}' does not change access review items"); return; }
        if (r.TargetId is not { } id || !Guid.TryParse(id, out var itemGuid)) { Refuse(r, "AccessReviewItem", "it names no item"); return; }
        if (LoadItem(itemGuid.ToString("D")) is not { } item) { Refuse(r, "AccessReviewItem", "it decides no verified item"); return; }
        if (LoadReview(item.ReviewId) is not { } review) { Refuse(r, "AccessReviewItem", "its review is not verified"); return; }
        if (EventJson.Read<AccessReviewDecision>(r.AfterJson)?.Decision is not ({ } decision and ("Approve" or "Deny" or "DontKnow"))) { Refuse(r, "AccessReviewItem", "it holds no decision"); return; }
        if (!ctx.Trusted)
        {
            // The kernel's rule (ReviewRules), at the later of the verified time and the record's own: a review that had ended by either is closed.
            var at = new DateTime(Math.Max(ctx.VerifiedAtTicks, r.AtTicks), DateTimeKind.Utc);
            var why = ReviewRules.WhyMayNotDecide(review.Status != "InProgress", new DateTime(review.EndTicks, DateTimeKind.Utc), review.SelfReview != 0,
                    JsonSerializer.Deserialize<string[]>(review.Reviewers) ?? [], item.PrincipalKey, ctx.Actor, at) switch
            {
                ReviewDecisionRefusal.Completed => "the review was completed",
                ReviewDecisionRefusal.Ended => "the review had ended",
                ReviewDecisionRefusal.NotOwnItem => $"{ctx.Actor} decided on {item.PrincipalKey}'s item of a self review",
                ReviewDecisionRefusal.NotReviewer => $"{ctx.Actor} was not a reviewer of the review",
                ReviewDecisionRefusal.OwnAssignment => "reviewers never decide on their own assignment",
                _ => null,
            };
            if (why is not null) { Refuse(r, "AccessReviewItem", why); return; }
        }
        view.DecideReviewItem(item.Id, decision, ctx.Actor);
    }
}
