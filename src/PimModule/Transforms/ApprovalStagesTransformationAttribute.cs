using System.Management.Automation;

namespace PimModule.Transforms;

/// <summary>
/// Lets -ApprovalStages take New-PimApprovalStage objects, or the JSON Get-PimRoleSetting writes for them (the
/// ApprovalStages column of a CSV file, so Import-Csv | Set-PimRoleSetting round-trips). An empty cell means "not given";
/// an empty list is passed on, to be refused.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class ApprovalStagesTransformationAttribute : ArgumentTransformationAttribute
{
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        var stages = new List<PimApprovalStage>();
        void Add(object? item)
        {
            item = item is PSObject ps ? ps.BaseObject : item;
            switch (item)
            {
                case null: break;
                case PimApprovalStage s: stages.Add(s); break;
                case string text when text.Trim().Length == 0: break;
                case string text:
                    PimApprovalStageList parsed;
                    try { parsed = PimApprovalStageList.Parse(text); }
                    catch (PimException e) { throw new ArgumentTransformationMetadataException(e.Message, e); }
                    if (parsed.Count == 0)
                        throw new ArgumentTransformationMetadataException("The approval stages '[]' list no stage; a role has one or two. Give one stage to go back to a single stage.");
                    stages.AddRange(parsed);
                    break;
                case System.Collections.IEnumerable e: foreach (var x in e) Add(x); break;
                default:
                    throw new ArgumentTransformationMetadataException(
                        $"'{Validation.Input.Preview(item.ToString() ?? "")}' is not an approval stage. Give New-PimApprovalStage objects, or the JSON Get-PimRoleSetting writes for ApprovalStages.");
            }
        }
        Add(inputData);
        // An empty cell (or $null) is "not given"; an empty list (-ApprovalStages @()) is given, and the engine refuses it
        // by name (PimApprovalStagesInvalid: a role has one or two stages) instead of it being ignored.
        var unwrapped = inputData is PSObject w ? w.BaseObject : inputData;
        if (stages.Count == 0) return unwrapped is System.Collections.IEnumerable and not string ? Array.Empty<PimApprovalStage>() : null;
        return stages.ToArray();
    }
}
