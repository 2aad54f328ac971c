using System.Globalization;
using System.Management.Automation;

namespace PimModule.Transforms;

/// <summary>
/// Lets a snapshot parameter (Test-PimAuditLog -Since) take what New-PimSnapshot returns, or the record a snapshot stands
/// at (its Sequence): a number, or a number as text.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class SnapshotTransformationAttribute : ArgumentTransformationAttribute
{
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        var value = inputData is PSObject ps ? ps.BaseObject : inputData;
        switch (value)
        {
            case null: return null;
            case PimSnapshot s: return s.Sequence;
            case int or long or short or byte or uint or ulong or ushort when Convert.ToDecimal(value, CultureInfo.InvariantCulture) > 0: return Convert.ToInt64(value, CultureInfo.InvariantCulture);
            case string text when long.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0: return n;
        }
        throw new ArgumentTransformationMetadataException(
            $"'{value}' is not a snapshot. Give what New-PimSnapshot returned, or the Sequence of the record a snapshot stands at (a positive number).");
    }
}
