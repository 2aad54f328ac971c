using System.Globalization;
using System.Management.Automation;
using System.Text.RegularExpressions;
using System.Xml;

namespace PimModule;

/// <summary>
/// Lets a [TimeSpan] parameter take a TimeSpan, '04:00:00', ISO 8601 ('PT4H', 'P90D') or short forms
/// ('30m', '4h', '90d', '2w'). A bare number is counted in the parameter's natural unit (hours for an
/// activation, days for an assignment expiry) — never in ticks. An empty string means "not given".
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed partial class DurationTransformationAttribute : ArgumentTransformationAttribute
{
    public DurationTransformationAttribute(string bareNumberUnit) => Unit = bareNumberUnit;

    /// <summary>"Hours" or "Days".</summary>
    public string Unit { get; }

    [GeneratedRegex(@"^\s*(\d+(?:\.\d+)?)\s*(m|min|mins|minutes?|h|hr|hrs|hours?|d|days?|w|weeks?)\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex Short();

    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        var value = inputData is PSObject ps ? ps.BaseObject : inputData;
        return value switch
        {
            null => null,
            TimeSpan t => t,
            int or long or short or byte or double or float or decimal => FromNumber(Convert.ToDouble(value, CultureInfo.InvariantCulture)),
            string s => Parse(s),
            _ => throw Fail(value),
        };
    }

    private TimeSpan FromNumber(double n) => Unit == "Days" ? TimeSpan.FromDays(n) : TimeSpan.FromHours(n);

    private object? Parse(string text)
    {
        var s = text.Trim();
        if (s.Length == 0) return null;
        if (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var n)) return FromNumber(n);
        var m = Short().Match(s);
        if (m.Success)
        {
            var x = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            return char.ToLowerInvariant(m.Groups[2].Value[0]) switch
            {
                'm' => TimeSpan.FromMinutes(x),
                'h' => TimeSpan.FromHours(x),
                'd' => TimeSpan.FromDays(x),
                _ => TimeSpan.FromDays(7 * x),
            };
        }
        if (s.StartsWith('P') || s.StartsWith('-'))
        {
            try { return XmlConvert.ToTimeSpan(s); } catch (FormatException) { }
        }
        if (TimeSpan.TryParse(s, CultureInfo.InvariantCulture, out var t)) return t;
        throw Fail(text);
    }

    private ArgumentTransformationMetadataException Fail(object value) => new(
        $"'{value}' is not a duration. Give a TimeSpan, 'hh:mm:ss', 'd.hh:mm:ss', ISO 8601 (PT4H, P90D) or a short form " +
        $"such as 30m, 4h, 90d; a bare number counts {Unit.ToLowerInvariant()}.");
}
