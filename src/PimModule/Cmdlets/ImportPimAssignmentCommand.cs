using System.Management.Automation;

namespace PimModule.Cmdlets;

/// <summary>
/// Imports a tenant's direct assignments from Graph's JSON (roleEligibilitySchedules, roleAssignmentSchedules, their
/// …Instances, adminAssign request bodies) as they are in the tenant: each through a request record as any assignment;
/// one that breaks the role's current settings is a warning, not a refusal. Activations and group-held assignments are
/// skipped (Verbose); an object id with no directory object is refused by name.
/// </summary>
[Cmdlet(VerbsData.Import, "PimAssignment", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(PimAssignment))]
public sealed class ImportPimAssignmentCommand : PimCmdlet, IDisposable
{
    private readonly List<(string Json, string Source)> _files = [];
    private AssignmentWriter? _eligible, _active;

    /// <summary>Graph JSON files (responses saved with Invoke-MgGraphRequest -OutputType Json, or ConvertTo-Json of them).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("FullName")]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = [];

    /// <summary>The kind of the items a file does not name itself (no @odata.context, no assignmentType).</summary>
    [Parameter]
    public PimAssignmentType? Type { get; set; }

    /// <summary>Your MFA code, for roles whose settings require the administrator's MFA on active assignment (one code serves the command).</summary>
    [Parameter]
    [AllowNull, AllowEmptyString]
    public string? MfaCode { get; set; }

    protected override void ProcessPim()
    {
        foreach (var p in Path)
        {
            var path = ResolveFilePath(p);
            _files.Add((InputFile.ReadText(path, 64, "Give the -Path of a Graph JSON file (split a larger export into files of at most 64 MB).", PimErrors.SettingFileNotFound), p));
        }
    }

    protected override void EndPim()
    {
        if (_files.Count == 0) return;
        var items = Store.Assignments.ReadGraph(_files, Type, MfaCode);
        var asks = WillAskOrPreview(ConfirmImpact.Medium);
        foreach (var item in items)
        {
            if (item.Skipped is not null)
            {
                WriteVerbose($"Skipped {item.Where}: {item.Skipped}.");
                if (item.Skipped.Contains("group", StringComparison.Ordinal)) WriteWarning($"Not imported, {item.Where}: {item.Skipped}.");
                continue;
            }
            if (item.Refusal is not null)
            {
                WriteError(ToErrorRecord(item.Refusal));
                continue;
            }
            var writer = item.Type == PimAssignmentType.Eligible
                ? _eligible ??= Store.Assignments.BeginImport(PimAssignmentType.Eligible)
                : _active ??= Store.Assignments.BeginImport(PimAssignmentType.Active);
            try { Report(writer.Add(item.Input!, asks ? c => ShouldProcess(c) : null), item.Where); }
            catch (PimException e) when (e is not PimStoreException) { WriteError(ToErrorRecord(e)); } // this item only; the others go on
        }
        if (_eligible is not null) Report(_eligible.Flush(), null);
        if (_active is not null) Report(_active.Flush(), null);
        Dispose();
    }

    private void Report(IReadOnlyList<PimAssignmentOutcome> outcomes, string? where)
    {
        foreach (var o in outcomes)
        {
            foreach (var w in o.Warnings) WriteWarning($"{o.Input.Principal} → {o.Input.Role} is taken as it is in the tenant, though: {w}");
            if (o.Created is not null) WriteObject(o.Created);
            else if (o.Refusal is not null) WriteError(ToErrorRecord(o.Refusal));
        }
    }

    public void Dispose()
    {
        _eligible?.Dispose();
        _active?.Dispose();
        _eligible = _active = null;
    }
}
