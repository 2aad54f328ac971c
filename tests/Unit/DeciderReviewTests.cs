using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace PimModule.Tests;

/// <summary>Issue 29, part 4, a hostile review: what moving the replay into deciders changed by mistake (each test fails on the code before its fix).</summary>
public sealed class DeciderReviewTests : IDisposable
{
    private readonly TestTarget _target = new();
    private readonly string _home = Path.Combine(Path.GetTempPath(), "pim-review4-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        _target.Dispose();
        try { Directory.Delete(_home, true); } catch (IOException) { }
    }

    /// <summary>
    /// Finding: the pruning window moved from tick arithmetic (d750a96: <c>cut &gt; VerifiedAtTicks - Retention.Ticks + 1 min</c>)
    /// to DateTime arithmetic (RetentionRules.MayPruneBefore: <c>at - 30 days</c>), which throws for a record dated in the
    /// first 30 days of year 1. The replay does not judge the time of a trusted record (the Lab past a Protect-PimStore
    /// endorsed), so a PruneHistory record written into a Lab log (anyone with the file can) now makes the replay throw: the
    /// store cannot be protected, nor opened as Verified, where d750a96 counted the record for nothing.
    /// </summary>
    [Fact]
    public void A_lab_past_pruning_dated_in_year_one_counts_for_nothing_and_does_not_break_the_replay()
    {
        var early = new FakeTimeProvider(new DateTimeOffset(1, 1, 2, 0, 0, 0, TimeSpan.Zero));
        var labOptions = _target.Options("admin@contoso.com", early, PimIdentityMode.Lab);
        using (var lab = PimStore.Open(labOptions))
        {
            lab.Session.Write(work =>
            {
                AuditLog.AppendRecord(work, "PruneHistory", "Store", null, null, null, null,
                    new Audit.Events.Pruning(new DateTime(1, 1, 1, 0, 0, 0, DateTimeKind.Utc), 0, 0, 0));
                return 0;
            });
        }
        var now = new FakeTimeProvider(DateTimeOffset.UtcNow.AddHours(-1));
        var o = _target.Options("admin@contoso.com", now, PimIdentityMode.Lab);
        var options = new PimStoreOptions
        {
            Provider = o.Provider, Path = o.Path, ConnectionString = o.ConnectionString, Principal = "admin@contoso.com", Clock = now,
            UserFolder = Path.Combine(_home, "admin@contoso.com"),
        };
        using var verified = PimStore.Protect(options, null);
        Assert.NotNull(verified);
        var check = verified!.Audit.Verify();
        Assert.Contains(check.Disagreements, d => d.Problem == "NotEntitled" && d.Detail.Contains("PruneHistory"));
    }

    /// <summary>
    /// Finding (low): ReviewRules.DecideOccurrence compares a later occurrence with its series' latest as parsed enums, where
    /// d750a96 compared the strings the records sealed. A series whose first record sealed its recurrence as "1" (Enum.TryParse
    /// reads it as Weekly) could be continued only by "1" before; now "Weekly" continues it too — a sealed record that
    /// counted for nothing now counts. (The checkpoint keeps the sealed string, so the series' recurrence reads differently
    /// per occurrence.)
    /// </summary>
    [Fact]
    public void A_later_occurrence_matches_its_series_as_sealed_not_as_parsed()
    {
        using var people = new VerifiedPeople();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow.AddDays(-10));
        var admin = people.Open("admin@contoso.com", clock);
        var role = RoleCatalog.BuiltIn.First(r => r.Name == "Security Reader").Id;
        var series = Guid.NewGuid();
        void Seal(int occurrence, string recurrence) => admin.Session.Write(work =>
        {
            var id = Guid.NewGuid();
            AuditLog.AppendRecord(work, "CreateAccessReview", "AccessReview", id.ToString("D"), role, null, null,
                new Audit.Events.AccessReviewView(id, role, "Eligible", ["reviewer@contoso.com"], false, work.Now, work.Now.AddDays(1), TimeSpan.FromDays(1).ToString("c"),
                    recurrence, "None", false, series, occurrence, []));
            return 0;
        });
        Seal(1, "1");
        clock.Advance(TimeSpan.FromDays(7));
        Seal(2, "Weekly");
        var check = admin.Audit.Verify();
        Assert.Contains(check.Disagreements, d => d.Problem == "NotEntitled" && d.Detail.Contains("a later occurrence is of its series"));
    }
}
