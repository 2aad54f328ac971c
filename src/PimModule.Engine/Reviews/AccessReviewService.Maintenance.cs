using PimModule.Storage;

namespace PimModule.Reviews;

/// <summary>Access reviews in Invoke-PimMaintenance: recurring reviews started, ended reviews completed.</summary>
public sealed partial class AccessReviewService
{
    // ---- maintenance ---------------------------------------------------------------------------------

    /// <summary>Completes and applies the -AutoApply reviews whose end has passed (Invoke-PimMaintenance; the caller is an administrator).</summary>
    internal static int CompleteDue(UnitOfWork work)
    {
        var done = 0;
        var v = work.VerifiedNow();
        foreach (var r in AccessReviewsTable.EndedOpen(work, work.Now).Where(r => r.AutoApply))
        {
            if (v is not null && !v.Believes(r)) continue; // a row made or changed around the module is applied by no one
            ApplyComplete(work, PlanComplete(work, r.Id));
            done++;
        }
        return done;
    }

    /// <summary>
    /// Starts the next occurrence of each recurring series when its time has come (Invoke-PimMaintenance; the caller is an
    /// administrator): once, whoever runs first — (series, occurrence) is unique and checked in the transaction. Missed
    /// occurrences are not made up: the latest due one starts now, and ends by its successor's start.
    /// </summary>
    internal static int StartRecurrences(UnitOfWork work)
    {
        var now = work.Now;
        var started = 0;
        foreach (var series in AccessReviewsTable.Recurring(work).Where(r => Believes(work, r)).GroupBy(r => r.SeriesId))
        {
            var first = series.MinBy(r => r.Occurrence)!;
            var latest = series.MaxBy(r => r.Occurrence)!;
            var anchor = first.Start;
            var last = latest.Occurrence;
            var known = work.VerifiedNow()?.Series(series.Key);
            if (work.Verified is not null)
            {
                // The series as the verified log has it: its first occurrence's start and its latest occurrence, whatever
                // rows were deleted or renumbered around the module.
                if (known is null || known.Value.First.Occurrence != 1) continue;
                anchor = new DateTime(known.Value.First.StartTicks, DateTimeKind.Utc);
                last = Math.Max(last, (int)known.Value.Latest.Occurrence);
            }
            var n = last;
            while (n < 100000 && OccurrenceStart(anchor, latest.Recurrence, n + 1) <= now) n++;
            if (n == last) continue;
            var taken = AccessReviewsTable.OccurrencesFrom(work, series.Key, n);
            if (taken.Any(r => Believes(work, r))) continue;
            // In a Verified store a row of this series the log does not hold is no occurrence: it does not block the next one.
            if (work.Verified is not null) AccessReviewsTable.DeleteUnverified(work, taken.Select(r => r.Id).ToList());
            else if (taken.Count > 0) continue;
            var end = now + latest.Duration;
            var next = OccurrenceStart(anchor, latest.Recurrence, n + 1);
            if (end > next) end = next;
            var role = RolesTable.ById(work, latest.RoleId);
            if (role is null) continue; // a custom role removed since: nothing left to review
            var review = latest with
            {
                Id = Guid.NewGuid(), Status = ReviewRow.InProgress, Start = now, End = end, Occurrence = n, CreatedBy = work.Actor, Created = now,
                CompletedBy = null, Completed = null,
            };
            // The kernel's rule for an occurrence's schedule, after the series' occurrences the replay would count: one it
            // would not count is not started (Invoke-PimMaintenance never writes a record that counts for nothing).
            // (In a Verified store the series as the verified log has it: its first occurrence, whose start anchors the period, and its latest.)
            var before = known is { } counted
                ? new[] { counted.First, counted.Latest }.DistinctBy(o => o.Occurrence).Select(o => o.AsOccurrence()).ToList()
                : series.Where(r => r.Occurrence < n).OrderBy(r => r.Occurrence).Select(r => r.AsOccurrence()).ToList();
            if (Kernel.ReviewRules.DecideOccurrence(review.AsOccurrence(), before, now) is not null) continue;
            ApplyCreate(work, new CreatePlan(review, role, Snapshot(work, review)));
            started++;
        }
        return started;
    }
}
