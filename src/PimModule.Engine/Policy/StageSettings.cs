using System.Text.Json.Nodes;
using System.Xml;
using PimModule.Errors;
using PimModule.Identity;
using PimModule.Validation;

namespace PimModule.Policy;

/// <summary>
/// The approval stages as role settings (RequiredApprovals, ApprovalStages in <see cref="RoleSettings"/>): reading what
/// callers give, the rule's JSON, and what a valid set of stages is.
/// </summary>
internal static class StageSettings
{
    public const int MaxStages = 2;
    public const int MaxRequiredApprovals = 99;
    /// <summary>A stage has 24 hours (Graph's approvalStageTimeOutInDays = 1): escalation opens within them.</summary>
    public static readonly TimeSpan MaxEscalationAfter = TimeSpan.FromHours(24) - TimeSpan.FromMinutes(1);

    private const string Fix = "Give each stage with New-PimApprovalStage -Approvers … [-RequiredApprovals n] [-EscalationApprovers … -EscalationAfter 30m].";

    public static void Set(RolePolicy p, List<RolePolicy.ApprovalStageRule> stages)
    {
        var first = stages[0];
        p.Approvers = [.. first.Approvers];
        p.RequiredApprovals = first.RequiredApprovals;
        p.EscalationApprovers = [.. first.EscalationApprovers];
        p.EscalationAfter = first.EscalationAfter;
        p.SecondStage = stages.Count > 1 ? stages[1].Copy() : null;
    }

    public static int Count(object value, string name) => value switch
    {
        int i => i,
        long l and >= int.MinValue and <= int.MaxValue => (int)l,
        string s when int.TryParse(s.Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var i) => i,
        _ => throw PimErrors.ApprovalStagesInvalid($"{name} '{Input.Preview(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "")}' is not a whole number.",
            value, $"Give -{name} as a number from 1 to {MaxRequiredApprovals}."),
    };

    /// <summary>Stages given to Set-PimRoleSetting or an update: New-PimApprovalStage objects, or their JSON (a CSV cell).</summary>
    public static List<RolePolicy.ApprovalStageRule> FromInput(object value)
    {
        var stages = new List<PimApprovalStage>();
        void Add(object? item)
        {
            switch (item)
            {
                case null: break;
                case PimApprovalStage s: stages.Add(s); break;
                case string text when text.Trim().Length == 0: break;
                case string text: stages.AddRange(PimApprovalStageList.Parse(text)); break;
                case System.Collections.IEnumerable e: foreach (var x in e) Add(x); break;
                default:
                    throw PimErrors.ApprovalStagesInvalid($"'{Input.Preview(item.ToString() ?? "")}' is not an approval stage.", item, Fix);
            }
        }
        Add(value);
        if (stages.Count is 0 or > MaxStages)
            throw PimErrors.ApprovalStagesInvalid($"-ApprovalStages gives {stages.Count} stages; a role has one or two approval stages.", stages.Count, Fix);
        return stages.Select(s => Normalize(new RolePolicy.ApprovalStageRule([.. s.Approvers], s.RequiredApprovals, [.. s.EscalationApprovers], s.EscalationAfter))).ToList();
    }

    /// <summary>A stage as the policy holds it: principals split, trimmed and each once.</summary>
    public static RolePolicy.ApprovalStageRule Normalize(RolePolicy.ApprovalStageRule s) => new(
        RoleSettings.Principals(s.Approvers ?? [], "Approvers"), s.RequiredApprovals,
        RoleSettings.Principals(s.EscalationApprovers ?? [], "EscalationApprovers"), s.EscalationAfter);

    public static PimApprovalStageList ToOutput(IReadOnlyList<RolePolicy.ApprovalStageRule> stages) => new(stages.Select(s => new PimApprovalStage
    {
        Approvers = new PimPrincipalList(s.Approvers), RequiredApprovals = s.RequiredApprovals,
        EscalationApprovers = new PimPrincipalList(s.EscalationApprovers), EscalationAfter = s.EscalationAfter,
    }).ToList());

    public static JsonObject ToJson(RolePolicy.ApprovalStageRule s) => new()
    {
        ["approvers"] = RoleSettings.Array(s.Approvers),
        ["requiredApprovals"] = s.RequiredApprovals,
        ["escalationApprovers"] = RoleSettings.Array(s.EscalationApprovers),
        ["escalationAfter"] = s.EscalationAfter is { } e ? XmlConvert.ToString(e) : null,
    };

    public static RolePolicy.ApprovalStageRule FromJson(JsonObject o) => new(RoleSettings.Strings(o["approvers"]), (int)o["requiredApprovals"]!,
        RoleSettings.Strings(o["escalationApprovers"]), o["escalationAfter"] is { } e ? XmlConvert.ToTimeSpan((string)e!) : null);

    public static void CheckQuorum(int stage, IReadOnlyList<string> approvers, int required, string role)
    {
        if (required is < 1 or > MaxRequiredApprovals)
            throw PimErrors.ApprovalStagesInvalid($"Stage {stage} of '{role}' would need {required} approvals; a stage needs 1 to {MaxRequiredApprovals}.", required,
                $"Give RequiredApprovals from 1 to {MaxRequiredApprovals}.");
        if (approvers.Count > 0 && required > approvers.Count)
            throw PimErrors.ApprovalStagesInvalid($"Stage {stage} of '{role}' would need {required} approvals from {approvers.Count} listed approver(s) ({string.Join(", ", approvers)}); the quorum could never be reached.",
                required, "List at least as many approvers as RequiredApprovals, or lower RequiredApprovals.");
    }

    public static void Check(RolePolicy p, string role)
    {
        var stages = p.Stages;
        for (var i = 0; i < stages.Count; i++)
        {
            var s = stages[i];
            var n = i + 1;
            Input.List(s.Approvers, "Approvers", Input.PrincipalLength);
            foreach (var a in s.Approvers) Principal.Validate(a, "Approvers");
            Input.List(s.EscalationApprovers, "EscalationApprovers", Input.PrincipalLength);
            foreach (var a in s.EscalationApprovers) Principal.Validate(a, "EscalationApprovers");
            CheckQuorum(n, s.Approvers, s.RequiredApprovals, role);
            if (s.EscalationAfter is { } e)
            {
                if (e < TimeSpan.FromMinutes(1) || e > MaxEscalationAfter || e.Ticks % TimeSpan.TicksPerMinute != 0)
                    throw PimErrors.ApprovalStagesInvalid($"EscalationAfter {e:c} of stage {n} of '{role}' is out of range: escalation opens after whole minutes, from 1 minute to 23:59, within the stage's 24 hours.",
                        e, "Give -EscalationAfter in whole minutes below 24 hours, for example 30m or 4h.");
                if (s.EscalationApprovers.Count == 0)
                    throw PimErrors.ApprovalStagesInvalid($"Stage {n} of '{role}' escalates after {e:c} but names no escalation approvers.", e,
                        "Give -EscalationApprovers together with -EscalationAfter, or leave both out.");
            }
            else if (s.EscalationApprovers.Count > 0)
                throw PimErrors.ApprovalStagesInvalid($"Stage {n} of '{role}' names escalation approvers ({string.Join(", ", s.EscalationApprovers)}) but no EscalationAfter.",
                    string.Join(";", s.EscalationApprovers), "Give -EscalationAfter (for example 4h) with -EscalationApprovers, or leave both out.");
        }
    }
}
