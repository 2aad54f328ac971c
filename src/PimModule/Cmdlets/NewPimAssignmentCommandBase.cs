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
    private readonly Dictionary<string, PimRole?> _roleColumns = new(StringComparer.OrdinalIgnoreCase);

    protected abstract PimAssignmentType AssignmentType { get; }

    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("PrincipalName", "UserPrincipalName", "UPN")]
    [ArgumentCompleter(typeof(PrincipalCompleter))]
    public string Principal { get; set; } = "";

    // Not ValueFromPipeline, unlike the other -Role parameters (Conventions.Tests.ps1 names the exception): binding every
    // row of a bulk import against a role object first doubles the import's time. A row names its role by column.
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

    /// <summary>The columns of this module's own output (Get-PimAssignment | Export-Csv) that a row may carry.</summary>
    private static readonly string[] OutputColumns = ["Type", "MemberType", "State", "AssignmentId", "RoleId", "CreatedBy", "CreatedDateTime", "Role", "Verified", "Via"];

    private bool _asks;

    protected override void BeginPim()
    {
        _writer = Store.Assignments.BeginAssign(AssignmentType);
        _asks = WillAskOrPreview(ConfirmImpact.Low);
    }

    protected override void ProcessPim()
    {
        try
        {
            PipedColumns.Check(this, InputObject, OutputColumns, Store, _roleColumns, _rows + 1);
            var scope = GivenScope(Scope);
            // Rows are buffered and written a batch per short transaction; a -WhatIf/-Confirm row is checked on a read first.
            Report(_writer!.Add(new PimAssignmentInput
            {
                Principal = Principal, Role = Role, Scope = scope, StartDateTime = StartDateTime, EndDateTime = EndDateTime,
                Duration = Duration, Permanent = Permanent.IsPresent, Justification = Justification, TicketNumber = TicketNumber,
                TicketSystem = TicketSystem, MfaCode = MfaCodeValue,
            }, _asks ? c => ShouldProcess(c) : null));
        }
        finally
        {
            if (++_rows % 5000 == 0 && MyInvocation.ExpectingInput)
                WriteProgress(new ProgressRecord(1, $"New-Pim{AssignmentType}Assignment", $"{_rows:N0} rows, {_writer!.Committed:N0} committed"));
        }
    }

    protected override void EndPim()
    {
        if (_writer is not null) Report(_writer.Flush());
        if (_rows >= 5000) WriteProgress(new ProgressRecord(1, $"New-Pim{AssignmentType}Assignment", "Done") { RecordType = ProgressRecordType.Completed });
        _writer?.Dispose();
        _writer = null;
    }

    /// <summary>Each row's outcome: the assignment, or its own refusal (non-terminating with pipeline input).</summary>
    private void Report(IReadOnlyList<PimAssignmentOutcome> outcomes)
    {
        foreach (var o in outcomes)
        {
            if (o.Created is not null) WriteObject(o.Created);
            else if (o.Refusal is not null) Refuse(o.Refusal);
        }
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
