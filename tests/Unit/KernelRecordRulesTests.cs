using PimModule.Kernel;
using Xunit;

namespace PimModule.Tests;

/// <summary>
/// Issue 29, part 4: the kernel decisions that moved out of the state replay, each called by the writer and the replay —
/// a directory object's import, a pruning's window, an access review occurrence's schedule and a sealed deactivation.
/// Given what is known, When it is decided at a time, Then the answer: every refusal named, in its order.
/// </summary>
[Trait("Provider", "Neutral")]
public sealed class KernelRecordRulesTests
{
    private static readonly DateTime T0 = new(2026, 12, 7, 9, 0, 0, DateTimeKind.Utc);
    private static readonly Guid Reader = RoleCatalog.BuiltIn.First(r => r.Name == "Security Reader").Id;

    // ---- directory objects ---------------------------------------------------------------------------------

    [Fact]
    public void One_object_id_is_one_name_and_one_name_one_object_id()
    {
        Guid id = Guid.NewGuid(), other = Guid.NewGuid();
        var key = Principal.Fold("Ann@Contoso.com");
        Assert.Null(DirectoryRules.WhyNot(id, key, holderOfKey: null, keyOfId: null));          // new
        Assert.Null(DirectoryRules.WhyNot(id, key, holderOfKey: id, keyOfId: key));             // the same again (a new display name)
        Assert.Equal(DirectoryRefusal.NameOfAnother, DirectoryRules.WhyNot(id, key, holderOfKey: other, keyOfId: null));
        Assert.Equal(DirectoryRefusal.Renamed, DirectoryRules.WhyNot(id, key, holderOfKey: null, keyOfId: Principal.Fold("old@contoso.com")));
        // Both at once: the rename is told first (as Import-PimDirectoryObject always did).
        Assert.Equal(DirectoryRefusal.Renamed, DirectoryRules.WhyNot(id, key, holderOfKey: other, keyOfId: Principal.Fold("old@contoso.com")));
    }

    // ---- pruning --------------------------------------------------------------------------------------------

    [Fact]
    public void History_is_pruned_only_once_it_is_thirty_days_old()
    {
        Assert.Equal(TimeSpan.FromDays(30), RetentionRules.Window);
        Assert.Equal(T0.AddDays(-30), RetentionRules.Cut(T0));
        Assert.True(RetentionRules.MayPruneBefore(RetentionRules.Cut(T0), T0));
        Assert.True(RetentionRules.MayPruneBefore(RetentionRules.Cut(T0).AddMinutes(1), T0));     // the leeway between the cut and the seal
        Assert.False(RetentionRules.MayPruneBefore(RetentionRules.Cut(T0).AddMinutes(1).AddTicks(1), T0));
        Assert.False(RetentionRules.MayPruneBefore(T0, T0));                                       // what ended today is kept
    }

    // ---- access review occurrences -----------------------------------------------------------------------

    private static ReviewOccurrence Occurrence(int n, DateTime start, TimeSpan? duration = null, PimAccessReviewRecurrence every = PimAccessReviewRecurrence.Weekly,
        DateTime? end = null, Guid? role = null, PimAccessReviewAssignmentType type = PimAccessReviewAssignmentType.Eligible)
    {
        var d = duration ?? TimeSpan.FromDays(3);
        return new(role ?? Reader, type, every, d, n, start, end ?? start + d);
    }

    [Fact]
    public void A_first_occurrence_starts_when_it_is_made_and_is_open_a_day_up_to_its_period()
    {
        Assert.Null(ReviewRules.DecideOccurrence(Occurrence(1, T0), [], T0));
        Assert.Null(ReviewRules.DecideOccurrence(Occurrence(1, T0), [], T0 + TimeRule.Skew));
        Assert.Equal(ReviewOccurrenceRefusal.NotStartedWhenMade, ReviewRules.DecideOccurrence(Occurrence(1, T0), [], T0 + TimeRule.Skew + TimeSpan.FromTicks(1)));
        Assert.Equal(ReviewOccurrenceRefusal.NotStartedWhenMade, ReviewRules.DecideOccurrence(Occurrence(1, T0.AddDays(2)), [], T0));
        Assert.Equal(ReviewOccurrenceRefusal.DurationNotADayToItsPeriod, ReviewRules.DecideOccurrence(Occurrence(1, T0, TimeSpan.FromHours(23)), [], T0));
        Assert.Equal(ReviewOccurrenceRefusal.DurationNotADayToItsPeriod, ReviewRules.DecideOccurrence(Occurrence(1, T0, TimeSpan.FromDays(8)), [], T0));   // a week's period
        Assert.Null(ReviewRules.DecideOccurrence(Occurrence(1, T0, TimeSpan.FromDays(180), PimAccessReviewRecurrence.None), [], T0));
        Assert.Equal(ReviewOccurrenceRefusal.DurationNotADayToItsPeriod,
            ReviewRules.DecideOccurrence(Occurrence(1, T0, TimeSpan.FromDays(181), PimAccessReviewRecurrence.None), [], T0));
        Assert.Equal(ReviewOccurrenceRefusal.OpenLongerThanItsDuration,
            ReviewRules.DecideOccurrence(Occurrence(1, T0, TimeSpan.FromDays(3), end: T0.AddDays(4)), [], T0));
        Assert.Equal(ReviewOccurrenceRefusal.FirstOccurrenceOnce, ReviewRules.DecideOccurrence(Occurrence(2, T0), [], T0));
    }

    [Fact]
    public void A_later_occurrence_follows_its_series()
    {
        var first = Occurrence(1, T0);
        var second = T0.AddDays(7);
        Assert.Null(ReviewRules.DecideOccurrence(Occurrence(2, second), [first], second));
        Assert.Null(ReviewRules.DecideOccurrence(Occurrence(3, second), [first], second));          // a missed occurrence is not made up
        Assert.Equal(ReviewOccurrenceRefusal.StartedAlready, ReviewRules.DecideOccurrence(Occurrence(1, second), [first], second));
        Assert.Equal(ReviewOccurrenceRefusal.StartedAlready, ReviewRules.DecideOccurrence(Occurrence(2, second), [first, Occurrence(2, second)], second));
        Assert.Equal(ReviewOccurrenceRefusal.NotOfItsSeries, ReviewRules.DecideOccurrence(Occurrence(2, second, role: RoleCatalog.GlobalAdministrator), [first], second));
        Assert.Equal(ReviewOccurrenceRefusal.NotOfItsSeries,
            ReviewRules.DecideOccurrence(Occurrence(2, second, type: PimAccessReviewAssignmentType.Active), [first], second));
        Assert.Equal(ReviewOccurrenceRefusal.NotOfItsSeries, ReviewRules.DecideOccurrence(Occurrence(2, second, TimeSpan.FromDays(2)), [first], second));
        // A one-time review has no second occurrence.
        var once = Occurrence(1, T0, every: PimAccessReviewRecurrence.None);
        Assert.Equal(ReviewOccurrenceRefusal.NotOfItsSeries,
            ReviewRules.DecideOccurrence(Occurrence(2, second, every: PimAccessReviewRecurrence.None), [once], second));
        // The period is measured from the series' first start: a monthly series begun on 31 January has a shorter second period.
        var jan31 = new DateTime(2027, 1, 31, 9, 0, 0, DateTimeKind.Utc);
        var monthly = Occurrence(1, jan31, TimeSpan.FromDays(28), PimAccessReviewRecurrence.Monthly);
        Assert.Null(ReviewRules.DecideOccurrence(monthly, [], jan31));
        Assert.Equal(ReviewOccurrenceRefusal.DurationNotADayToItsPeriod,
            ReviewRules.DecideOccurrence(Occurrence(1, jan31, TimeSpan.FromDays(29), PimAccessReviewRecurrence.Monthly), [], jan31));
    }

    [Fact]
    public void A_review_has_named_reviewers_or_is_a_self_review()
    {
        Assert.Null(ReviewRules.WhyReviewersNot(selfReview: false, reviewers: 2));
        Assert.Null(ReviewRules.WhyReviewersNot(selfReview: true, reviewers: 0));
        Assert.Equal(ReviewersRefusal.Both, ReviewRules.WhyReviewersNot(selfReview: true, reviewers: 1));
        Assert.Equal(ReviewersRefusal.Neither, ReviewRules.WhyReviewersNot(selfReview: false, reviewers: 0));
    }

    // ---- a sealed deactivation ----------------------------------------------------------------------------

    private static HeldAssignment Activation(DateTime start, DateTime? end, string who = "user@x.com")
        => new(Guid.NewGuid(), Principal.Fold(who), Reader, PimAssignmentType.Active, "/", PimMemberType.Activated, start, end);

    [Fact]
    public void A_deactivation_withdraws_what_had_not_started_and_ends_what_had()
    {
        Assert.Null(ActivationRules.DeactivatedEnd(T0.AddHours(1), T0));        // withdrawn
        Assert.Equal(T0, ActivationRules.DeactivatedEnd(T0.AddHours(-1), T0));  // ended now
    }

    [Fact]
    public void A_sealed_deactivation_counts_only_when_it_did_what_the_kernel_decides()
    {
        var key = Principal.Fold("user@x.com");
        var started = Activation(T0.AddHours(-1), T0.AddHours(3));
        var ended = started with { End = T0 };
        Assert.Null(ActivationRules.WhyNotDeactivated(started, ended, key, T0));
        Assert.Null(ActivationRules.WhyNotDeactivated(started, started with { End = T0.AddHours(2) }, key, T0)); // an end within it (the record's own rounding)
        Assert.Equal(DeactivationRefusal.NotHolder, ActivationRules.WhyNotDeactivated(started, ended, Principal.Fold("other@x.com"), T0));
        Assert.Equal(DeactivationRefusal.NotEnded, ActivationRules.WhyNotDeactivated(started, null, key, T0));
        Assert.Equal(DeactivationRefusal.NotOnlyEnded, ActivationRules.WhyNotDeactivated(started, started with { End = T0.AddHours(4) }, key, T0));
        Assert.Equal(DeactivationRefusal.NotOnlyEnded, ActivationRules.WhyNotDeactivated(started, started with { End = null }, key, T0));
        Assert.Equal(DeactivationRefusal.NotOnlyEnded, ActivationRules.WhyNotDeactivated(started, ended with { Scope = "/administrativeUnits/x" }, key, T0));
        Assert.Equal(DeactivationRefusal.NotOnlyEnded, ActivationRules.WhyNotDeactivated(started, ended with { Start = T0.AddHours(-2) }, key, T0));
        Assert.Equal(DeactivationRefusal.NotOnlyEnded, ActivationRules.WhyNotDeactivated(started, ended with { RoleId = RoleCatalog.GlobalAdministrator }, key, T0));
        var later = Activation(T0.AddHours(1), T0.AddHours(3));
        Assert.Null(ActivationRules.WhyNotDeactivated(later, null, key, T0));
        Assert.Equal(DeactivationRefusal.NotWithdrawn, ActivationRules.WhyNotDeactivated(later, later with { End = T0.AddHours(2) }, key, T0));
        Assert.Equal(DeactivationRefusal.TooSoon, ActivationRules.WhyNotDeactivated(Activation(T0.AddMinutes(-4), T0.AddHours(1)), null, key, T0));
        Assert.Equal(DeactivationRefusal.Ended, ActivationRules.WhyNotDeactivated(Activation(T0.AddHours(-2), T0.AddHours(-1)), null, key, T0));
    }
}
