using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml;
using PimModule.Errors;

namespace PimModule.Validation;

/// <summary>
/// The duration text PimModule takes (parameters and CSV cells): a TimeSpan's text ('04:00:00', '1.00:00:00'),
/// ISO 8601 ('PT4H', 'P90D'), a short form ('30m', '4h', '90d', '2w') or a bare number in the parameter's natural
/// unit (hours for an activation, days for an assignment expiry) — never ticks. Text that is no duration is
/// PimDurationInvalid; a number too large for a TimeSpan saturates to TimeSpan.MaxValue (MinValue when negative),
/// which the range checks (<see cref="Times.Duration(TimeSpan, string, TimeSpan?)"/>, the role-setting rules) then refuse.
/// Nothing here throws anything but a PimException.
/// </summary>
public static partial class Durations
{
    /// <summary>Longer text is not a duration (and is not echoed back).</summary>
    public const int MaxTextLength = 100;

    [GeneratedRegex(@"^\s*([0-9]+(?:\.[0-9]+)?)\s*(m|min|mins|minutes?|h|hr|hrs|hours?|d|days?|w|weeks?)\s*$",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Short();

    [GeneratedRegex(@"^-?P(?=[0-9]|T[0-9])([0-9]+Y)?([0-9]+M)?([0-9]+D)?(T(?=[0-9])([0-9]+H)?([0-9]+M)?([0-9]+(\.[0-9]+)?S)?)?\z",
        RegexOptions.CultureInvariant)]
    private static partial Regex Iso();

    /// <summary>The natural unit of a bare number: "Hours" or "Days".</summary>
    public static bool IsUnit(string unit) => unit is "Hours" or "Days";

    /// <summary>A number in the unit, saturated to TimeSpan's range; NaN is PimDurationInvalid.</summary>
    public static TimeSpan FromNumber(double n, string unit, string name = "Duration")
    {
        if (double.IsNaN(n)) throw NotADuration(n.ToString(CultureInfo.InvariantCulture), unit, name);
        var ticks = n * (unit == "Days" ? TimeSpan.TicksPerDay : TimeSpan.TicksPerHour);
        return Saturate(ticks);
    }

    /// <summary>A count of ticks (as a double, maybe beyond a long) as a TimeSpan, saturated.</summary>
    private static TimeSpan Saturate(double ticks)
        => ticks >= long.MaxValue ? TimeSpan.MaxValue
            : ticks <= long.MinValue ? TimeSpan.MinValue
            : TimeSpan.FromTicks((long)Math.Round(ticks));

    /// <summary>Parses duration text; null for empty text (not given); PimDurationInvalid when it is no duration.</summary>
    public static TimeSpan? Parse(string? text, string unit, string name = "Duration")
    {
        if (text is null) return null;
        if (text.Length > MaxTextLength) throw NotADuration(text, unit, name);
        var s = text.Trim();
        if (s.Length == 0) return null;
        if (Input.FirstForbidden(s) is not null) throw NotADuration(text, unit, name);
        if (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var n)) return FromNumber(n, unit, name);
        var m = Short().Match(s);
        if (m.Success)
        {
            var x = double.Parse(m.Groups[1].Value, NumberStyles.Float, CultureInfo.InvariantCulture);
            var perUnit = char.ToLowerInvariant(m.Groups[2].Value[0]) switch
            {
                'm' => TimeSpan.TicksPerMinute,
                'h' => TimeSpan.TicksPerHour,
                'd' => TimeSpan.TicksPerDay,
                _ => 7 * TimeSpan.TicksPerDay,
            };
            return Saturate(x * perUnit);
        }
        if (s.StartsWith('P') || s.StartsWith("-P", StringComparison.Ordinal))
        {
            try
            {
                return XmlConvert.ToTimeSpan(s);
            }
            catch (Exception e) when (e is FormatException or OverflowException or ArgumentException)
            {
                // Well-formed ISO 8601 that XmlConvert cannot hold is too large: saturate, and the range checks refuse it.
                if (Iso().IsMatch(s)) return s.StartsWith('-') ? TimeSpan.MinValue : TimeSpan.MaxValue;
            }
        }
        if (TimeSpan.TryParse(s, CultureInfo.InvariantCulture, out var t)) return t;
        throw NotADuration(text, unit, name);
    }

    private static PimException NotADuration(string text, string unit, string name) => PimErrors.DurationInvalid($"'{Input.Preview(text)}' is not a duration. Give a TimeSpan, 'hh:mm:ss', 'd.hh:mm:ss', ISO 8601 (PT4H, P90D) or a short form " +
        $"such as 30m, 4h, 90d; a bare number counts {unit.ToLowerInvariant()}.", Input.Preview(text),
        $"Correct -{name}, for example 8h or 90d.");
}
