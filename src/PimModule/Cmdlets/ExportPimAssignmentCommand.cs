using System.Management.Automation;

namespace PimModule.Cmdlets;

/// <summary>
/// Writes the direct assignments (eligible and active, not expired) as Graph's adminAssign schedule request bodies
/// (unifiedRoleEligibilityScheduleRequest / unifiedRoleAssignmentScheduleRequest) that recreate them in a tenant.
/// </summary>
[Cmdlet(VerbsData.Export, "PimAssignment", SupportsShouldProcess = true)]
[OutputType(typeof(FileInfo))]
public sealed class ExportPimAssignmentCommand : PimCmdlet
{
    /// <summary>Only this principal's assignments.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(PrincipalCompleter))]
    public string? Principal { get; set; }

    /// <summary>Only these roles' assignments.</summary>
    [Parameter(ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("RoleName")]
    [ArgumentCompleter(typeof(RoleNameCompleter))]
    public PimRoleReference[]? Role { get; set; }

    /// <summary>Only eligible or only active assignments.</summary>
    [Parameter]
    public PimAssignmentType? Type { get; set; }

    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    /// <summary>Graph (the only format: Get-PimAssignment | Export-Csv writes CSV).</summary>
    [Parameter]
    [ValidateSet("Graph")]
    public string Format { get; set; } = "Graph";

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    private readonly List<Guid> _roleIds = [];
    private bool _rolesGiven;
    private bool _bound;
    private readonly HashSet<string> _principals = new(StringComparer.OrdinalIgnoreCase);

    protected override void ProcessPim()
    {
        _bound = true;
        // A piped row's Principal is reset after the row (PimCmdlet): keep what the rows named.
        if (Principal is not null) _principals.Add(Principal);
        // -Role given as null (a piped Role or RoleName that is present and null, or -Role $null) names no role: refused,
        // never taken as every role (only a Role left out means every role).
        if (Role is null && MyInvocation.BoundParameters.ContainsKey(nameof(Role)))
            throw PimErrors.RoleRequired("-Role was given as null (a piped Role or RoleName property that is present and null, or -Role $null); " +
                "a null role is not taken as every role. Nothing was exported.", null,
                "Give the role's name or id, or leave -Role (and the Role column) out to export every role.");
        if (Role is null) return;
        _rolesGiven = true;
        _roleIds.AddRange(RoleResolver.Resolve(this, Store, Role).Select(r => r.Id));
    }

    protected override void EndPim()
    {
        // Piped input that bound nothing (PowerShell wrote InputObjectNotBound for it), or no input at all: nothing is
        // exported — never every role's assignments instead of the ones that were meant.
        if (MyInvocation.ExpectingInput && !_bound) return;
        if (_rolesGiven && _roleIds.Count == 0) return;
        if (_principals.Count > 1)
            throw PimErrors.InputValueInvalid($"The input names {_principals.Count} principals ({string.Join(", ", _principals.Take(5).Select(p => Validation.Input.Preview(p)))}); " +
                "Export-PimAssignment exports one principal's assignments, or everyone's. Nothing was exported.", _principals.First(),
                "Export one principal at a time (-Principal), or leave Principal out to export everyone's assignments of the roles.");
        var path = ResolveFilePath(Path);
        var json = Store.Assignments.ExportGraph(new PimAssignmentQuery
        {
            Principal = _principals.FirstOrDefault(), RoleIds = _rolesGiven ? _roleIds : null, Type = Type, State = PimAssignmentState.All,
        }, e => WriteError(ToErrorRecord(e))); // a principal Graph cannot name is its own error; the others are written
        if (!ShouldProcess(path, "Export assignments as Graph schedule requests")) return;
        // Replaces what is there, as Export-Csv does; owner-only, and a link at the path is replaced, not followed.
        OwnerOnlyFile.WriteText(path, replace: true, json, PimErrors.SettingFileNotWritable);
        if (PassThru) WriteObject(new FileInfo(path));
    }
}
