using System.Globalization;
using PimModule.Errors;

namespace PimModule.Validation;

/// <summary>
/// Times and durations as the engine takes them: every caller-given <see cref="DateTime"/> is normalised here to UTC
/// (Kind Utc stays; Kind Local and Kind Unspecified are local time, the .NET convention, and are converted) and must
/// lie between <see cref="MinTime"/> and <see cref="MaxTime"/>; durations are positive and at most
/// <see cref="MaxDuration"/>. Out-of-range values are PimDateTimeInvalid / PimDurationInvalid, never an overflow.
/// Times the engine makes itself (the clock, the store) are Kind Utc already.
/// </summary>
public static class Times
{
    /// <summary>The earliest time the store takes (UTC).</summary>
    public static readonly DateTime MinTime = new(1900, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    /// <summary>The latest time the store takes (UTC): assignments, requests and -AsOf end before it.</summary>
    public static readonly DateTime MaxTime = new(9000, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    /// <summary>The longest duration anything takes (100 years).</summary>
    public static readonly TimeSpan MaxDuration = TimeSpan.FromDays(36525);

    /// <summary>
    /// A caller's time as UTC, or PimDateTimeInvalid when it is outside 1900-01-01 … 9000-01-01 UTC.
    /// <paramref name="localZone"/> is the zone of Local/Unspecified times (the machine's by default; tests pass one).
    /// </summary>
    public static DateTime Utc(DateTime value, string name, TimeZoneInfo? localZone = null)
    {
        DateTime utc;
        if (value.Kind == DateTimeKind.Utc) utc = value;
        else
        {
            var zone = localZone ?? TimeZoneInfo.Local;
            var unspecified = DateTime.SpecifyKind(value, DateTimeKind.Unspecified);
            var offset = zone.IsInvalidTime(unspecified) ? zone.BaseUtcOffset : zone.GetUtcOffset(unspecified);
            var ticks = value.Ticks - offset.Ticks;
            if (ticks < DateTime.MinValue.Ticks || ticks > DateTime.MaxValue.Ticks) throw OutOfRange(value, name);
            utc = new DateTime(ticks, DateTimeKind.Utc);
        }
        if (utc < MinTime || utc > MaxTime) throw OutOfRange(value, name);
        return utc;
    }

    /// <summary>As <see cref="Utc(DateTime, string, TimeZoneInfo?)"/>; null stays null (not given).</summary>
    public static DateTime? Utc(DateTime? value, string name) => value is { } v ? Utc(v, name) : null;

    private static PimException OutOfRange(DateTime value, string name) => PimErrors.DateTimeInvalid($"-{name} {value.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} ({value.Kind}) is out of range: " +
        $"times must lie between {MinTime:yyyy-MM-dd} and {MaxTime:yyyy-MM-dd} UTC.", value,
        $"Give -{name} between {MinTime:yyyy-MM-dd} and {MaxTime:yyyy-MM-dd}.");

    /// <summary>A caller's duration: positive and at most <paramref name="max"/> (100 years by default), else PimDurationInvalid.</summary>
    public static TimeSpan Duration(TimeSpan value, string name, TimeSpan? max = null)
    {
        var limit = max ?? MaxDuration;
        if (value <= TimeSpan.Zero)
            throw PimErrors.DurationInvalid($"-{name} must be positive; {value:c} was given.", value, $"Give a positive -{name}, for example 90d or 4h.");
        if (value > limit)
            throw PimErrors.DurationInvalid($"-{name} {Describe(value)} is out of range: at most {Describe(limit)} is allowed.", value,
                $"Give -{name} of at most {Describe(limit)}.");
        return value;
    }

    /// <summary>As <see cref="Duration(TimeSpan, string, TimeSpan?)"/>; null stays null (not given).</summary>
    public static TimeSpan? Duration(TimeSpan? value, string name, TimeSpan? max = null)
        => value is { } v ? Duration(v, name, max) : null;

    /// <summary>
    /// <paramref name="start"/> + <paramref name="duration"/>, when it stays before <see cref="MaxTime"/>; else
    /// PimDateTimeInvalid naming the parameter whose value made it too late. Never overflows.
    /// </summary>
    public static DateTime Add(DateTime start, TimeSpan duration, string name)
    {
        // Compared without overflow: start.Ticks + duration.Ticks may not fit in a long.
        var tooLate = duration.Ticks > 0 && start.Ticks > MaxTime.Ticks - duration.Ticks;
        if (tooLate || start.Ticks + duration.Ticks < MinTime.Ticks || start.Ticks + duration.Ticks > MaxTime.Ticks)
            throw PimErrors.DateTimeInvalid($"{start.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC plus -{name} {Describe(duration)} is out of range: " +
                $"times must lie between {MinTime:yyyy-MM-dd} and {MaxTime:yyyy-MM-dd} UTC.", duration,
                $"Give an earlier start or a shorter -{name}.");
        return new DateTime(start.Ticks + duration.Ticks, DateTimeKind.Utc);
    }

    /// <summary>A short text of a duration for messages: days, hours, or d.hh:mm:ss.</summary>
    public static string Describe(TimeSpan t)
    {
        if (t == TimeSpan.MaxValue || t == TimeSpan.MinValue) return t.ToString("c", CultureInfo.InvariantCulture);
        if (t.Ticks % TimeSpan.TicksPerDay == 0 && t.Ticks != 0) return $"{t.Ticks / TimeSpan.TicksPerDay} day(s)";
        if (t.Ticks % TimeSpan.TicksPerHour == 0 && t.Ticks != 0) return $"{t.Ticks / TimeSpan.TicksPerHour} hour(s)";
        return t.ToString("c", CultureInfo.InvariantCulture);
    }
}
