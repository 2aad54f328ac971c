using System.Management.Automation;

namespace PimModule.Transforms;

/// <summary>
/// Lets a [bool] parameter take what CSV files and people write: $true/$false, 'True'/'False', 1/0, yes/no, on/off.
/// (PowerShell's binder refuses strings for [bool] parameters, so Import-Csv | Set-PimRoleSetting would fail.)
/// An empty string means "not given".
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class BoolTransformationAttribute : ArgumentTransformationAttribute
{
    /// <summary>For a switch: an empty cell means off (PowerShell would take a null switch as present).</summary>
    public bool EmptyIsFalse { get; set; }

    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        var value = inputData is PSObject ps ? ps.BaseObject : inputData;
        switch (value)
        {
            case null: return EmptyIsFalse ? false : null;
            case bool b: return b;
            case SwitchParameter s: return s.IsPresent;
            case int or long or short or byte: return Convert.ToInt64(value) != 0;
            case string text:
                switch (text.Trim().ToLowerInvariant())
                {
                    case "": return EmptyIsFalse ? false : null;
                    case "true" or "$true" or "1" or "yes" or "y" or "on": return true;
                    case "false" or "$false" or "0" or "no" or "n" or "off": return false;
                }
                break;
        }
        throw new ArgumentTransformationMetadataException(
            $"'{value}' is not a boolean. Give $true or $false (in a CSV file: True or False).");
    }
}
