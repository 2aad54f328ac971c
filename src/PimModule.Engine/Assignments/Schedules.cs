using PimModule.Policy;
using PimModule.Errors;
using PimModule.Validation;

namespace PimModule.Assignments;

/// <summary>Time rules of assignments: resolving a requested schedule against a role's policy, states, overlaps.</summary>
internal static class Schedules
{
    /// <summary>A caller's time as UTC, bounded (see <see cref="Times.Utc(DateTime, string, TimeZoneInfo?)"/>).</summary>
    public static DateTime ToUtc(DateTime d, string name) => Times.Utc(d, name);

    /// <summary>
    /// The [start, end) an administrator asked for, checked against the role's assignment rules
    /// (Expiration_Admin_Eligibility / Expiration_Admin_Assignment). End null = permanent.
    /// </summary>
    public static (DateTime Start, DateTime? End) ResolveAdmin(RolePolicy policy, PimAssignmentType type, string role, DateTime now,
        DateTime? start, DateTime? end, TimeSpan? duration, bool permanent)
    {
        var allowPermanent = type == PimAssignmentType.Eligible ? policy.AllowPermanentEligible : policy.AllowPermanentActive;
        var max = type == PimAssignmentType.Eligible ? policy.EligibleExpiresAfter : policy.ActiveExpiresAfter;
        var setting = type == PimAssignmentType.Eligible ? "AllowPermanentEligible / EligibleExpiresAfter" : "AllowPermanentActive / ActiveExpiresAfter";
        var s = start is { } st ? ToUtc(st, "StartDateTime") : now;
        var given = (end is null ? 0 : 1) + (duration is null ? 0 : 1) + (permanent ? 1 : 0);
        if (given > 1)
            throw PimErrors.ScheduleConflict("Give only one of -EndDateTime, -Duration and -Permanent.", null, "Keep one of them.");
        DateTime? e;
        if (permanent)
        {
            if (!allowPermanent)
                throw PimErrors.PermanentAssignmentNotAllowed($"The settings of '{role}' do not allow permanent {type.ToString().ToLowerInvariant()} assignments ({setting}); they must end within {Days(max)}.",
                    role, $"Give -EndDateTime or -Duration of at most {Days(max)}, or allow permanent assignments with Set-PimRoleSetting.");
            e = null;
        }
        else if (end is { } en) e = ToUtc(en, "EndDateTime");
        else if (duration is { } d) e = Times.Add(s, Times.Duration(d, "Duration"), "Duration");
        else e = allowPermanent ? null : Times.Add(s, max, type == PimAssignmentType.Eligible ? "EligibleExpiresAfter" : "ActiveExpiresAfter"); // Entra's default: permanent when allowed, else the longest allowed
        if (e is { } endUtc && endUtc <= s)
            throw PimErrors.EndBeforeStart($"The assignment would end ({endUtc:u}) before it starts ({s:u}).", endUtc,
                "Give an -EndDateTime after the -StartDateTime.");
        if (!allowPermanent && e is { } last && last - s > max)
            throw PimErrors.AssignmentDurationExceedsMaximum($"The settings of '{role}' require {type.ToString().ToLowerInvariant()} assignments to end within {Days(max)} ({setting}); " +
                $"this one would last {Days(last - s)}.", last,
                $"Give an -EndDateTime at most {Days(max)} after the start, or change the role's settings.");
        return (s, e);
    }

    public static string Days(TimeSpan t) => t.TotalDays >= 1 && t.TotalDays == Math.Floor(t.TotalDays)
        ? $"{t.TotalDays:0} day(s)"
        : t.TotalHours >= 1 && t.TotalHours == Math.Floor(t.TotalHours) ? $"{t.TotalHours:0} hour(s)" : t.ToString("c");

    public static PimAssignmentState StateAt(DateTime start, DateTime? end, DateTime asOf)
        => start > asOf ? PimAssignmentState.Scheduled
            : end is { } e && e <= asOf ? PimAssignmentState.Expired
            : PimAssignmentState.Active;

    public static bool Overlaps(DateTime s1, DateTime? e1, DateTime s2, DateTime? e2)
        => (e2 is null || s1 < e2) && (e1 is null || s2 < e1);
}
