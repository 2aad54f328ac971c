using System.Management.Automation;

namespace PimModule.Cmdlets;

/// <summary>Starts an access review of a role's direct assignments: named reviewers or a self review, once or on a recurrence.</summary>
[Cmdlet(VerbsCommon.New, "PimAccessReview", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = ReviewerSet)]
[OutputType(typeof(PimAccessReview))]
public sealed class NewPimAccessReviewCommand : PimCmdlet
{
    private const string ReviewerSet = "Reviewer";
    private const string SelfSet = "SelfReview";

    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("RoleName", "RoleId")]
    [ArgumentCompleter(typeof(RoleNameCompleter))]
    public PimRoleReference Role { get; set; } = null!;

    [Parameter(ValueFromPipelineByPropertyName = true)]
    public PimAccessReviewAssignmentType AssignmentType { get; set; } = PimAccessReviewAssignmentType.Eligible;

    [Parameter(Mandatory = true, ParameterSetName = ReviewerSet, ValueFromPipelineByPropertyName = true)]
    [Alias("Reviewers")]
    [ArgumentCompleter(typeof(PrincipalCompleter))]
    public string[] Reviewer { get; set; } = [];

    [Parameter(Mandatory = true, ParameterSetName = SelfSet, ValueFromPipelineByPropertyName = true)]
    [BoolTransformation(EmptyIsFalse = true)]
    public SwitchParameter SelfReview { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [DurationTransformation("Days")]
    public TimeSpan? Duration { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    public PimAccessReviewRecurrence Recurrence { get; set; } = PimAccessReviewRecurrence.None;

    [Parameter(ValueFromPipelineByPropertyName = true)]
    public PimAccessReviewDefaultDecision DefaultDecision { get; set; } = PimAccessReviewDefaultDecision.None;

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [BoolTransformation(EmptyIsFalse = true)]
    public SwitchParameter AutoApply { get; set; }

    /// <summary>
    /// A Reviewers column as Export-Csv writes it ('a@contoso.com;b@contoso.com', PimPrincipalList) is read back as its
    /// names, as -Approvers is: each item is split at ';' and ','. An empty item stays, to be refused by name.
    /// </summary>
    private static string[] SplitReviewers(string[] given)
        => given.SelectMany(g => g is null ? [null!] : g.Contains(';') || g.Contains(',')
            ? g.Split([';', ','], StringSplitOptions.TrimEntries).Where(x => x.Length > 0).DefaultIfEmpty("")
            : [g]).ToArray();

    /// <summary>The piped object (a CSV row, as Get-PimAccessReview | Export-Csv writes): its Role and RoleId must name one role.</summary>
    [Parameter(ValueFromPipeline = true, DontShow = true)]
    public PSObject? InputObject { get; set; }

    private readonly Dictionary<string, PimRole?> _roleColumns = new(StringComparer.OrdinalIgnoreCase);
    private long _rows;

    protected override void ProcessPim()
    {
        PipedColumns.CheckRoleColumns(Store, InputObject, _roleColumns, ++_rows);
        var review = Store.Reviews.Create(new PimAccessReviewInput
        {
            Role = Role, AssignmentType = AssignmentType, Reviewers = ParameterSetName == SelfSet ? null : SplitReviewers(Reviewer), SelfReview = SelfReview.IsPresent,
            Duration = Duration, Recurrence = Recurrence, DefaultDecision = DefaultDecision, AutoApply = AutoApply.IsPresent,
        }, ShouldProcess);
        if (review is not null) WriteObject(review);
    }
}
