using Microsoft.Extensions.Time.Testing;
using PimModule.Identity.Keys;
using PimModule.Reviews;
using PimModule.Storage;
using Xunit;

namespace PimModule.Tests;

/// <summary>Security review findings on access reviews (Verified store, test clock).</summary>
public sealed class ReviewSecurityFindingsTests : IDisposable
{
    private readonly TestTarget _target = new();
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero));
    private readonly List<PimStore> _open = [];
    private readonly string _home = Path.Combine(Path.GetTempPath(), "pim-rsf-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        foreach (var s in _open) s.Dispose();
        _target.Dispose();
        try { Directory.Delete(_home, true); } catch (IOException) { }
    }

    private PimStore Open(string principal)
    {
        var o = _target.Options(principal, _clock, PimIdentityMode.Verified);
        var store = PimStore.Open(new PimStoreOptions
        {
            Provider = o.Provider, Path = o.Path, ConnectionString = o.ConnectionString, Principal = principal, IdentityMode = PimIdentityMode.Verified,
            UserFolder = Path.Combine(_home, principal), Clock = _clock,
        });
        _open.Add(store);
        return store;
    }

    private void Sql(string sql) => _target.Sql(sql);

    private static void Assign(PimStore admin, string p) => admin.Assignments.Assign(PimAssignmentType.Eligible, new PimAssignmentInput
    {
        Principal = p, Role = new PimRoleReference("Security Reader"), Permanent = true, Justification = "SOC",
    });

    /// <summary>A weekly review of Security Reader open 3 days; with <paramref name="denyAndApply"/>, Deny by default and applied by maintenance.</summary>
    private static PimAccessReview Weekly(PimStore admin, bool denyAndApply) => admin.Reviews.Create(new PimAccessReviewInput
    {
        Role = new PimRoleReference("Security Reader"), Reviewers = ["reviewer@contoso.com"], Recurrence = PimAccessReviewRecurrence.Weekly,
        Duration = TimeSpan.FromDays(3),
        DefaultDecision = denyAndApply ? PimAccessReviewDefaultDecision.Deny : PimAccessReviewDefaultDecision.None, AutoApply = denyAndApply,
    })!;

    /// <summary>
    /// Review finding 1 (fixed): verified_reviews did not hold duration/series/occurrence and Believes does not compare them; StartRecurrences
    /// reads latest.Duration from the row. A row edit around the module (duration_ticks = 1) makes the next occurrence,
    /// sealed by the administrator's maintenance run, end one tick after it starts: no reviewer can decide, and with
    /// -AutoApply -DefaultDecision Deny the next maintenance run removes every holder.
    /// </summary>
    [Fact]
    public void An_edited_duration_row_does_not_shape_the_next_occurrence()
    {
        var admin = Open("admin@contoso.com");
        Assign(admin, "user2@contoso.com");
        var first = Weekly(admin, denyAndApply: true);
        Sql($"UPDATE access_reviews SET duration_ticks = 1 WHERE review_id = '{first.ReviewId:D}'");
        // The duration is verified: the edited row is not the review the log has, and counts for nothing.
        Assert.DoesNotContain(admin.Reviews.Get(), r => r.ReviewId == first.ReviewId);
        _clock.Advance(TimeSpan.FromDays(7) + TimeSpan.FromMinutes(1));
        admin.Maintenance.Run();
        Assert.DoesNotContain(admin.Reviews.Get(), r => r.EndDateTime - r.StartDateTime < TimeSpan.FromDays(1));
        Assert.Contains(admin.Audit.Verify().Disagreements, d => d.Id == first.ReviewId.ToString("D"));
    }

    /// <summary>
    /// Review finding 2 (fixed): the recommendation read raw audit_log rows (AuditLogTable.LastActedAt) in a Verified store: one
    /// actor_key edited around the module makes an inactive holder's recommendation Approve.
    /// </summary>
    [Fact]
    public void An_edited_audit_row_does_not_make_an_inactive_holder_recommended()
    {
        var admin = Open("admin@contoso.com");
        Assign(admin, "user2@contoso.com");
        _clock.Advance(TimeSpan.FromDays(40));
        Assign(admin, "user3@contoso.com"); // a recent record by admin
        Sql("UPDATE audit_log SET actor_key = 'user2@contoso.com' WHERE sequence = (SELECT MAX(sequence) FROM audit_log)");
        var review = admin.Reviews.Create(new PimAccessReviewInput
        {
            Role = new PimRoleReference("Security Reader"), Reviewers = ["reviewer@contoso.com"], DefaultDecision = PimAccessReviewDefaultDecision.Recommendation,
        })!;
        var item = Assert.Single(admin.Reviews.GetItems(review.ReviewId), i => i.Principal == "user2@contoso.com");
        var check = admin.Audit.Verify();
        Assert.True(item.Recommendation == PimAccessReviewDecision.Deny,
            $"recommendation {item.Recommendation} from an edited audit row; Test-PimAuditLog: valid={check.IsValid} disagreements={check.Disagreements.Count} {check.Reason}");
        Assert.False(check.IsValid); // the edited key is reported: it is not its record's actor's
    }

    /// <summary>Review finding 1, consequence (fixed): the 1-tick occurrence verifies, and the next maintenance run removes the holder by default.</summary>
    [Fact]
    public void An_edited_duration_row_does_not_let_maintenance_remove_holders_nobody_could_review()
    {
        var admin = Open("admin@contoso.com");
        Assign(admin, "user2@contoso.com");
        var first = Weekly(admin, denyAndApply: true);
        admin.Reviews.Complete(first.ReviewId); // occurrence 1 applied (user2 removed by the Deny default), then user2 is assigned again
        Assign(admin, "user2@contoso.com");
        Sql($"UPDATE access_reviews SET duration_ticks = 1 WHERE review_id = '{first.ReviewId:D}'");
        _clock.Advance(TimeSpan.FromDays(7) + TimeSpan.FromMinutes(1));
        admin.Maintenance.Run();              // starts occurrence 2, open for one tick
        _clock.Advance(TimeSpan.FromSeconds(1));
        admin.Maintenance.Run();              // completes it: Deny by default
        var check = admin.Audit.Verify();
        Assert.Contains(check.Disagreements, d => d.Id == first.ReviewId.ToString("D")); // the edited row, reported
        Assert.Contains(admin.Assignments.Query(new PimAssignmentQuery()), a => a.Principal == "user2@contoso.com" && a.Role == "Security Reader");
    }

    /// <summary>Review finding 3 (fixed): occurrence was not verified either: an edited occurrence number stops a series for good.</summary>
    [Fact]
    public void An_edited_occurrence_row_does_not_stop_a_series()
    {
        var admin = Open("admin@contoso.com");
        Assign(admin, "user2@contoso.com");
        var first = Weekly(admin, denyAndApply: false);
        Sql($"UPDATE access_reviews SET occurrence = 99999 WHERE review_id = '{first.ReviewId:D}'");
        _clock.Advance(TimeSpan.FromDays(7) + TimeSpan.FromMinutes(1));
        // The occurrence is verified: the edited row counts for nothing, starts nothing of its own, and is reported.
        // (Said plainly in security.md: whoever writes the store can stop a series; they cannot shape or double it.)
        var result = admin.Maintenance.Run();
        Assert.Equal(0, result.AccessReviewsStarted);
        Assert.Contains(admin.Audit.Verify().Disagreements, d => d.Id == first.ReviewId.ToString("D"));
    }
}
