using System.Globalization;
using System.Management.Automation;

namespace PimModule;

/// <summary>
/// Lets a [DateTime] parameter take DateTime objects and the text of CSV files: ISO 8601 ('2026-12-01T09:00:00Z')
/// or the invariant form Export-Csv writes. Text without a zone is taken as UTC, the store's time.
/// An empty string means "not given".
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
            case string s:
                if (DateTime.TryParse(s.Trim(), CultureInfo.InvariantCulture,
                        DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var parsed))
                    return DateTime.SpecifyKind(parsed, DateTimeKind.Utc);
                break;
        }
        throw new ArgumentTransformationMetadataException(
            $"'{value}' is not a date and time. Give a DateTime (Get-Date) or text such as 2026-12-01T09:00:00Z.");
    }
}
