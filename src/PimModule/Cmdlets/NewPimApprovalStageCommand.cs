using System.Management.Automation;

namespace PimModule.Cmdlets;

/// <summary>
/// Makes one approval stage for Set-PimRoleSetting -ApprovalStages: its approvers, how many of them must approve (a
/// quorum), and who may decide once the stage has waited EscalationAfter without its quorum. Needs no store: the stage is
/// checked when it is set on a role.
/// </summary>
[Cmdlet(VerbsCommon.New, "PimApprovalStage")]
[OutputType(typeof(PimApprovalStage))]
public sealed class NewPimApprovalStageCommand : PSCmdlet
{
    [Parameter(Position = 0)]
    [AllowEmptyCollection]
    [ArgumentCompleter(typeof(PrincipalCompleter))]
    public string[] Approvers { get; set; } = [];

    [Parameter]
    [ValidateRange(1, 99)]
    public int RequiredApprovals { get; set; } = 1;

    [Parameter]
    [ArgumentCompleter(typeof(PrincipalCompleter))]
    public string[] EscalationApprovers { get; set; } = [];

    [Parameter]
    [DurationTransformation("Hours")]
    public TimeSpan? EscalationAfter { get; set; }

    protected override void ProcessRecord()
    {
        static IEnumerable<string> Split(IEnumerable<string?> items) => items.Where(i => i is not null)
            .SelectMany(i => i!.Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .Distinct(StringComparer.OrdinalIgnoreCase);
        WriteObject(new PimApprovalStage
        {
            Approvers = new PimPrincipalList(Split(Approvers ?? [])),
            RequiredApprovals = RequiredApprovals,
            EscalationApprovers = new PimPrincipalList(Split(EscalationApprovers ?? [])),
            EscalationAfter = EscalationAfter,
        });
    }
}
