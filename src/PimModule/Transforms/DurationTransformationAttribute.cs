using System.Globalization;
using System.Management.Automation;

namespace PimModule.Transforms;

/// <summary>
/// Lets a [TimeSpan] parameter take a TimeSpan, '04:00:00', ISO 8601 ('PT4H', 'P90D') or short forms
/// ('30m', '4h', '90d', '2w'). A bare number is counted in the parameter's natural unit (hours for an
/// activation, days for an assignment expiry) — never in ticks. An empty string means "not given".
/// The parsing is the engine's (<see cref="Durations"/>): a number too large for a TimeSpan becomes
/// TimeSpan.MaxValue, which the engine then refuses as PimDurationInvalid (never an overflow here).
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class DurationTransformationAttribute : ArgumentTransformationAttribute
{
    public DurationTransformationAttribute(string bareNumberUnit)
    {
        if (!Durations.IsUnit(bareNumberUnit)) throw new ArgumentException("Hours or Days.", nameof(bareNumberUnit));
        Unit = bareNumberUnit;
    }

    /// <summary>"Hours" or "Days".</summary>
    public string Unit { get; }

    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        var value = inputData is PSObject ps ? ps.BaseObject : inputData;
        try
        {
            return value switch
            {
                null => null,
                TimeSpan t => t,
                int or long or short or byte or double or float or decimal
                    => Durations.FromNumber(Convert.ToDouble(value, CultureInfo.InvariantCulture), Unit),
                string s => Durations.Parse(s, Unit),
                _ => Durations.Parse(value.ToString() ?? "", Unit),
            };
        }
        catch (PimException e)
        {
            throw new ArgumentTransformationMetadataException(e.Message, e);
        }
    }
}
