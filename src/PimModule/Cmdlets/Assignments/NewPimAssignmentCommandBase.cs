using System.Management.Automation;

namespace PimModule.Cmdlets;

/// <summary>
/// What New-PimEligibleAssignment and New-PimActiveAssignment share: the parameters (all bindable from CSV
/// columns by name) and the bulk path — rows are checked one by one and committed in batches, a refused row
/// is a non-terminating error for that row only.
/// </summary>
public abstract class NewPimAssignmentCommandBase : PimCmdlet, IDisposable
{
    private AssignmentWriter? _writer;
    private long _rows;

    protected abstract PimAssignmentType AssignmentType { get; }

    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("PrincipalName", "UserPrincipalName", "UPN")]
    [ArgumentCompleter(typeof(PrincipalCompleter))]
    public string Principal { get; set; } = "";

    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    [Alias("RoleName", "RoleId")]
    [ArgumentCompleter(typeof(RoleNameCompleter))]
    public PimRoleReference Role { get; set; } = null!;

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("DirectoryScopeId")]
    [ArgumentCompleter(typeof(ScopeCompleter))]
    [AllowEmptyString, AllowNull]
    public string? Scope { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [DateTimeTransformation]
    public DateTime? StartDateTime { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [DateTimeTransformation]
    public DateTime? EndDateTime { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [DurationTransformation("Days")]
    public TimeSpan? Duration { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [BoolTransformation(EmptyIsFalse = true)]
    public SwitchParameter Permanent { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [AllowEmptyString, AllowNull]
    public string? Justification { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [AllowEmptyString, AllowNull]
    public string? TicketNumber { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [AllowEmptyString, AllowNull]
    public string? TicketSystem { get; set; }

    /// <summary>The piped object (a CSV row): its columns are checked so a misspelt one is refused, not ignored.</summary>
    [Parameter(ValueFromPipeline = true, DontShow = true)]
    public PSObject? InputObject { get; set; }

    protected virtual string? MfaCodeValue => null;

    protected override void BeginPim() => _writer = Store.Assignments.BeginAssign(AssignmentType);

    protected override void ProcessPim()
    {
        try
        {
            PipedColumns.Check(this, InputObject, ["Type", "MemberType", "State", "AssignmentId", "RoleId", "CreatedBy", "CreatedDateTime", "Role"]);
            var input = new PimAssignmentInput
            {
                Principal = Principal, Role = Role, Scope = Scope, StartDateTime = StartDateTime, EndDateTime = EndDateTime,
                Duration = Duration, Permanent = Permanent.IsPresent, Justification = Justification, TicketNumber = TicketNumber,
                TicketSystem = TicketSystem, MfaCode = MfaCodeValue,
            };
            // The input limits (PimAssignmentInput.Validate): AssignmentWriter.Add checks them on every row once the bulk
            // writer calls it; until then they are checked here, so a CSV row and a command line meet the same rules.
            var created = _writer!.Add(input.Validate(), c => ShouldProcess(c.Target, c.Action));
            if (created is not null) WriteObject(created);
        }
        finally
        {
            if (++_rows % 5000 == 0 && MyInvocation.ExpectingInput)
                WriteProgress(new ProgressRecord(1, $"New-Pim{AssignmentType}Assignment", $"{_rows:N0} rows, {_writer!.Committed:N0} committed"));
        }
    }

    protected override void EndPim()
    {
        _writer?.Commit();
        if (_rows >= 5000) WriteProgress(new ProgressRecord(1, $"New-Pim{AssignmentType}Assignment", "Done") { RecordType = ProgressRecordType.Completed });
        _writer?.Dispose();
        _writer = null;
    }

    /// <summary>
    /// PowerShell disposes the command when its pipeline ends — also after a terminating error or Ctrl+C (which stops
    /// the pipeline at the next WriteObject): the batch in progress rolls back, batches already committed stay.
    /// </summary>
    public void Dispose()
    {
        _writer?.Dispose();
        _writer = null;
    }


}

/// <summary>Makes a principal eligible for a role: they may activate it when they need it.</summary>
[Cmdlet(VerbsCommon.New, "PimEligibleAssignment", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(PimAssignment))]
public sealed class NewPimEligibleAssignmentCommand : NewPimAssignmentCommandBase
{
    protected override PimAssignmentType AssignmentType => PimAssignmentType.Eligible;
}

/// <summary>Gives a principal a role actively, without activation (a direct active assignment).</summary>
[Cmdlet(VerbsCommon.New, "PimActiveAssignment", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
[OutputType(typeof(PimAssignment))]
public sealed class NewPimActiveAssignmentCommand : NewPimAssignmentCommandBase
{
    protected override PimAssignmentType AssignmentType => PimAssignmentType.Active;

    /// <summary>The administrator's current MFA code, when the role requires MFA on active assignment.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [AllowEmptyString, AllowNull]
    public string? MfaCode { get; set; }

    protected override string? MfaCodeValue => MfaCode;
}
