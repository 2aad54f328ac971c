using PimModule.Checkpoint;
using PimModule.Kernel;
using System.Text.Json;
using PimModule.Identity.Keys;
using PimModule.Audit.Events;
using PimModule.Identity;
using PimModule.Reviews;

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
                if (EventJson.Duration(after.Duration) is not { } duration
                    || !Enum.TryParse<PimAccessReviewRecurrence>(recurrence, false, out var every) || !Enum.IsDefined(every)
                    || after.SeriesId is not { } seriesGuid || after.Occurrence is not { } occurrence || occurrence < 1)
                { Refuse(r, "AccessReview", "its schedule does not parse"); return; }
                var series = seriesGuid.ToString("D");
                var earlier = view.Series(series);
                // Its schedule: the kernel's rule (ReviewRules.DecideOccurrence), told as Reviews/ReviewRefusals.cs tells it.
                var asked = new ReviewOccurrence(role, Enum.Parse<PimAccessReviewAssignmentType>(type), every, duration, occurrence,
                    new DateTime(start, DateTimeKind.Utc), new DateTime(end, DateTimeKind.Utc));
                if (!ctx.Trusted && ReviewRules.DecideOccurrence(asked, earlier.Select(e => e.AsOccurrence()).ToList(), new DateTime(r.AtTicks, DateTimeKind.Utc)) is { } bad)
                { Refuse(r, "AccessReview", ReviewRefusals.Reason(bad, asked)); return; }
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
            if (ReviewRules.WhyMayNotDecide(review.Status != "InProgress", new DateTime(review.EndTicks, DateTimeKind.Utc), review.SelfReview != 0,
                    JsonSerializer.Deserialize<string[]>(review.Reviewers) ?? [], item.PrincipalKey, ctx.Actor, at) is { } refused)
            { Refuse(r, "AccessReviewItem", ReviewRefusals.Reason(refused, ctx.Actor, item.PrincipalKey)); return; }
        }
        view.DecideReviewItem(item.Id, decision, ctx.Actor);
    }
}
