using System.Management.Automation;

namespace PimModule.Cmdlets;

/// <summary>
/// Changes a role's settings: only the parameters named (or the columns piped in) change. Takes roles,
/// setting objects and CSV rows from the pipeline.
/// </summary>
[Cmdlet(VerbsCommon.Set, "PimRoleSetting", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(PimRoleSetting))]
public sealed class SetPimRoleSettingCommand : PimCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Name", "RoleName")]
    [ArgumentCompleter(typeof(RoleNameCompleter))]
    public PimRoleReference Role { get; set; } = null!;

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [DurationTransformation("Hours")]
    public TimeSpan? ActivationMaxDuration { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    public PimActivationRequirement? ActivationRequirement { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [AllowEmptyString, AllowNull]
    public string? AuthenticationContextId { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [BoolTransformation]
    public bool? RequireJustification { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [BoolTransformation]
    public bool? RequireTicket { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [BoolTransformation]
    public bool? RequireApproval { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [AllowEmptyCollection, AllowEmptyString, AllowNull]
    [ArgumentCompleter(typeof(PrincipalCompleter))]
    public string[]? Approvers { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [BoolTransformation]
    public bool? RequireApproverJustification { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [BoolTransformation]
    public bool? AllowPermanentEligible { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [DurationTransformation("Days")]
    public TimeSpan? EligibleExpiresAfter { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [BoolTransformation]
    public bool? AllowPermanentActive { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [DurationTransformation("Days")]
    public TimeSpan? ActiveExpiresAfter { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [BoolTransformation]
    public bool? RequireMfaOnActiveAssignment { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [BoolTransformation]
    public bool? RequireJustificationOnActiveAssignment { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [AllowEmptyString, AllowNull]
    public string? JustificationPattern { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [AllowEmptyString, AllowNull]
    public string? TicketPattern { get; set; }

    /// <summary>Stage 1's quorum: how many distinct approvers must approve (1 to 99).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateRange(1, 99)]
    public int? RequiredApprovals { get; set; }

    /// <summary>One or two approval stages (New-PimApprovalStage); stage 1 sets Approvers and RequiredApprovals too.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ApprovalStagesTransformation]
    public PimApprovalStage[]? ApprovalStages { get; set; }

    /// <summary>The piped object; its columns are checked so a misspelt CSV column is refused, not ignored.</summary>
    [Parameter(ValueFromPipeline = true, DontShow = true)]
    public PSObject? InputObject { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>Every role setting's parameter: one per setting of the engine's table, by name (checked once, here).</summary>
    private static readonly (string Name, System.Reflection.PropertyInfo Property, bool EmptyClears)[] SettingParameters =
        PimRoleSettingUpdate.SettingNames.Select(n => (n,
                typeof(SetPimRoleSettingCommand).GetProperty(n) ?? throw new InvalidOperationException($"Set-PimRoleSetting has no parameter for the setting {n}."),
                PimRoleSettingUpdate.EmptyClears(n)))
            .ToArray();

    private static object Empty(Type type) => type == typeof(string) ? "" : Array.Empty<string>();

    private static readonly string[] ReadOnlyColumns =
        ["RoleId", "Notifications", "IsDefault", "ModifiedBy", "ModifiedDateTime"];

    private readonly Dictionary<string, PimRole?> _roleColumns = new(StringComparer.OrdinalIgnoreCase);
    private long _rows;

    protected override void ProcessPim()
    {
        PipedColumns.Check(this, InputObject, ReadOnlyColumns);
        PipedColumns.CheckRoleColumns(Store, InputObject, _roleColumns, ++_rows);
        var update = new PimRoleSettingUpdate();
        foreach (var (name, property, emptyClears) in SettingParameters)
        {
            // A string or list setting named (even with $null) clears when empty; a value setting is named when it has a value.
            update[name] = emptyClears
                ? MyInvocation.BoundParameters.ContainsKey(name) ? property.GetValue(this) ?? Empty(property.PropertyType) : null
                : property.GetValue(this);
        }
        var result = Store.Settings.Update(Role, update, ShouldProcess, WriteVerbose);
        if (PassThru && result is not null) WriteObject(result);
    }
}
