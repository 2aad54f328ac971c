using System.Globalization;
using System.Management.Automation;

namespace PimModule.Transforms;

/// <summary>
/// Lets a [DateTime] parameter take DateTime objects and the text of CSV files: ISO 8601 ('2026-12-01T09:00:00Z',
/// '2026-12-01T11:00:00+02:00') or the invariant form Export-Csv writes. Text without an offset is taken as UTC, the
/// store's time (Export-Csv writes the module's UTC times without one). A DateTime object keeps its Kind: Utc is UTC,
/// Local and Unspecified are local time (the .NET convention), converted by the engine (<see cref="Times"/>), which
/// also refuses times outside 1900 … 9000 (PimDateTimeInvalid). An empty string means "not given".
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class DateTimeTransformationAttribute : ArgumentTransformationAttribute
{
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        var value = inputData is PSObject ps ? ps.BaseObject : inputData;
        switch (value)
        {
            case null: return null;
            case DateTime d: return d;
            case DateTimeOffset o: return o.UtcDateTime;
            case string s when s.Trim().Length == 0: return null;
            case string s when s.Length <= 100:
                if (DateTime.TryParse(s.Trim(), CultureInfo.InvariantCulture,
                        DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var parsed))
                    return DateTime.SpecifyKind(parsed, DateTimeKind.Utc);
                break;
        }
        throw new ArgumentTransformationMetadataException(
            $"'{Input.Preview(value?.ToString() ?? "")}' is not a date and time. Give a DateTime (Get-Date) or text such as 2026-12-01T09:00:00Z.");
    }
}
